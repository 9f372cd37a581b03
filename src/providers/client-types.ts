import type { LearnedDurations, LearnedDurationsJSON } from '../core/learned.js';
import type { Observable, SchedulerLike } from 'rxjs';
import type { BackoffOptions } from '../core/backoff.js';
import type { RateLimitOptions } from '../core/budget.js';
import type { WatchEvent } from '../core/events.js';
import type { ExecutionSnapshot, ExecutionUpdate } from '../core/model.js';
import type { WatchOptions } from '../core/watch-options.js';
import type { Endpoint } from './adapter.js';

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
  /** Extra headers for every request to the provider (not to presigned output URLs); the key's own header is the client's. */
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
  /**
   * Where the client's time comes from: its budget and every watch that brings no scheduler
   * of its own. Pass a `VirtualTimeScheduler` to run a whole client in virtual time.
   * @defaultValue `asyncScheduler`
   */
  scheduler?: SchedulerLike;
  /**
   * What an earlier client learned of step durations (`client.learned.toJSON()`, or its JSON
   * text), so a new process polls well from its first watch.
   */
  learned?: LearnedDurationsJSON | string;
  /**
   * Whether watches may use learned step durations to choose when to poll (`false`: the
   * backoff policy alone; a watch's `adaptive` can turn it off for itself).
   * @defaultValue true
   */
  adaptive?: boolean;
}

/** The keys of {@link ClientOptions}: anything else is a typo and refused. */
export const CLIENT_OPTION_KEYS: readonly string[] = [
  'apiKey',
  'baseUrl',
  'fetch',
  'headers',
  'backoff',
  'requestTimeoutMs',
  'maxBodyBytes',
  'rateLimit',
  'scheduler',
  'learned',
  'adaptive',
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
 * The options of a `runAndWatch`: a watch's, and `onStart`, told the new execution's
 * reference as soon as the start request answers, before the first poll (persist it to
 * resume the watch after a restart).
 *
 * @typeParam Ref - the provider's execution reference.
 *
 * @example
 * ```ts
 * import type { StartOptions } from 'runwatch';
 *
 * const options: StartOptions<string> = { onStart: (executionId) => console.log('started', executionId) };
 * options.onStart?.('exec-1');
 * // Logs: started exec-1
 * ```
 */
export interface StartOptions<Ref> extends WatchOptions {
  /** Called once with the new execution's reference, before it is polled. */
  onStart?: (ref: Ref) => void;
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
   * One event per request and per decision of every watch of this client: why a watch
   * polled, retried or waited. Hot; costs nothing while nobody subscribes.
   */
  readonly events: Observable<WatchEvent>;
  /**
   * What this client learned of step durations from the providers' own timestamps (bounded
   * memory); `learned.toJSON()` persists it for `ClientOptions.learned`.
   */
  readonly learned: LearnedDurations;
  /**
   * Watches one execution until a terminal status. Cold: the first request goes out at
   * subscription. Subscriptions of one client to one execution share one poll; one that
   * arrives late first gets the current state (relative to its `since`; when the shared
   * poll's last snapshot is older than that `since`, it gets what is new from the next poll
   * instead), and the last one to leave stops the poll. A watch with its own `scheduler` or
   * `random` runs apart; watches that differ in what shapes the cadence (`backoff`,
   * `adaptive`, `stallAfterMs`, a `wake` source) share one poll per cadence.
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
    options?: StartOptions<Ref>,
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
