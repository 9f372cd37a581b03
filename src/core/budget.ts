import type { SchedulerLike, Subscription } from 'rxjs';
import { assertPositive, assertPositiveInteger, checkKeys, fail } from './options.js';
import { MAX_TIMER_MS } from './backoff.js';

/**
 * A request budget: at most `requests` requests in any window of `intervalMs`.
 *
 * @example
 * ```ts
 * import type { RateLimitOptions } from 'runwatch';
 *
 * const perMinute: RateLimitOptions = { requests: 10, intervalMs: 60_000 };
 * console.log(perMinute.requests);
 * // Logs: 10
 * ```
 */
export interface RateLimitOptions {
  /** How many requests a window may hold. */
  requests: number;
  /** The window's length, in ms. */
  intervalMs: number;
}

/** What the limiter needs of a clock; injectable for tests (a client's `scheduler` makes one). */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/** A clock on an RxJS scheduler: virtual time for a whole client. */
export function schedulerClock(scheduler: SchedulerLike): Clock {
  return {
    now: () => scheduler.now(),
    setTimeout: (fn, ms) => scheduler.schedule(fn, ms),
    clearTimeout: (handle) => (handle as Subscription).unsubscribe(),
  };
}

/** Hands back a slot: the request it was taken for has ended (or failed). */
export type Release = () => void;

/** Who asks for budget: where it stands in line, and whom to tell when it must wait. */
export interface BudgetTurn {
  /** Lower goes first when several wait (a watch: when it last polled). Default 0. */
  priority?: number;
  /** Told once, when the request must wait, why and for how long at least. */
  onWait?(wait: BudgetWait): void;
}

/** Why a request waited for its slot, and how long it will wait at least. */
export interface BudgetWait {
  /** `budget`: the window is full or the pace says not yet; `hint`: a 429's wait. */
  reason: 'budget' | 'hint';
  /** The soonest the request can go, in ms from now. */
  delayMs: number;
}

interface Waiter {
  priority: number;
  seq: number;
  resolve: (release: Release) => void;
  reject: (e: unknown) => void;
  signal?: AbortSignal | undefined;
  onAbort?: () => void;
}

const noop: Release = () => {};

/**
 * One budget scope of a client (ModelsLab's is a workflow), counted as the provider counts:
 * a provider counts a request when it arrives, somewhere between our start and the end of
 * its response, so a slot is held from the start until `intervalMs` after the response ends.
 * Then no window at the provider ever holds more than `requests`, whatever the latency.
 *
 * Within the window, slots are paced: one every `intervalMs / requests` with a burst of half
 * the budget, so that when the budget binds every waiting watch is served at
 * an even cadence instead of a burst followed by a silent window. Waiters are served by
 * priority (the caller's: the execution polled longest ago first), then in arrival order;
 * an aborted waiter leaves without spending budget. `pause(ms)` (a 429's hint) stops every
 * grant of the scope until it has passed. Without `limit` only pauses apply.
 */
export class RateLimiter {
  readonly requests: number;
  readonly intervalMs: number;
  private readonly burst: number;
  private readonly spacingMs: number;
  private tokens: number;
  private refilledAt: number;
  /** Requests started and not yet ended. */
  private active = 0;
  /** End times of ended requests still inside their hold, oldest first. */
  private readonly ends: number[] = [];
  private pausedUntil = 0;
  private readonly waiters: Waiter[] = [];
  private seq = 0;
  private timer: unknown;
  private readonly clock: Clock;

  /** `limit` as {@link resolveRateLimit} returns it (checked there, once per client), or none. */
  constructor(limit: RateLimitOptions | undefined, clock: Clock = systemClock) {
    this.requests = limit?.requests ?? Infinity;
    this.intervalMs = limit?.intervalMs ?? 0;
    this.burst = Math.max(1, Math.floor(this.requests / 2));
    this.spacingMs = limit === undefined ? 0 : this.intervalMs / this.requests;
    this.tokens = this.burst;
    this.clock = clock;
    this.refilledAt = clock.now();
  }

  /**
   * Resolves with a {@link Release} when a request may start; call it when the request has
   * ended. Rejects with the signal's reason on abort.
   *
   * @param signal - aborts the wait.
   * @param turn - who asks: its priority, and whom to tell of a wait (a watch is its own turn).
   */
  acquire(signal?: AbortSignal, turn?: BudgetTurn): Promise<Release> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.waiters.length === 0) {
      const release = this.tryTake();
      if (release !== undefined) return Promise.resolve(release);
    }
    if (turn?.onWait !== undefined) {
      const now = this.clock.now();
      const paused = this.pausedUntil > now;
      turn.onWait({ reason: paused ? 'hint' : 'budget', delayMs: Math.max(0, this.nextAt(now) - now) });
    }
    return new Promise<Release>((resolve, reject) => {
      const waiter: Waiter = { priority: turn?.priority ?? 0, seq: this.seq++, resolve, reject, signal };
      if (signal) {
        waiter.onAbort = () => {
          const i = this.waiters.indexOf(waiter);
          if (i >= 0) this.waiters.splice(i, 1);
          reject(signal.reason);
          if (this.waiters.length === 0) this.stopTimer();
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.waiters.push(waiter);
      this.arm();
    });
  }

  /** Stops every grant for `ms` (a 429's hint applies to the whole scope). */
  pause(ms: number): void {
    if (!(ms > 0)) return;
    const until = this.clock.now() + ms;
    if (until <= this.pausedUntil) return;
    this.pausedUntil = until;
    if (this.timer !== undefined) {
      this.stopTimer();
      this.arm();
    }
  }

  /** How many requests are waiting for budget. */
  get pending(): number {
    return this.waiters.length;
  }

  private expire(now: number): void {
    while (this.ends.length > 0 && this.ends[0]! <= now - this.intervalMs) this.ends.shift();
  }

  private refill(now: number): void {
    if (this.spacingMs === 0) return;
    this.tokens = Math.min(this.burst, this.tokens + (now - this.refilledAt) / this.spacingMs);
    this.refilledAt = now;
  }

  /** Whether this scope holds nothing a new one would not: no request, waiter, held slot, pause or spent token. */
  isIdle(): boolean {
    const now = this.clock.now();
    this.expire(now);
    this.refill(now);
    return (
      this.active === 0 &&
      this.waiters.length === 0 &&
      this.ends.length === 0 &&
      this.pausedUntil <= now &&
      this.tokens >= this.burst
    );
  }

  /** When the next grant could happen, if nothing else ends. */
  private nextAt(now: number): number {
    this.expire(now);
    this.refill(now); // the tokens as of now: a pause re-arms with them
    let at = Math.max(now, this.pausedUntil);
    if (this.spacingMs > 0 && this.tokens < 1) at = Math.max(at, now + (1 - this.tokens) * this.spacingMs);
    if (this.active + this.ends.length >= this.requests && this.ends.length > 0 && this.active < this.requests) {
      at = Math.max(at, this.ends[0]! + this.intervalMs);
    }
    return at;
  }

  private tryTake(): Release | undefined {
    const now = this.clock.now();
    if (now < this.pausedUntil) return undefined;
    if (this.requests === Infinity) return noop;
    this.expire(now);
    this.refill(now);
    if (this.active + this.ends.length >= this.requests || this.tokens < 1) return undefined;
    this.tokens -= 1;
    this.active += 1;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.active -= 1;
      this.ends.push(this.clock.now());
      if (this.waiters.length > 0 && this.timer === undefined) this.arm();
    };
  }

  private drain = (): void => {
    this.timer = undefined;
    while (this.waiters.length > 0) {
      const release = this.tryTake();
      if (release === undefined) break;
      const waiter = this.pickNext();
      if (waiter.onAbort) waiter.signal?.removeEventListener('abort', waiter.onAbort);
      waiter.resolve(release);
    }
    this.arm();
  };

  /** Removes and returns the waiter to serve next: lowest priority, then first come. */
  private pickNext(): Waiter {
    let best = 0;
    for (let i = 1; i < this.waiters.length; i++) {
      const w = this.waiters[i]!;
      const b = this.waiters[best]!;
      if (w.priority < b.priority || (w.priority === b.priority && w.seq < b.seq)) best = i;
    }
    return this.waiters.splice(best, 1)[0]!;
  }

  private arm(): void {
    if (this.timer !== undefined || this.waiters.length === 0) return;
    const now = this.clock.now();
    // All slots in flight: the next release re-arms.
    if (this.active >= this.requests) return;
    this.timer = this.clock.setTimeout(this.drain, Math.max(0, this.nextAt(now) - now));
  }

  private stopTimer(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
/**
 * Validates a client's `rateLimit` option: `false` turns the budget off, `undefined` takes
 * the provider's default.
 */
export function resolveRateLimit(
  value: RateLimitOptions | false | undefined,
  fallback: RateLimitOptions | undefined,
  provider?: string,
): RateLimitOptions | undefined {
  if (value === false) return undefined;
  if (value === undefined) return fallback;
  if (typeof value !== 'object' || value === null)
    fail('rateLimit', '{ requests, intervalMs } or false', value, provider);
  checkKeys('rateLimit', value, ['requests', 'intervalMs'], provider);
  assertPositiveInteger('rateLimit.requests', value.requests, provider);
  assertPositive('rateLimit.intervalMs', value.intervalMs, MAX_TIMER_MS, provider);
  return { requests: value.requests, intervalMs: value.intervalMs };
}
