// The engine every watch runs on. One object per subscription holds the whole state of a
// loop: with 10,000 watches in a process, the closures a loop of closures kept (some twenty
// per watch, each with its context) were a third of a watch's heap.
import { Observable, type SchedulerAction, type Subscription, type Unsubscribable } from 'rxjs';
import { MAX_TIMER_MS, backoffDelay, clampHint } from './backoff.js';
import { ConfigError, TimeoutError } from './errors.js';
import { isRunwatchError } from './error-guards.js';
import type { WatchEvent, WatchEventReason } from './events.js';
import type { ResolvedWatch } from './watch-options.js';

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
  // Never past the longest timer: one over 2^31 - 1 ms fires at once, a poll a millisecond.
  return delay >= 1000 ? Math.min(Math.ceil(delay / 10) * 10, MAX_TIMER_MS) : delay;
}

/**
 * What one poll loop has of its own besides its tracker: what it fetches, its name, who hears
 * of it. The resolved options ({@link ResolvedWatch}) come separately, as most watches of a
 * client share one. A client's watch is one object that is all of this (and its place in the
 * budget), so a watch holds no closures for it.
 */
export interface LoopSource<T> {
  /** Fetches the next value; the signal aborts when the loop is unsubscribed. */
  fetch(signal: AbortSignal): Promise<T>;
  /** Names the watch in a {@link TimeoutError}. */
  id: string;
  provider?: string | undefined;
  /** Told of every request and decision (a client's `events`). */
  onEvent?: ((event: WatchEvent) => void) | undefined;
  /**
   * `false` while the request of the poll in flight has not left yet (a client's waits for its
   * budget first): a wake then needs no poll after it, as its answer will be fresh enough.
   * Absent: a request leaves as soon as `fetch` is called.
   */
  readonly sent?: boolean;
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
  source: LoopSource<T>,
  tracker: () => Tracker<T, U>,
  config: ResolvedWatch,
): Observable<U> {
  return new Observable<U>((subscriber) => runLoop(source, tracker(), config, subscriber));
}

/** Where a loop's updates go: a subscriber, or (with no subscriber between) a hub's shared poll. */
export interface Sink<U> {
  next(value: U): void;
  error(error: unknown): void;
  complete(): void;
}

/**
 * Runs the loop {@link pollLoop} makes straight into `sink`, until it ends or is unsubscribed:
 * for a hub, which would otherwise hold a subscriber, its observer and its finalizers for
 * every execution.
 */
export function runLoop<T, U>(
  source: LoopSource<T>,
  tracker: Tracker<T, U>,
  config: ResolvedWatch,
  sink: Sink<U>,
): Unsubscribable {
  return new Loop(source, tracker, config, sink).start();
}

/** The error of a watch that saw no terminal status within `maxWaitMs`. */
export function watchTimeout(id: string, provider: string | undefined, maxWaitMs: number): TimeoutError {
  return new TimeoutError(`Execution ${id} did not reach a terminal status within ${maxWaitMs} ms`, {
    phase: 'watch',
    executionId: id,
    provider,
  });
}

// Scheduled work takes its loop as the action's state: no closure per watch.
function pollNow<T, U>(this: SchedulerAction<Loop<T, U>>, loop?: Loop<T, U>): void {
  loop?.poll();
}
function timeOut<T, U>(this: SchedulerAction<Loop<T, U>>, loop?: Loop<T, U>): void {
  loop?.timeOut();
}

/** One subscription's loop; it is its own teardown. */
class Loop<T, U> implements Unsubscribable {
  private quietPolls = 0; // polls since the last update
  private failures = 0; // failed requests in a row
  private inFlight: AbortController | undefined; // only while a request is in flight
  private timer: Subscription | undefined;
  private deadline: Subscription | undefined;
  private woken: Subscription | undefined;
  private reason: WatchEventReason = 'policy';
  private startedAt = 0;
  private wokenInFlight = false;
  private lastChangeAt: number;
  private stallReported = false;
  /** Unsubscribed, or ended: nothing runs any more. */
  private closed = false;

  constructor(
    private readonly source: LoopSource<T>,
    private readonly track: Tracker<T, U>,
    private readonly config: ResolvedWatch,
    private readonly sink: Sink<U>,
  ) {
    this.lastChangeAt = config.scheduler.now();
  }

  start(): this {
    const { maxWaitMs, wake } = this.config;
    if (maxWaitMs !== undefined) this.deadline = this.later(timeOut, maxWaitMs);
    // A wake the source emits as it is subscribed to (a BehaviorSubject) finds `woken` unset:
    // the first poll, made right after, answers it.
    if (wake !== undefined) this.woken = wake.subscribe(() => this.onWake());
    this.poll();
    return this;
  }

  unsubscribe(): void {
    this.closed = true;
    this.inFlight?.abort();
    this.inFlight = undefined;
    this.woken?.unsubscribe();
    this.timer?.unsubscribe();
    this.deadline?.unsubscribe();
  }

  poll(): void {
    if (this.closed) return;
    const controller = new AbortController();
    this.inFlight = controller;
    if (this.source.onEvent) this.startedAt = this.config.scheduler.now();
    let pending: Promise<T>;
    try {
      pending = Promise.resolve(this.source.fetch(controller.signal));
    } catch (error) {
      pending = Promise.reject(error);
    }
    pending.then(
      (value) => this.settle(true, value),
      (error: unknown) => this.settle(false, error),
    );
  }

  timeOut(): void {
    const { id, provider } = this.source;
    this.fail(watchTimeout(id, provider, this.config.maxWaitMs!));
  }

  // Nothing thrown while handling an answer escapes as an unhandled rejection: it ends the
  // stream. After unsubscribing, nothing runs at all. A settled request keeps no controller
  // (its signal alone is ~0.8 KB per watch).
  private settle(ok: boolean, answer: unknown): void {
    this.inFlight = undefined;
    if (this.closed) return;
    try {
      if (ok) this.onValue(answer as T);
      else this.onError(answer);
    } catch (error) {
      this.fail(error);
    }
  }

  /** Ends the loop with `error`: its timers and wake hints let go first. */
  private fail(error: unknown): void {
    if (this.closed) return;
    this.unsubscribe();
    this.sink.error(error);
  }

  private onWake(): void {
    if (this.closed || this.woken === undefined) return;
    if (this.inFlight !== undefined) {
      // Polls again once the answer is in, unless the request has not left: then its answer is news enough.
      if (this.source.sent !== false) this.wokenInFlight = true;
      return;
    }
    this.timer?.unsubscribe();
    this.reason = 'wake';
    this.poll();
  }

  private onValue(value: T): void {
    const { policy, scheduler, stallAfterMs, wake } = this.config;
    if (this.source.onEvent)
      this.event('poll', 0, this.reason, { outcome: 'ok', durationMs: scheduler.now() - this.startedAt });
    this.failures = 0;
    const { updates, done } = this.track.fold(value);
    this.quietPolls = updates.length > 0 && policy.resetOnChange ? 0 : this.quietPolls + 1;
    const now = scheduler.now();
    if (updates.length > 0) {
      this.lastChangeAt = now;
      this.stallReported = false;
    } else if (stallAfterMs !== undefined && !this.stallReported && now - this.lastChangeAt >= stallAfterMs) {
      this.stallReported = true;
      const stalled = this.track.stalled?.(now - this.lastChangeAt);
      if (stalled !== undefined) updates.push(stalled);
    }
    for (const update of updates) {
      if (this.closed) return; // unsubscribed by whoever took the last update
      this.sink.next(update);
    }
    if (this.closed) return;
    if (done) {
      this.unsubscribe();
      this.sink.complete();
      return;
    }
    // Woken while the updates went out (a subscriber asked for a poll): that poll is in flight,
    // and its answer schedules the next.
    if (this.inFlight !== undefined) return;
    if (this.wokenInFlight) {
      this.wokenInFlight = false;
      this.reason = 'wake';
      this.schedule(0);
      return;
    }
    const planned = this.source.plan?.(this.quietPolls);
    let delay = planned?.delayMs ?? backoffDelay(this.quietPolls, policy, () => this.random());
    let why: WatchEventReason = planned?.reason ?? 'policy';
    if (wake !== undefined && delay < WAKE_SAFETY_NET_MS) [delay, why] = [WAKE_SAFETY_NET_MS, 'wake'];
    if (stallAfterMs !== undefined && !this.stallReported) {
      const due = Math.max(0, this.lastChangeAt + stallAfterMs - now);
      if (due < delay) [delay, why] = [due, 'stall'];
    }
    this.reason = why;
    if (this.source.onEvent) this.event('wait', delay, why);
    this.schedule(delay);
  }

  private onError(error: unknown): void {
    const { policy, scheduler } = this.config;
    this.failures += 1;
    const known = isRunwatchError(error) ? error : undefined;
    const failed = { status: known?.status, error: known?.name ?? 'Error' };
    if (this.source.onEvent)
      this.event('poll', 0, this.reason, { outcome: 'error', durationMs: scheduler.now() - this.startedAt, ...failed });
    if (!known?.retryable || this.failures > policy.maxRetries) {
      this.fail(error);
      return;
    }
    const backoff = backoffDelay(this.failures, policy, () => this.random());
    const hint = clampHint(known.retryAfterMs);
    this.reason = hint > backoff ? 'hint' : 'policy';
    const delay = Math.max(backoff, hint);
    if (this.source.onEvent)
      this.event('retry', delay, this.reason, { attempt: this.failures, maxRetries: policy.maxRetries, ...failed });
    this.schedule(delay);
  }

  private schedule(delay: number): void {
    // No timer is pending here: a poll starts when its timer fires, or after onWake cancelled
    // it, and this follows that poll's answer (onValue returns early if a wake polled meanwhile).
    if (!this.closed) this.timer = this.later(pollNow, roundDelay(delay));
  }

  private event(type: WatchEvent['type'], delayMs: number, why: WatchEventReason, extra?: Partial<WatchEvent>): void {
    const { provider, id, onEvent } = this.source;
    onEvent?.({
      type,
      provider: provider ?? '',
      executionId: id,
      at: this.config.scheduler.now(),
      delayMs,
      reason: why,
      ...extra,
    });
  }

  // A user's `random` or `scheduler` that throws ends the watch with a ConfigError naming it.
  private user<R>(option: 'random' | 'scheduler', run: () => R): R {
    try {
      return run();
    } catch (cause) {
      throw new ConfigError(`\`${option}\` threw`, { option, provider: this.source.provider, cause });
    }
  }

  private random(): number {
    return this.user('random', this.config.random);
  }

  private later(work: (this: SchedulerAction<this>, loop?: this) => void, delay: number): Subscription {
    return this.user('scheduler', () => this.config.scheduler.schedule(work, delay, this));
  }
}
