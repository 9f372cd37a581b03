import { Observable, asyncScheduler, type SchedulerLike, type Subscription } from 'rxjs';
import { MAX_TIMER_MS, backoffDelay, clampHint, resolveBackoff, type BackoffOptions, type BackoffPolicy } from './backoff.js';
import { diff } from './diff.js';
import { ConfigError, TimeoutError, isRunwatchError } from './errors.js';
import { assertPositive, describe } from './options.js';
import { isTerminal, type ExecutionSnapshot, type ExecutionUpdate } from './model.js';

/**
 * Anything that can fetch the current state of one execution: a provider client builds one,
 * and so can a user for a provider runwatch does not know.
 *
 * @typeParam S - the snapshot type it produces.
 *
 * @example
 * ```ts
 * import type { SnapshotSource } from 'runwatch';
 *
 * const source: SnapshotSource = {
 *   id: 'job-1',
 *   async fetchSnapshot(signal) {
 *     const body = await (await fetch('https://example.test/jobs/1', { signal })).json();
 *     return { provider: 'mine', executionId: 'job-1', status: body.done ? 'completed' : 'running', rawStatus: String(body.state), steps: [], raw: body };
 *   },
 * };
 * console.log(source.id);
 * // Logs: job-1
 * ```
 */
export interface SnapshotSource<S extends ExecutionSnapshot = ExecutionSnapshot> {
  /** The execution's id, for error messages. */
  id: string;
  /**
   * Fetches the current state. Throw a {@link RunwatchError} with `retryable: true` (or a
   * `NetworkError`) for failures worth retrying; anything else ends the watch. The signal
   * aborts when the subscriber unsubscribes.
   */
  fetchSnapshot(signal: AbortSignal): Promise<S>;
}

/**
 * How one watch behaves.
 *
 * @example
 * ```ts
 * import type { WatchOptions } from 'runwatch';
 *
 * const options: WatchOptions = { maxWaitMs: 10 * 60_000, backoff: { maxDelayMs: 5_000 } };
 * console.log(options.maxWaitMs);
 * // Logs: 600000
 * ```
 */
export interface WatchOptions {
  /** Overrides the client's backoff, field by field. */
  backoff?: BackoffOptions;
  /**
   * Error with a {@link TimeoutError} (`phase: 'watch'`) if no terminal status is seen within
   * this many ms of subscribing.
   * @defaultValue no limit
   */
  maxWaitMs?: number;
  /**
   * A snapshot handled earlier (say, persisted before a restart): changes are relative to it,
   * so nothing already handled is emitted again.
   */
  since?: ExecutionSnapshot;
  /**
   * Where time comes from: every delay and `now()`. Pass a `TestScheduler` or
   * `VirtualTimeScheduler` to run a watch in virtual time.
   * @defaultValue `asyncScheduler`
   */
  scheduler?: SchedulerLike;
  /**
   * The source of randomness for jitter, numbers in [0, 1).
   * @defaultValue `Math.random`
   */
  random?: () => number;
}

/**
 * Watches one execution: polls `source` with backoff until a terminal status, emitting an
 * {@link ExecutionUpdate} for every poll that changed something.
 *
 * Cold: nothing is requested until subscription, and every subscription runs its own poll.
 * The first request goes out at once; the next after a delay from the backoff policy, reset
 * to `initialDelayMs` by any change. Retryable errors (network, timeouts, 408, 429, 5xx,
 * a body that is not JSON) are retried silently, up to `maxRetries` in a row, never sooner
 * than a server's hint; the next good poll is compared with the last good snapshot, so no
 * change is lost. Other errors end the stream at once. Unsubscribing aborts the request in
 * flight and clears every timer. Statuses it does not know are `'unknown'`, never terminal.
 *
 * @param source - fetches the execution's snapshot.
 * @param options - backoff, `maxWaitMs`, `since`, scheduler.
 * @returns a cold observable that emits updates and completes after the terminal one.
 * @throws {@link ConfigError} at once, when an option is invalid.
 *
 * @example
 * ```ts
 * import { watchExecution, type ExecutionSnapshot } from 'runwatch';
 *
 * let polls = 0;
 * const updates = watchExecution({
 *   id: 'job-1',
 *   fetchSnapshot: async (): Promise<ExecutionSnapshot> => {
 *     const status = ++polls < 3 ? 'running' : 'completed';
 *     return { provider: 'mine', executionId: 'job-1', status, rawStatus: status, steps: [], raw: null };
 *   },
 * }, { backoff: { initialDelayMs: 10 } });
 * updates.subscribe((u) => console.log(u.snapshot.status));
 * // Logs: running
 * // Logs: completed
 * ```
 */
export function watchExecution<S extends ExecutionSnapshot>(
  source: SnapshotSource<S>,
  options: WatchOptions = {},
): Observable<ExecutionUpdate<S>> {
  const config = resolveWatchOptions(source, options);
  return new Observable<ExecutionUpdate<S>>((subscriber) => {
    const { policy, scheduler, random, maxWaitMs } = config;
    let previous = options.since as S | undefined;
    let quietPolls = 0; // polls since the last change
    let failures = 0; // failed requests in a row
    let inFlight: AbortController | undefined; // the latest request's; aborting a settled one is a no-op
    let timer: Subscription | undefined;
    let deadline: Subscription | undefined;

    const poll = (): void => {
      const controller = new AbortController();
      inFlight = controller;
      let pending: Promise<S>;
      try {
        pending = Promise.resolve(source.fetchSnapshot(controller.signal));
      } catch (error) {
        pending = Promise.reject(error);
      }
      pending.then(
        (snapshot) => subscriber.closed || onSnapshot(snapshot),
        (error: unknown) => subscriber.closed || onError(error),
      );
    };

    const onSnapshot = (snapshot: S): void => {
      failures = 0;
      const changes = diff(previous, snapshot);
      const before = previous;
      previous = snapshot;
      quietPolls = changes.length > 0 && policy.resetOnChange ? 0 : quietPolls + 1;
      if (changes.length > 0) subscriber.next({ snapshot, previous: before, changes });
      if (isTerminal(snapshot.status)) {
        subscriber.complete();
        return;
      }
      next(backoffDelay(quietPolls, policy, random));
    };

    const onError = (error: unknown): void => {
      failures += 1;
      if (!isRetryable(error) || failures > policy.maxRetries) {
        subscriber.error(error);
        return;
      }
      const hint = isRunwatchError(error) ? error.retryAfterMs : undefined;
      next(Math.max(backoffDelay(failures, policy, random), clampHint(hint)));
    };

    const next = (delay: number): void => {
      if (!subscriber.closed) timer = scheduler.schedule(poll, delay);
    };

    if (maxWaitMs !== undefined) {
      deadline = scheduler.schedule(() => {
        subscriber.error(
          new TimeoutError(`Execution ${source.id} did not reach a terminal status within ${maxWaitMs} ms`, {
            phase: 'watch',
            executionId: source.id,
            provider: previous?.provider,
          }),
        );
      }, maxWaitMs);
    }
    poll();

    return () => {
      inFlight?.abort();
      timer?.unsubscribe();
      deadline?.unsubscribe();
    };
  });
}

interface ResolvedWatch {
  policy: BackoffPolicy;
  scheduler: SchedulerLike;
  random: () => number;
  maxWaitMs: number | undefined;
}

/**
 * Validates watch options up front, so a mistake throws where the watch is created rather
 * than surfacing later as a stream error.
 */
export function resolveWatchOptions(source: { id: string; fetchSnapshot?: unknown }, options: WatchOptions): ResolvedWatch {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError(`Expected watch options to be an object, got ${describe(options)}`, { option: 'options' });
  }
  if (typeof source?.fetchSnapshot !== 'function') {
    throw new ConfigError('Expected `source.fetchSnapshot` to be a function', { option: 'source' });
  }
  if (options.maxWaitMs !== undefined) assertPositive('maxWaitMs', options.maxWaitMs, MAX_TIMER_MS);
  if (options.since !== undefined && (typeof options.since !== 'object' || !Array.isArray(options.since?.steps))) {
    throw new ConfigError(`Expected \`since\` to be an ExecutionSnapshot, got ${describe(options.since)}`, {
      option: 'since',
    });
  }
  return {
    policy: resolveBackoff(options.backoff),
    scheduler: options.scheduler ?? asyncScheduler,
    random: options.random ?? Math.random,
    maxWaitMs: options.maxWaitMs,
  };
}

function isRetryable(error: unknown): boolean {
  return isRunwatchError(error) && error.retryable;
}
