import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { vi } from 'vitest';
import { ConfigError } from '../../src/index.js';
import { RateLimiter, resolveRateLimit } from '../../src/core/budget.js';

describe('RateLimiter', () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  it('never lets more than `requests` start in any window, even across a window boundary', async () => {
    const limiter = new RateLimiter({ requests: 3, intervalMs: 1000 });
    const starts: number[] = [];
    const take = () => limiter.acquire().then(() => starts.push(Date.now()));
    await vi.advanceTimersByTimeAsync(900);
    const all = Array.from({ length: 9 }, take);
    await vi.advanceTimersByTimeAsync(5_000);
    await Promise.all(all);
    expect(starts).toEqual([900, 900, 900, 1900, 1900, 1900, 2900, 2900, 2900]);
    for (const t of starts) expect(starts.filter((s) => s > t - 1000 && s <= t).length).toBeLessThanOrEqual(3);
  });

  it('serves waiters in order and lets an aborted waiter leave without spending budget', async () => {
    const limiter = new RateLimiter({ requests: 1, intervalMs: 1000 });
    await limiter.acquire();
    const order: string[] = [];
    const controller = new AbortController();
    const a = limiter.acquire(controller.signal).then(
      () => order.push('a'),
      () => order.push('a aborted'),
    );
    const b = limiter.acquire().then(() => order.push('b'));
    controller.abort();
    await vi.advanceTimersByTimeAsync(1000);
    await Promise.all([a, b]);
    expect(order).toEqual(['a aborted', 'b']);
    expect(Date.now()).toBe(1000);
    expect(limiter.pending).toBe(0);
  });

  it('leaves no timer once the queue is empty', async () => {
    const limiter = new RateLimiter({ requests: 1, intervalMs: 1000 });
    await limiter.acquire();
    const controller = new AbortController();
    const waiting = limiter.acquire(controller.signal).catch(() => 'aborted');
    expect(vi.getTimerCount()).toBe(1);
    controller.abort();
    expect(await waiting).toBe('aborted');
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('resolveRateLimit', () => {
  it('takes the fallback, an override, or false for none', () => {
    const fallback = { requests: 10, intervalMs: 60_000 };
    expect(resolveRateLimit(undefined, fallback)).toEqual(fallback);
    expect(resolveRateLimit(false, fallback)).toBeUndefined();
    expect(resolveRateLimit({ requests: 2, intervalMs: 1000 }, fallback)).toEqual({ requests: 2, intervalMs: 1000 });
  });
  it('rejects nonsense with a ConfigError naming the option', () => {
    expect(() => resolveRateLimit({ requests: 0, intervalMs: 1000 }, undefined)).toThrow(ConfigError);
    expect(() => resolveRateLimit({ requests: 1, intervalMs: -5 }, undefined)).toThrow(/rateLimit.intervalMs.*-5/);
    expect(() => resolveRateLimit(true as never, undefined)).toThrow(/rateLimit/);
  });
});
