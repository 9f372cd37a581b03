import {
  ConfigError,
  HttpError,
  NetworkError,
  RateLimitError,
  ResponseValidationError,
  TimeoutError,
  errorFromStatus,
} from '../core/errors.js';
import { assertPositive, describe, fail } from '../core/options.js';
import { MAX_TIMER_MS } from '../core/backoff.js';
import { scrub } from './redact.js';

/** The `fetch` signature runwatch calls; any WHATWG-compatible implementation fits. */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/**
 * What a provider reads out of an error body: the transport knows no provider's body shapes,
 * it asks the adapter's `readError`.
 *
 * @example
 * ```ts
 * import type { ErrorDetails } from 'runwatch';
 *
 * const readError = (body: unknown): ErrorDetails => ({ message: (body as { error?: string } | null)?.error });
 * console.log(readError({ error: 'execution not found' }).message);
 * // Logs: execution not found
 * ```
 */
export interface ErrorDetails {
  /** The provider's message for the failure. */
  message?: string | undefined;
  /** The provider's error code, where it gives one. */
  code?: string | undefined;
  /** A wait the body asks for (ModelsLab's `retry_after`), in ms. */
  retryAfterMs?: number | undefined;
}

/** How a provider's transport is set up. Internal: providers build it from ClientOptions. */
export interface HttpOptions {
  provider: string;
  /** The documented base, path included; requests append to its path. */
  baseUrl: string;
  /** Secrets to scrub from anything that leaves this module (the API key). */
  secrets: string[];
  /** Auth headers, sent only to `baseUrl`'s origin. */
  authHeaders: Record<string, string>;
  /** The user's extra headers, sent only to `baseUrl`'s origin. */
  headers?: Record<string, string> | undefined;
  fetch?: FetchLike | undefined;
  requestTimeoutMs: number;
  /** Reads the message (and hints) out of a parsed error body; the provider knows its shapes. */
  readError?: ((body: unknown) => ErrorDetails) | undefined;
  /** Tells a 2xx body that reports a failure (ModelsLab's `status: "error"` envelope). */
  isErrorBody?: ((body: unknown) => boolean) | undefined;
  /** The wait after a 429 that names none, in ms (Datalab documents 60 s). */
  defaultRetryAfterMs?: number | undefined;
}

/** One request, relative to the base URL. */
export interface HttpRequest {
  method?: 'GET' | 'POST' | 'DELETE';
  /** Path segments, each percent-encoded here, so an id can never climb to another endpoint. */
  path: readonly (string | number)[];
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  signal?: AbortSignal | undefined;
  executionId?: string | undefined;
}

/** A parsed response. */
export interface HttpResponse {
  status: number;
  headers: Headers;
  body: unknown;
  requestId: string | undefined;
}

/** The default request timeout: long enough for a slow provider, short enough to notice a hung socket. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/**
 * The transport every provider shares: builds the URL, attaches auth for the provider's own
 * origin only, enforces a per-request timeout, parses JSON and turns failures into the
 * error tree, with every secret scrubbed from messages, fields and causes.
 */
export class HttpClient {
  readonly provider: string;
  readonly baseUrl: URL;
  private readonly options: HttpOptions;

  constructor(options: HttpOptions) {
    this.options = options;
    this.provider = options.provider;
    this.baseUrl = parseBaseUrl(options.baseUrl, options.provider);
    assertPositive('requestTimeoutMs', options.requestTimeoutMs, MAX_TIMER_MS, options.provider);
    if (options.fetch !== undefined && typeof options.fetch !== 'function')
      fail('fetch', 'a function', options.fetch, options.provider);
  }

  /** The URL a request goes to. Never carries a secret. */
  url(path: readonly (string | number)[], query?: HttpRequest['query']): URL {
    const url = new URL(this.baseUrl.href);
    const base = url.pathname.replace(/\/+$/, '');
    // URL parsing resolves `.` and `..` segments (encoded or not), so no encoding can keep them in place.
    const dot = path.find((p) => String(p) === '.' || String(p) === '..');
    if (dot !== undefined)
      throw new ConfigError(`Expected an id other than ${describe(String(dot))}`, {
        option: 'id',
        provider: this.provider,
      });
    url.pathname = [base, ...path.map((p) => encodeURIComponent(String(p)))].join('/');
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    return url;
  }

  /** Sends a request to the provider, with auth, and returns the parsed JSON body. */
  async request(req: HttpRequest): Promise<HttpResponse> {
    const url = this.url(req.path, req.query);
    const method = req.method ?? 'GET';
    const headers: Record<string, string> = { accept: 'application/json' };
    if (url.origin === this.baseUrl.origin) Object.assign(headers, this.options.headers, this.options.authHeaders);
    let body: string | undefined;
    if (req.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(req.body);
    }
    const response = await this.send(url, { method, headers, ...(body === undefined ? {} : { body }) }, req);
    return this.read(response, req, url);
  }

  /**
   * Fetches a URL of another origin (a presigned output): no API key, no provider headers.
   * Returns the parsed JSON when the content type says JSON, the text otherwise.
   */
  async download(
    url: URL,
    req: { signal?: AbortSignal | undefined; executionId?: string | undefined },
  ): Promise<unknown> {
    const response = await this.send(url, { method: 'GET', headers: { accept: 'application/json, */*' } }, req);
    const text = await this.text(response, req);
    if (!response.ok) {
      const expired = response.status === 403 || response.status === 404;
      throw errorFromStatus(
        response.status,
        this.scrub(
          expired
            ? `${this.provider}: output URL has expired or is gone (HTTP ${response.status}); fetch the execution again for a fresh one`
            : `${this.provider}: output download failed (HTTP ${response.status})`,
        ),
        { provider: this.provider, executionId: req.executionId, retryable: false },
      );
    }
    if (/\bjson\b/i.test(response.headers.get('content-type') ?? '')) {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new ResponseValidationError(`${this.provider}: output is not valid JSON`, {
          provider: this.provider,
          executionId: req.executionId,
          issues: [{ path: [], message: 'Invalid JSON', code: 'invalid_json' }],
        });
      }
    }
    return text;
  }

  /** Replaces every secret in a string. */
  scrub(text: string): string {
    return scrub(text, this.options.secrets);
  }

  private async send(
    url: URL,
    init: RequestInit,
    req: { signal?: AbortSignal | undefined; executionId?: string | undefined },
  ): Promise<Response> {
    const fetchImpl = this.options.fetch ?? (await defaultFetch());
    const controller = new AbortController();
    const timeoutMs = this.options.requestTimeoutMs;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    const onAbort = (): void => controller.abort(req.signal?.reason);
    if (req.signal?.aborted) controller.abort(req.signal.reason);
    else req.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await fetchImpl(url.href, { ...init, signal: controller.signal });
    } catch (error) {
      if (req.signal?.aborted) throw req.signal.reason ?? abortError();
      const fields = { provider: this.provider, executionId: req.executionId, cause: this.scrubError(error) };
      if (timedOut) {
        throw new TimeoutError(`${this.provider}: request timed out after ${timeoutMs} ms`, {
          ...fields,
          phase: 'request',
        });
      }
      const reason = error instanceof Error ? error.message : String(error);
      throw new NetworkError(this.scrub(`${this.provider}: request failed: ${reason}`), fields);
    } finally {
      clearTimeout(timer);
      req.signal?.removeEventListener('abort', onAbort);
    }
  }

  private async text(
    response: Response,
    req: { signal?: AbortSignal | undefined; executionId?: string | undefined },
  ): Promise<string> {
    try {
      return await response.text();
    } catch (error) {
      if (req.signal?.aborted) throw req.signal.reason ?? abortError();
      throw new NetworkError(`${this.provider}: response body was cut off`, {
        provider: this.provider,
        executionId: req.executionId,
        status: response.status,
        cause: this.scrubError(error),
      });
    }
  }

  private async read(response: Response, req: HttpRequest, url: URL): Promise<HttpResponse> {
    const text = await this.text(response, req);
    const requestId = response.headers.get('x-request-id') ?? undefined;
    let body: unknown;
    let parsed = true;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = false;
    }
    const fields = { provider: this.provider, executionId: req.executionId, requestId, status: response.status };
    if (!response.ok || (parsed && this.options.isErrorBody?.(body) === true)) {
      const details = parsed ? (this.options.readError?.(body) ?? {}) : {};
      const hint =
        parseRetryAfter(response.headers.get('retry-after')) ??
        details.retryAfterMs ??
        (response.status === 429 ? this.options.defaultRetryAfterMs : undefined);
      const what =
        details.message ?? (response.ok ? undefined : parsed || text === '' ? response.statusText : text.slice(0, 200));
      const message = this.scrub(
        `${this.provider}: ${what || 'request failed'} (HTTP ${response.status}, ${req.method ?? 'GET'} ${url.pathname})`,
      );
      const error = { ...fields, retryAfterMs: hint };
      if (!response.ok) throw errorFromStatus(response.status, message, error);
      // A 2xx that says it failed: a hint to wait means "slow down"; anything else is final.
      throw hint === undefined ? new HttpError(message, error) : new RateLimitError(message, error);
    }
    if (!parsed) {
      throw new ResponseValidationError(`${this.provider}: response body is not valid JSON (HTTP ${response.status})`, {
        ...fields,
        retryable: true,
        issues: [{ path: [], message: 'Invalid JSON', code: 'invalid_json' }],
      });
    }
    return { status: response.status, headers: response.headers, body, requestId };
  }

  /** A copy of an error that is safe to attach as `cause`: the secret cannot ride along. */
  private scrubError(error: unknown): unknown {
    if (!(error instanceof Error)) return typeof error === 'string' ? this.scrub(error) : undefined;
    const copy = new Error(this.scrub(error.message));
    copy.name = error.name;
    return copy;
  }
}

/**
 * Parses a `Retry-After` header: delay-seconds or an HTTP date.
 *
 * @returns the delay in ms, or `undefined` when absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value == null) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/**
 * Checks an absolute http(s) URL given as `option` and returns it parsed: a {@link ConfigError}
 * otherwise, thrown synchronously.
 */
export function parseHttpUrl(option: string, value: unknown, provider: string): URL {
  let url: URL | undefined;
  try {
    url = typeof value === 'string' ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if (url === undefined) return fail(option, 'an absolute URL', value, provider);
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    fail(option, 'an http or https URL', url.protocol, provider);
  return url;
}

function parseBaseUrl(value: unknown, provider: string): URL {
  const url = parseHttpUrl('baseUrl', value, provider);
  if (url.username || url.password) {
    throw new ConfigError('Expected `baseUrl` without credentials; pass the key as `apiKey`', {
      option: 'baseUrl',
      provider,
    });
  }
  url.search = '';
  url.hash = '';
  return url;
}

let crossFetch: Promise<FetchLike> | undefined;

/**
 * `globalThis.fetch` where there is one; cross-fetch, loaded on first use, where not (an old
 * Node). Browsers always have fetch, so package.json maps cross-fetch to nothing for browser
 * bundles and it costs them no bytes.
 */
async function defaultFetch(): Promise<FetchLike> {
  if (typeof globalThis.fetch === 'function') return globalThis.fetch.bind(globalThis);
  crossFetch ??= import('cross-fetch').then((m) => {
    const found = (m.default ?? m.fetch) as unknown;
    if (typeof found !== 'function') {
      throw new ConfigError('No fetch implementation is available here: pass one as the `fetch` option', {
        option: 'fetch',
      });
    }
    return found as FetchLike;
  });
  return crossFetch;
}

function abortError(): Error {
  const error = new Error('This operation was aborted');
  error.name = 'AbortError';
  return error;
}
