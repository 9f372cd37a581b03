import { Observable, type Subscription } from 'rxjs';
import { backoffDelay, clampHint } from './backoff.js';
import { baseline, diff } from './diff.js';
import { ConfigError, ResponseValidationError, TimeoutError } from './errors.js';
import { isRunwatchError } from './error-guards.js';
import type { WatchEvent, WatchEventReason } from './events.js';
import { isTerminal, type ExecutionSnapshot, type ExecutionUpdate } from './model.js';
import { resolveWatchOptions, type ResolvedWatch, type WatchOptions } from './watch-options.js';

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
 * What a poll loop makes of each fetched value: the updates to emit and whether the watch
 * is over. One tracker per subscription, so each subscription has the whole story.
 */
export interface Tracker<T, U> {
  fold(value: T): { updates: U[]; done: boolean };
  /** The update that says nothing changed for `sinceMs` while running, if it applies now. */
  stalled?(sinceMs: number): U | undefined;
}

/** The slow safety-net cadence of a watch that has a wake source, in ms. */
export const WAKE_SAFETY_NET_MS = 60_000;

/**
 * A poll a second or more away is due to the next 10 ms. Node keeps one timer list per
 * distinct duration, and jittered delays are all distinct: 10,000 watches made some 10,000
 * lists, and inserting into them took most of the event loop. Rounded, they share at most a
 * hundred lists per second of delay; 10 ms is nothing next to a delay of a second.
 */
export function roundDelay(delay: number): number {
  return delay >= 1000 ? Math.ceil(delay / 10) * 10 : delay;
}

/**
 * What one poll loop has of its own, besides its fetch and tracker; the resolved options
 * ({@link ResolvedWatch}) come separately, as most watches of a client share one.
 */
export interface LoopIdentity {
  /** Names the watch in a {@link TimeoutError}. */
  id: string;
  provider?: string | undefined;
  /** Told of every request and decision (a client's `events`). */
  onEvent?: ((event: WatchEvent) => void) | undefined;
  /** A delay of its own for the next quiet poll (adaptive cadence), or `undefined` for the policy's. */
  plan?: ((quietPolls: number) => { delayMs: number; reason: WatchEventReason } | undefined) | undefined;
}

/**
 * The engine every watch runs on: the first request at subscription, the next after a delay
 * from the backoff policy (reset to `initialDelayMs` by any update), retryable errors retried
 * silently up to `maxRetries` in a row and never sooner than a server's hint, other errors
 * ending the stream at once. Unsubscribing aborts the request in flight and clears every
 * timer. All time comes from `config.scheduler`.
 */
export function pollLoop<T, U>(
  fetch: (signal: AbortSignal) => Promise<T>,
  tracker: () => Tracker<T, U>,
  config: ResolvedWatch,
  identity: LoopIdentity,
): Observable<U> {
  return new Observable<U>((subscriber) => {
    const { policy, scheduler, maxWaitMs } = config;
    const { id, provider, onEvent, plan } = identity;
    const track = tracker();
    let quietPolls = 0; // polls since the last update
    let failures = 0; // failed requests in a row
    let inFlight: AbortController | undefined;
    let timer: Subscription | undefined;
    let deadline: Subscription | undefined;
    let reason: WatchEventReason = 'policy';
    let startedAt = 0;
    let settled = true; // no request in flight
    let wokenInFlight = false;
    let lastChangeAt = scheduler.now();
    let stallReported = false;
    const { wake, stallAfterMs } = config;
    const event = (
      type: WatchEvent['type'],
      delayMs: number,
      why: WatchEventReason,
      extra?: Partial<WatchEvent>,
    ): void => {
      onEvent?.({
        type,
        provider: provider ?? '',
        executionId: id,
        at: scheduler.now(),
        delayMs,
        reason: why,
        ...extra,
      });
    };

    // A user's `random` or `scheduler` that throws ends the watch with a ConfigError naming it.
    const user = <R>(option: 'random' | 'scheduler', run: () => R): R => {
      try {
        return run();
      } catch (cause) {
        throw new ConfigError(`\`${option}\` threw`, { option, provider, cause });
      }
    };
    const random = (): number => user('random', config.random);
    const later = (work: () => void, delay: number): Subscription =>
      user('scheduler', () => scheduler.schedule(work, delay));

    const poll = (): void => {
      const controller = new AbortController();
      inFlight = controller;
      settled = false;
      if (onEvent) startedAt = scheduler.now();
      let pending: Promise<T>;
      try {
        pending = Promise.resolve(fetch(controller.signal));
      } catch (error) {
        pending = Promise.reject(error);
      }
      pending.then(
        (value) => settle(onValue, value),
        (error: unknown) => settle(onError, error),
      );
    };

    // Nothing thrown while handling an answer escapes as an unhandled rejection: it ends the
    // stream. After unsubscribing, nothing runs at all.
    const settle = <A>(handle: (arg: A) => void, arg: A): void => {
      // A settled request keeps no controller (its signal alone is ~0.8 KB per watch).
      settled = true;
      inFlight = undefined;
      if (subscriber.closed) return;
      try {
        handle(arg);
      } catch (error) {
        subscriber.error(error);
      }
    };

    const onWake = (): void => {
      if (subscriber.closed) return;
      if (!settled) {
        wokenInFlight = true;
        return;
      }
      timer?.unsubscribe();
      reason = 'wake';
      poll();
    };

    const onValue = (value: T): void => {
      if (onEvent) event('poll', 0, reason, { outcome: 'ok', durationMs: scheduler.now() - startedAt });
      failures = 0;
      const { updates, done } = track.fold(value);
      quietPolls = updates.length > 0 && policy.resetOnChange ? 0 : quietPolls + 1;
      const now = scheduler.now();
      if (updates.length > 0) {
        lastChangeAt = now;
        stallReported = false;
      } else if (stallAfterMs !== undefined && !stallReported && now - lastChangeAt >= stallAfterMs) {
        stallReported = true;
        const stalled = track.stalled?.(now - lastChangeAt);
        if (stalled !== undefined) updates.push(stalled);
      }
      for (const update of updates) subscriber.next(update);
      if (done) {
        subscriber.complete();
        return;
      }
      if (wokenInFlight) {
        wokenInFlight = false;
        reason = 'wake';
        schedule(0);
        return;
      }
      const planned = plan?.(quietPolls);
      let delay = planned?.delayMs ?? backoffDelay(quietPolls, policy, random);
      let why: WatchEventReason = planned?.reason ?? 'policy';
      if (wake !== undefined && delay < WAKE_SAFETY_NET_MS) delay = WAKE_SAFETY_NET_MS;
      if (stallAfterMs !== undefined && !stallReported) {
        const due = Math.max(0, lastChangeAt + stallAfterMs - now);
        if (due < delay) [delay, why] = [due, 'stall'];
      }
      next(delay, why);
    };

    const onError = (error: unknown): void => {
      failures += 1;
      const known = isRunwatchError(error) ? error : undefined;
      const failed = { status: known?.status, error: known?.name ?? 'Error' };
      if (onEvent) event('poll', 0, reason, { outcome: 'error', durationMs: scheduler.now() - startedAt, ...failed });
      if (!known?.retryable || failures > policy.maxRetries) {
        subscriber.error(error);
        return;
      }
      const backoff = backoffDelay(failures, policy, random);
      const hint = clampHint(known.retryAfterMs);
      reason = hint > backoff ? 'hint' : 'policy';
      const delay = Math.max(backoff, hint);
      if (onEvent) event('retry', delay, reason, { attempt: failures, maxRetries: policy.maxRetries, ...failed });
      schedule(delay);
    };

    const next = (delay: number, why: WatchEventReason): void => {
      reason = why;
      if (onEvent) event('wait', delay, reason);
      schedule(delay);
    };

    const schedule = (delay: number): void => {
      if (!subscriber.closed) timer = later(poll, roundDelay(delay));
    };

    if (maxWaitMs !== undefined) {
      deadline = later(() => {
        subscriber.error(watchTimeout(id, provider, maxWaitMs));
      }, maxWaitMs);
    }
    const woken = wake?.subscribe(onWake);
    poll();

    return () => {
      if (!settled) inFlight?.abort();
      inFlight = undefined;
      woken?.unsubscribe();
      timer?.unsubscribe();
      deadline?.unsubscribe();
    };
  });
}

/** The error of a watch that saw no terminal status within `maxWaitMs`. */
export function watchTimeout(id: string, provider: string | undefined, maxWaitMs: number): TimeoutError {
  return new TimeoutError(`Execution ${id} did not reach a terminal status within ${maxWaitMs} ms`, {
    phase: 'watch',
    executionId: id,
    provider,
  });
}

/**
 * Checks what a source returned before the engine reads it: anything that is not an
 * {@link ExecutionSnapshot} (no `steps` array, a step without a key or status) is a
 * {@link ResponseValidationError} naming the field, never a TypeError inside the engine.
 */
export function checkSnapshot(value: unknown): void {
  const s = value as Partial<ExecutionSnapshot> | null | undefined;
  const bad =
    typeof s?.status !== 'string'
      ? 'status'
      : Array.isArray(s.steps) &&
          s.steps.every((step) => typeof step?.key === 'string' && typeof step.status === 'string')
        ? undefined
        : 'steps';
  if (bad !== undefined) {
    throw new ResponseValidationError(`The source returned no ExecutionSnapshot (at ${bad})`, {
      issues: [{ path: [bad], message: 'expected an ExecutionSnapshot', code: 'invalid_type' }],
    });
  }
}

/**
 * Diffs each snapshot against the last one (or `since`): one update per poll that changed
 * something. The baseline keeps what a body left out ({@link baseline}), so a step that
 * vanishes from one body is neither announced twice nor loses a transition.
 */
export function executionTracker<S extends ExecutionSnapshot>(since: S | undefined): Tracker<S, ExecutionUpdate<S>> {
  let previous = since;
  return {
    fold(snapshot) {
      checkSnapshot(snapshot);
      const changes = diff(previous, snapshot);
      const before = previous;
      previous = baseline(previous, snapshot);
      return {
        updates: changes.length > 0 ? [{ snapshot, previous: before, changes }] : [],
        done: isTerminal(snapshot.status),
      };
    },
    stalled(sinceMs) {
      const last = previous;
      if (last === undefined || last.status !== 'running') return undefined;
      return { snapshot: last, previous: last, changes: [{ type: 'stalled', executionId: last.executionId, sinceMs }] };
    },
  };
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
  checkSource(source, 'fetchSnapshot');
  const config = resolveWatchOptions(options);
  return pollLoop(
    (signal) => source.fetchSnapshot(signal),
    () => executionTracker(config.since as S | undefined),
    config,
    { id: source.id },
  );
}

/** Throws a {@link ConfigError} unless `source` has the method a watch calls. */
export function checkSource(source: unknown, method: string): void {
  if (typeof (source as Record<string, unknown> | null | undefined)?.[method] !== 'function') {
    throw new ConfigError(`Expected \`source.${method}\` to be a function`, { option: 'source' });
  }
}
