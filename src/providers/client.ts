import { catchError, defer, finalize, from, isObservable, switchMap, throwError, type Observable } from 'rxjs';
import { layerBackoff, type BackoffOptions } from '../core/backoff.js';
import { RateLimiter, resolveRateLimit, type RateLimitOptions } from '../core/budget.js';
import { ConfigError } from '../core/errors.js';
import { listTracker } from '../core/list.js';
import type { ExecutionSnapshot, ExecutionUpdate } from '../core/model.js';
import { checkKeys, fail, optionalSignal, readOptions, readSignal, requireObject } from '../core/options.js';
import { executionTracker, pollLoop } from '../core/poll.js';
import { resolveWatchOptions, type ResolvedWatch, type WatchOptions } from '../core/watch-options.js';
import { parseHttpUrl } from '../transport/checks.js';
import { DEFAULT_REQUEST_TIMEOUT_MS, HttpClient } from '../transport/http.js';
import { redactError } from '../transport/redact.js';
import type { Endpoint, ProviderAdapter } from './adapter.js';
import { parseWith } from './parse.js';

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
   * How long one request may take, in ms, headers and body together, before it is aborted and
   * retried (a {@link TimeoutError}).
   * @defaultValue 30000
   */
  requestTimeoutMs?: number;
  /**
   * The largest response body read, in bytes. A larger one is not read into memory: it is a
   * {@link ResponseValidationError} whose issue has the code `too_big`, not retried.
   * @defaultValue 8388608 (8 MiB)
   */
  maxBodyBytes?: number;
  /**
   * The request budget shared by all watches of this client; `false` turns it off.
   * @defaultValue the provider's documented limit (ModelsLab 10 per minute per workflow, Datalab 200 per minute, EachLabs none)
   */
  rateLimit?: RateLimitOptions | false;
}

/** The keys of {@link ClientOptions}: anything else is a typo and refused. */
const CLIENT_OPTION_KEYS: readonly string[] = [
  'apiKey',
  'baseUrl',
  'fetch',
  'headers',
  'backoff',
  'requestTimeoutMs',
  'maxBodyBytes',
  'rateLimit',
];

/**
 * The options of a promise-returning call.
 *
 * @example
 * ```ts
 * import type { CallOptions } from 'runwatch';
 *
 * const options: CallOptions = { signal: AbortSignal.timeout(5_000) };
 * console.log(options.signal instanceof AbortSignal);
 * // Logs: true
 * ```
 */
export interface CallOptions {
  /** Aborts the request, and the wait for budget before it. */
  signal?: AbortSignal;
}

/**
 * Work a watch does on each snapshot after it is read, with I/O of its own (Datalab's
 * `resolveOutputs` downloads step outputs). `create` is called once per watch, so the
 * transform may keep state (a cache) for that watch.
 *
 * @typeParam S - the snapshot type.
 *
 * @example
 * ```ts
 * import type { ExecutionSnapshot, SnapshotTransform } from 'runwatch';
 *
 * const stamped: SnapshotTransform<ExecutionSnapshot> = {
 *   key: 'stamped',
 *   create: () => async (snapshot) => ({ ...snapshot, output: { seenAt: Date.now() } }),
 * };
 * console.log(stamped.key);
 * // Logs: stamped
 * ```
 */
export interface SnapshotTransform<S> {
  /** Names the transform; watches with different transforms are different watches. */
  key: string;
  /** Makes the transform for one watch. */
  create(): (snapshot: S, signal: AbortSignal) => Promise<S>;
}

/**
 * A client made by {@link createClient}: every behaviour of a provider client, written once.
 *
 * @typeParam Ref - a checked reference to one execution.
 * @typeParam S - the snapshot type.
 * @typeParam RefIn - what users pass as a reference.
 *
 * @example
 * ```ts
 * import type { Client, ExecutionSnapshot } from 'runwatch';
 *
 * declare const client: Client<string, ExecutionSnapshot>;
 * client.watch('job-1').subscribe((update) => console.log(update.snapshot.status));
 * // Logs: completed
 * ```
 */
export interface Client<Ref, S extends ExecutionSnapshot, RefIn = Ref> {
  /** The adapter's name. */
  readonly provider: string;
  /**
   * Watches one execution until a terminal status. Cold: the first request goes out at
   * subscription.
   *
   * @param ref - the execution.
   * @param options - backoff, `maxWaitMs`, `since`, scheduler.
   * @param transform - per-snapshot work with I/O of its own.
   * @returns updates, completing after the terminal one.
   * @throws {@link ConfigError} at once, for a bad reference or option.
   */
  watch(ref: RefIn, options?: WatchOptions, transform?: SnapshotTransform<S>): Observable<ExecutionUpdate<S>>;
  /**
   * Reads an execution's current state once.
   *
   * @param ref - the execution.
   * @param options - `signal`.
   * @returns the snapshot.
   * @throws {@link ConfigError} at once, for a bad reference or option.
   */
  get(ref: RefIn, options?: CallOptions): Promise<S>;
  /**
   * Makes one call to the provider: waits for the budget, sends the request with auth,
   * turns failures into the error tree, validates the body and reads it. Not retried.
   *
   * @param endpoint - what to ask and how to read the answer.
   * @param input - what the call is made with.
   * @param options - `signal`.
   * @returns what `endpoint.read` makes of the body.
   */
  call<In, Out, Body>(endpoint: Endpoint<In, Out, Body>, input: In, options?: CallOptions): Promise<Out>;
  /**
   * Calls `start` at subscription (never before, and never twice), then watches the
   * execution it started. Unsubscribing while the start request is in flight aborts it.
   *
   * @param start - the endpoint that starts an execution and reads its reference.
   * @param input - the start request.
   * @param options - as for `watch`.
   * @param transform - as for `watch`.
   * @returns updates of the new execution.
   * @throws {@link ConfigError} at once, for a bad option.
   */
  runAndWatch<In, Body>(
    start: Endpoint<In, Ref, Body>,
    input: In,
    options?: WatchOptions,
    transform?: SnapshotTransform<S>,
  ): Observable<ExecutionUpdate<S>>;
  /**
   * Watches many executions with one fetch per poll (a list endpoint): an update per
   * execution that changed; completes once every execution seen is terminal.
   *
   * @param id - names the list in errors.
   * @param fetchList - fetches every execution of the list, through `call`.
   * @param options - backoff, `maxWaitMs`, scheduler; no `since`.
   * @returns per-execution updates.
   * @throws {@link ConfigError} at once, for a bad option or a `since`.
   */
  watchList<T extends ExecutionSnapshot>(
    id: string,
    fetchList: (signal: AbortSignal) => Promise<T[]>,
    options?: WatchOptions,
  ): Observable<ExecutionUpdate<T>>;
  /**
   * Fetches a URL of another origin (a presigned output) with no API key and no provider
   * headers; parses JSON when the content type says JSON and returns text otherwise.
   *
   * @param url - an absolute http(s) URL.
   * @param options - `signal`, and the execution to name in errors.
   * @returns the body.
   */
  download(url: string, options?: CallOptions & { executionId?: string }): Promise<unknown>;
}

/**
 * Makes a client from a provider adapter: option checks, transport, request budget, watch,
 * get, runAndWatch and list watches, the same for every provider. The provider factories
 * (`modelslab`, `eachlabs`, `datalab`) are adapters handed to this, plus their extras.
 *
 * @param adapter - what the provider is.
 * @param options - the API key and transport options.
 * @returns the client.
 * @throws {@link ConfigError} at once, for a missing key or a bad option, carrying the provider.
 *
 * @example
 * ```ts
 * import { createClient, type ExecutionSnapshot, type ProviderAdapter } from 'runwatch';
 *
 * declare const acme: ProviderAdapter<string, ExecutionSnapshot>;
 * const client = createClient(acme, { apiKey: process.env.ACME_API_KEY ?? '' });
 * client.watch('job-1').subscribe((update) => console.log(update.snapshot.status));
 * // Logs: completed
 * ```
 */
export function createClient<Ref, S extends ExecutionSnapshot, RefIn = Ref>(
  adapter: ProviderAdapter<Ref, S, RefIn>,
  options: ClientOptions,
): Client<Ref, S, RefIn> {
  return keyFree(options, () => buildClient(adapter, options));
}

/**
 * Makes `make()` and every method of what it returns key-free: whatever they throw, reject or
 * error with is scrubbed of the key ({@link redactError}) on its way out, a `ConfigError` that
 * echoes a key passed in the wrong option included. The client's one exit for errors.
 */
export function keyFree<T extends object>(options: unknown, make: () => T): T {
  const key = typeof options === 'string' ? options : (options as { apiKey?: unknown } | null | undefined)?.apiKey;
  const redact = (error: unknown): unknown => redactError(error, typeof key === 'string' ? [key] : []);
  const run = (fn: () => unknown): unknown => {
    try {
      const result = fn();
      return isObservable(result)
        ? result.pipe(catchError((e: unknown) => throwError(() => redact(e))))
        : result instanceof Promise
          ? result.catch((e: unknown) => Promise.reject(redact(e)))
          : result;
    } catch (error) {
      throw redact(error);
    }
  };
  const made = run(make) as Record<string, unknown>;
  for (const [name, method] of Object.entries(made)) {
    if (typeof method === 'function')
      made[name] = (...args: unknown[]) => run(() => (method as (...a: unknown[]) => unknown)(...args));
  }
  return made as T;
}

/** {@link createClient} without the scrubbing exit: for the provider factories, which add their own. */
export function buildClient<Ref, S extends ExecutionSnapshot, RefIn = Ref>(
  adapter: ProviderAdapter<Ref, S, RefIn>,
  options: ClientOptions,
): Client<Ref, S, RefIn> {
  const provider = adapter.name;
  const o = requireObject('client options', options, provider) as Partial<ClientOptions>;
  checkKeys('client options', o, CLIENT_OPTION_KEYS, provider);
  if (typeof o.apiKey !== 'string' || o.apiKey.trim() === '') {
    // Never echo the value: it may be a key pasted into the wrong field.
    throw new ConfigError(`Expected \`apiKey\` to be a non-empty string (${provider})`, { option: 'apiKey', provider });
  }
  if (
    o.headers !== undefined &&
    Object.getPrototypeOf(requireObject('headers', o.headers, provider)) !== Object.prototype
  )
    fail('headers', 'a plain object of strings', o.headers, provider);
  const backoff = o.backoff;
  layerBackoff(provider, backoff); // checked now, at client creation
  const rateLimit = resolveRateLimit(o.rateLimit, adapter.budget, provider);
  const http = new HttpClient({
    provider,
    baseUrl: o.baseUrl ?? adapter.baseUrl,
    secrets: [o.apiKey],
    // Trimmed as fetch would trim it: a key read from a file with its newline still works.
    authHeaders: adapter.authHeaders(o.apiKey.trim()),
    headers: o.headers,
    fetch: o.fetch,
    requestTimeoutMs: o.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    maxBodyBytes: o.maxBodyBytes,
    readError: (body) => adapter.readError(body),
    isErrorBody: adapter.isErrorBody?.bind(adapter),
    defaultRetryAfterMs: adapter.rateLimitWaitMs,
  });

  const limiters = new Map<string, RateLimiter>();
  const budget = async (scope: string, signal: AbortSignal | undefined): Promise<void> => {
    if (rateLimit === undefined) return;
    let limiter = limiters.get(scope);
    if (limiter === undefined) limiters.set(scope, (limiter = new RateLimiter(rateLimit)));
    await limiter.acquire(signal);
  };

  const call = async <In, Out, Body>(
    endpoint: Endpoint<In, Out, Body>,
    input: In,
    signal?: AbortSignal,
  ): Promise<Out> => {
    const request = endpoint.request(input);
    await budget(request.scope ?? '', signal);
    const response = await http.request({ ...request, signal, emptyOk: endpoint.emptyOk });
    const context = { provider, what: endpoint.what, executionId: request.executionId, status: response.status };
    // `undefined` only for an empty body the endpoint accepts: the transport retries any other.
    if (response.body === undefined) return endpoint.read(undefined as Body, input);
    return endpoint.read(parseWith(endpoint.schema, response.body, context), input);
  };

  const resolveWatch = (watchOptions: unknown): ResolvedWatch => resolveWatchOptions(watchOptions, backoff, provider);

  const watchRef = (
    ref: Ref,
    config: ResolvedWatch,
    transform: SnapshotTransform<S> | undefined,
  ): Observable<ExecutionUpdate<S>> => {
    const id = adapter.status.request(ref).executionId ?? '';
    const apply = transform?.create();
    const fetch =
      apply === undefined
        ? (signal: AbortSignal) => call(adapter.status, ref, signal)
        : async (signal: AbortSignal) => apply(await call(adapter.status, ref, signal), signal);
    return pollLoop(fetch, () => executionTracker(config.since as S | undefined), { ...config, id, provider });
  };

  return {
    provider,
    watch(ref, watchOptions, transform) {
      const parsed = adapter.parseRef(ref);
      return watchRef(parsed, resolveWatch(watchOptions), transform);
    },
    get(ref, callOptions) {
      const parsed = adapter.parseRef(ref);
      return call(adapter.status, parsed, readSignal(callOptions, provider));
    },
    call(endpoint, input, callOptions) {
      return call(endpoint, input, readSignal(callOptions, provider));
    },
    runAndWatch(start, input, watchOptions, transform) {
      const config = resolveWatch(watchOptions);
      return defer(() => {
        const controller = new AbortController();
        return from(call(start, input, controller.signal)).pipe(
          switchMap((ref) => watchRef(ref, config, transform)),
          finalize(() => controller.abort()),
        );
      });
    },
    watchList<T extends ExecutionSnapshot>(
      id: string,
      fetchList: (signal: AbortSignal) => Promise<T[]>,
      watchOptions?: WatchOptions,
    ) {
      const config = resolveWatch(watchOptions);
      if (config.since !== undefined) {
        fail('since', 'absent: a list watch has no execution snapshot to start from', config.since, provider);
      }
      return pollLoop(fetchList, listTracker<T>, { ...config, id, provider });
    },
    download(url, downloadOptions) {
      const d = readOptions('options', downloadOptions, provider);
      checkKeys('options', d, ['signal', 'executionId'], provider);
      const target = parseHttpUrl('outputUrl', url, provider);
      return http.download(target, {
        signal: optionalSignal('signal', d['signal'], provider),
        executionId: d['executionId'] as string | undefined,
      });
    },
  };
}
