import { Observable } from 'rxjs';
import type { BackoffOptions } from '../core/backoff.js';
import { resolveBackoff } from '../core/backoff.js';
import { ConfigError, ResponseValidationError, type ValidationIssue } from '../core/errors.js';
import { DEFAULT_REQUEST_TIMEOUT_MS, HttpClient, type ErrorDetails, type FetchLike } from '../transport/http.js';
import { describe } from '../core/options.js';
import type { ExecutionSnapshot, ExecutionUpdate } from '../core/model.js';
import { watchExecution, resolveWatchOptions, type SnapshotSource, type WatchOptions } from '../core/poll.js';
import { RateLimiter, resolveRateLimit, type RateLimitOptions } from '../core/budget.js';

/**
 * What every provider client takes.
 *
 * @example
 * ```ts
 * import type { ClientOptions } from 'runwatch';
 *
 * const options: ClientOptions = { apiKey: process.env.DATALAB_API_KEY ?? '', requestTimeoutMs: 10_000 };
 * console.log(options.requestTimeoutMs);
 * // Logs: 10000
 * ```
 */
export interface ClientOptions {
  /** The provider API key. Sent only to `baseUrl`'s origin, never logged or put in an error. */
  apiKey: string;
  /**
   * Replaces the documented base URL, path included (a proxy, the simulator).
   * @defaultValue the provider's documented base
   */
  baseUrl?: string;
  /**
   * The fetch implementation.
   * @defaultValue `globalThis.fetch`, or cross-fetch where there is none
   */
  fetch?: typeof fetch;
  /** Extra headers for every request to the provider (not to presigned output URLs). */
  headers?: Record<string, string>;
  /** The backoff for every watch of this client; a watch's own `backoff` overrides it field by field. */
  backoff?: BackoffOptions;
  /**
   * How long one request may take, in ms, before it is aborted and retried.
   * @defaultValue 30000
   */
  requestTimeoutMs?: number;
  /**
   * The request budget shared by all watches of this client; `false` turns it off.
   * @defaultValue the provider's documented limit (ModelsLab 10 per minute per workflow, Datalab 200 per minute, EachLabs none)
   */
  rateLimit?: RateLimitOptions | false;
}

/** The per-provider facts a client is built from. */
export interface ProviderSpec {
  provider: string;
  defaultBaseUrl: string;
  authHeaders(apiKey: string): Record<string, string>;
  defaultRateLimit?: RateLimitOptions | undefined;
  errorDetails?: ((body: unknown) => ErrorDetails) | undefined;
  isErrorBody?: ((body: unknown) => boolean) | undefined;
  defaultRetryAfterMs?: number | undefined;
}

/** A provider client's plumbing: transport, request budget(s), backoff defaults. */
export class ProviderCore {
  readonly http: HttpClient;
  readonly provider: string;
  private readonly backoff: BackoffOptions | undefined;
  private readonly rateLimit: RateLimitOptions | undefined;
  private readonly limiters = new Map<string, RateLimiter>();

  constructor(spec: ProviderSpec, options: ClientOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new ConfigError(`Expected client options to be an object, got ${describe(options)}`, { option: 'options' });
    }
    if (typeof options.apiKey !== 'string' || options.apiKey.trim() === '') {
      // Never echo the value: it may be a key pasted into the wrong field.
      throw new ConfigError(`Expected \`apiKey\` to be a non-empty string (${spec.provider})`, {
        option: 'apiKey',
        provider: spec.provider,
      });
    }
    this.provider = spec.provider;
    this.backoff = options.backoff;
    resolveBackoff(options.backoff); // validate now, at client creation
    this.rateLimit = resolveRateLimit(options.rateLimit, spec.defaultRateLimit);
    this.http = new HttpClient({
      provider: spec.provider,
      baseUrl: options.baseUrl ?? spec.defaultBaseUrl,
      secrets: [options.apiKey],
      authHeaders: spec.authHeaders(options.apiKey),
      headers: options.headers,
      fetch: options.fetch as FetchLike | undefined,
      requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      errorDetails: spec.errorDetails,
      isErrorBody: spec.isErrorBody,
      defaultRetryAfterMs: spec.defaultRetryAfterMs,
    });
  }

  /** Waits for the request budget of `scope` (one budget per scope; ModelsLab's is per workflow). */
  async budget(signal?: AbortSignal, scope = ''): Promise<void> {
    if (this.rateLimit === undefined) return;
    let limiter = this.limiters.get(scope);
    if (limiter === undefined) {
      limiter = new RateLimiter(this.rateLimit);
      this.limiters.set(scope, limiter);
    }
    await limiter.acquire(signal);
  }

  /** Runs the engine on a source with this client's backoff under the watch's. Validates at call time. */
  watch<S extends ExecutionSnapshot>(source: SnapshotSource<S>, options: WatchOptions = {}): Observable<ExecutionUpdate<S>> {
    return watchExecution(source, { ...options, backoff: this.layeredBackoff(options) });
  }

  /** The client's backoff under the watch's, field by field; an explicit `undefined` keeps the client's value. */
  private layeredBackoff(options: WatchOptions): BackoffOptions {
    const layered: Record<string, unknown> = { ...this.backoff };
    for (const [key, value] of Object.entries(options.backoff ?? {})) if (value !== undefined) layered[key] = value;
    return layered as BackoffOptions;
  }

  /** The POST happens at subscription, then the watch of what it started. */
  runAndWatch<S extends ExecutionSnapshot>(
    start: (signal: AbortSignal) => Promise<SnapshotSource<S>>,
    options: WatchOptions = {},
  ): Observable<ExecutionUpdate<S>> {
    // Validate now, where the mistake is made, not at subscription.
    resolveWatchOptions({ id: 'pending', fetchSnapshot: () => undefined }, { ...options, backoff: this.layeredBackoff(options) });
    return new Observable<ExecutionUpdate<S>>((subscriber) => {
      const controller = new AbortController();
      let inner: { unsubscribe(): void } | undefined;
      start(controller.signal).then(
        (source) => {
          if (!subscriber.closed) inner = this.watch(source, options).subscribe(subscriber);
        },
        (error: unknown) => {
          if (!controller.signal.aborted) subscriber.error(error);
        },
      );
      return () => {
        controller.abort();
        inner?.unsubscribe();
      };
    });
  }
}

/**
 * Validates a body at the HTTP boundary. A mismatch is a {@link ResponseValidationError} with
 * the zod issues; never a TypeError further in.
 */
export function parseWith<T>(
  schema: { safeParse(data: unknown): { success: true; data: T } | { success: false; error: { issues: readonly ZodIssueLike[] } } },
  body: unknown,
  context: { provider: string; what: string; executionId?: string | undefined; status?: number | undefined },
): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issues: ValidationIssue[] = result.error.issues.map((issue) => ({
    path: issue.path.map((p) => (typeof p === 'number' ? p : String(p))),
    message: issueMessage(issue),
    code: issue.code,
  }));
  const first = issues[0];
  const where = first ? ` at ${first.path.length ? first.path.join('.') : '(root)'}: ${first.message}` : '';
  throw new ResponseValidationError(`${context.provider}: unexpected ${context.what} body${where}`, {
    provider: context.provider,
    executionId: context.executionId,
    status: context.status,
    issues,
  });
}

interface ZodIssueLike {
  code: string;
  path: readonly PropertyKey[];
  message: string;
  expected?: unknown;
  values?: unknown;
}

function issueMessage(issue: ZodIssueLike): string {
  // zod/mini ships no locale, so its messages are all "Invalid input": say what was expected.
  if (issue.code === 'invalid_type' && typeof issue.expected === 'string') return `expected ${issue.expected}`;
  if (issue.code === 'invalid_value' && Array.isArray(issue.values)) return `expected one of ${issue.values.join(', ')}`;
  return issue.message && issue.message !== 'Invalid input' ? issue.message : issue.code.replace(/_/g, ' ');
}


/** Reads a timestamp as ISO 8601 UTC; a zone-less one (Datalab's) is taken as UTC. */
export function toIsoUtc(value: string | null | undefined): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const zoneless = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(value.trim());
  const ms = Date.parse(zoneless ? `${value.trim().replace(' ', 'T')}Z` : value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/**
 * Looks a provider's status up in its table (keys in lower case), whatever the case it came
 * in; anything not in the table is `'unknown'`, its raw string kept by the caller. Maps, not
 * object literals: a status of "constructor" must not find Object.prototype's.
 */
export function statusFrom<T extends string>(table: ReadonlyMap<string, T>, raw: string): T | 'unknown' {
  return table.get(raw.trim().toLowerCase()) ?? 'unknown';
}

/** A string with something in it, or `undefined`. */
export function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

/** Sets an optional field only when there is a value: `exactOptionalPropertyTypes` forbids `key: undefined`. */
export function put<T, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined) target[key] = value;
}
