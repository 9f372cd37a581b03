import {
  defer,
  finalize,
  from,
  isObservable,
  Observable,
  Subject,
  switchMap,
  tap,
  type Observer,
  type SchedulerLike,
  type Subscriber,
} from 'rxjs';
import { clampHint, layerBackoff } from '../core/backoff.js';
import { RateLimiter, resolveRateLimit, schedulerClock, systemClock, type Clock } from '../core/budget.js';
import { ConfigError } from '../core/errors.js';
import { isRunwatchError } from '../core/error-guards.js';
import type { WatchEvent } from '../core/events.js';
import { Hub } from '../core/hub.js';
import { LearnedDurations } from '../core/learned.js';
import { listTracker } from '../core/list.js';
import type { ExecutionSnapshot, ExecutionUpdate } from '../core/model.js';
import { checkKeys, fail, optionalSignal, readOptions, readSignal, requireObject } from '../core/options.js';
import { runLoop } from '../core/loop.js';
import { executionTracker, pollLoop } from '../core/poll.js';
import { resolveWatchOptions, type ResolvedWatch, type WatchOptions } from '../core/watch-options.js';
import { parseHttpUrl } from '../transport/checks.js';
import { DEFAULT_REQUEST_TIMEOUT_MS, HttpClient } from '../transport/http.js';
import { redactError } from '../transport/redact.js';
import type { Endpoint, ProviderAdapter } from './adapter.js';
import { ClientPoll, type PollHost, type PollTurn } from './client-poll.js';
import { parseWith } from './parse.js';
import {
  CLIENT_OPTION_KEYS,
  type Client,
  type ClientOptions,
  type SnapshotTransform,
  type StartOptions,
} from './client-types.js';

export type { CallOptions, Client, ClientOptions, SnapshotTransform, StartOptions } from './client-types.js';

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
 * Streams that scrub their own errors already (a client's shared watches: its hub redacts
 * every error a viewer gets), which {@link keyFree} passes on as they are: a layer of its own
 * would cost each of them a subscriber, an observer and a finalizers array, some 330 B a watch.
 */
const scrubbedStreams = new WeakSet<object>();

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
        ? scrubbedStreams.has(result)
          ? result
          : new Observable((subscriber) => result.subscribe(new Scrubbing(subscriber, redact)))
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

/** Passes a stream on, its error scrubbed: an object, lighter per watch than `catchError`'s closures. */
class Scrubbing<T> implements Observer<T> {
  constructor(
    private readonly to: Subscriber<T>,
    private readonly redact: (error: unknown) => unknown,
  ) {}

  next(value: T): void {
    this.to.next(value);
  }

  error(error: unknown): void {
    this.to.error(this.redact(error));
  }

  complete(): void {
    this.to.complete();
  }
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

  const scheduler = o.scheduler;
  if (scheduler !== undefined && typeof (scheduler as Partial<SchedulerLike> | null)?.schedule !== 'function') {
    fail('scheduler', 'a SchedulerLike', scheduler, provider);
  }
  const clock: Clock = scheduler === undefined ? systemClock : schedulerClock(scheduler);
  const events = new Subject<WatchEvent>();
  const onEvent = (event: WatchEvent): void => {
    if (events.observed) events.next(event);
  };
  // Every error a shared watch's viewer gets is scrubbed of the key here: see scrubbedStreams.
  const hub = new Hub((error) => redactError(error, [o.apiKey as string]));
  const learned = o.learned === undefined ? new LearnedDurations() : LearnedDurations.fromJSON(o.learned);
  if (o.adaptive !== undefined && typeof o.adaptive !== 'boolean') fail('adaptive', 'a boolean', o.adaptive, provider);
  const adaptive = o.adaptive ?? true;
  // One budget per scope (ModelsLab's is a workflow). A long-lived client meets ever more
  // scopes: when the map has doubled, the idle ones (no different from new) are let go.
  const scopes = new Map<string, RateLimiter>();
  let sweepAt = 64;
  const scopeOf = (scope: string): RateLimiter => {
    let limiter = scopes.get(scope);
    if (limiter === undefined) {
      if (scopes.size >= sweepAt) {
        for (const [name, scoped] of scopes) if (scoped.isIdle()) scopes.delete(name);
        sweepAt = Math.max(64, 2 * scopes.size);
      }
      scopes.set(scope, (limiter = new RateLimiter(rateLimit, clock)));
    }
    return limiter;
  };

  const call = async <In, Out, Body>(
    endpoint: Endpoint<In, Out, Body>,
    input: In,
    signal?: AbortSignal,
    turn?: PollTurn,
  ): Promise<Out> => {
    const request = endpoint.request(input);
    const limiter = scopeOf(request.scope ?? '');
    const release = await limiter.acquire(signal, turn);
    if (turn !== undefined) turn.sent = true;
    let response;
    try {
      response = await http.request(request, signal, endpoint.emptyOk);
    } catch (error) {
      // A 429's wait (or any Retry-After) holds back the whole scope, not just this watch.
      if (isRunwatchError(error)) limiter.pause(clampHint(error.retryAfterMs));
      throw error;
    } finally {
      release();
    }
    const context = { provider, what: endpoint.what, executionId: request.executionId, status: response.status };
    // `undefined` only for an empty body the endpoint accepts: the transport retries any other.
    if (response.body === undefined) return endpoint.read(undefined as Body, input);
    return endpoint.read(parseWith(endpoint.schema, response.body, context, true), input);
  };

  const host: PollHost<Ref, S> = {
    provider,
    clock,
    learned,
    adaptive,
    onEvent,
    status: (ref, signal, turn) => call(adapter.status, ref, signal, turn),
  };

  // Most watches pass no options: they share one resolved config (and one frozen policy)
  // instead of holding two objects, and the hidden classes V8 made for them, each.
  let plain: ResolvedWatch | undefined;
  const resolveWatch = (watchOptions: unknown): ResolvedWatch =>
    watchOptions === undefined
      ? (plain ??= resolveWatchOptions(undefined, backoff, provider, scheduler))
      : resolveWatchOptions(watchOptions, backoff, provider, scheduler);

  const watchRef = (
    ref: Ref,
    config: ResolvedWatch,
    transform: SnapshotTransform<S> | undefined,
  ): Observable<ExecutionUpdate<S>> => {
    const request = adapter.status.request(ref);
    const id = request.executionId ?? '';
    const since = config.since;
    if (since !== undefined && (since.executionId !== id || since.provider !== provider)) {
      throw new ConfigError(
        `Expected \`since\` to be a snapshot of ${provider} execution ${id}, got one of ${String(since.provider)} execution ${String(since.executionId)}`,
        { option: 'since', provider },
      );
    }
    const source = (loop: ResolvedWatch) => new ClientPoll(host, ref, id, loop, transform?.create());
    if (config.apart) return pollLoop(source(config), () => executionTracker(config.since as S | undefined), config);
    // Watches share a poll when they agree on the request and on the group: what shapes the poll.
    const group = [
      transform?.key ?? '',
      JSON.stringify(config.policy),
      config.wake === undefined ? '' : 'wake',
      config.stallAfterMs ?? '',
      config.adaptive,
    ].join('|');
    const shared = hub.watch(
      group,
      JSON.stringify([request.path, request.query]),
      // The shared poll has no `since`, no time limit and the merged wakes: the viewers bring
      // theirs. Most watches have none of the three, and share their config as it is.
      (wakes, sink) => {
        const loop =
          config.since === undefined && config.maxWaitMs === undefined && config.wake === undefined
            ? config
            : { ...config, since: undefined, maxWaitMs: undefined, wake: config.wake && wakes() };
        return runLoop(source(loop), executionTracker<S>(undefined), loop, sink);
      },
      {
        since: since as S | undefined,
        maxWaitMs: config.maxWaitMs,
        scheduler: config.scheduler,
        id,
        provider,
        wake: config.wake,
      },
    );
    scrubbedStreams.add(shared);
    return shared;
  };

  return {
    provider,
    events: events.asObservable(),
    learned,
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
      const { onStart, ...rest } = readOptions('watch options', watchOptions, provider) as StartOptions<Ref>;
      if (onStart !== undefined && typeof onStart !== 'function') fail('onStart', 'a function', onStart, provider);
      const config = resolveWatch(rest);
      if (config.since !== undefined) {
        fail(
          'since',
          'absent: runAndWatch starts a new execution, which no snapshot is of yet',
          config.since,
          provider,
        );
      }
      return defer(() => {
        const controller = new AbortController();
        return from(call(start, input, controller.signal)).pipe(
          tap((ref) => onStart?.(ref)),
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
      return pollLoop({ id, provider, onEvent, fetch: fetchList }, listTracker<T>, config);
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
