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

/** What the limiter needs of a clock; injectable for tests. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/**
 * A sliding-window request budget shared by every watch of a client: never more than
 * `requests` starts in any `intervalMs` window, however the starts fall (a token bucket can
 * burst to twice the limit across a window boundary; this cannot). Waiters are served in
 * order; an aborted waiter leaves the queue without spending budget.
 */
export class RateLimiter {
  readonly requests: number;
  readonly intervalMs: number;
  /** Start times of the last `requests` requests, oldest first. */
  private readonly starts: number[] = [];
  private readonly waiters: {
    resolve: () => void;
    reject: (e: unknown) => void;
    signal?: AbortSignal | undefined;
    onAbort?: () => void;
  }[] = [];
  private timer: unknown;
  private readonly clock: Clock;

  /** `options` as {@link resolveRateLimit} returns them: checked there, once per client. */
  constructor(options: RateLimitOptions, clock: Clock = systemClock) {
    this.requests = options.requests;
    this.intervalMs = options.intervalMs;
    this.clock = clock;
  }

  /** Resolves when a request may start, and counts it. Rejects with the signal's reason on abort. */
  acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.waiters.length === 0 && this.tryTake()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: (typeof this.waiters)[number] = { resolve, reject, signal };
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

  /** How many requests are waiting for budget. */
  get pending(): number {
    return this.waiters.length;
  }

  private tryTake(): boolean {
    const now = this.clock.now();
    while (this.starts.length > 0 && this.starts[0]! <= now - this.intervalMs) this.starts.shift();
    if (this.starts.length >= this.requests) return false;
    this.starts.push(now);
    return true;
  }

  private drain = (): void => {
    this.timer = undefined;
    while (this.waiters.length > 0 && this.tryTake()) {
      const waiter = this.waiters.shift()!;
      if (waiter.onAbort) waiter.signal?.removeEventListener('abort', waiter.onAbort);
      waiter.resolve();
    }
    this.arm();
  };

  private arm(): void {
    if (this.timer !== undefined || this.waiters.length === 0) return;
    const oldest = this.starts[0];
    const wait = oldest === undefined ? 0 : Math.max(0, oldest + this.intervalMs - this.clock.now());
    this.timer = this.clock.setTimeout(this.drain, wait);
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
