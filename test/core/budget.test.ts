import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { vi } from 'vitest';
import { ConfigError } from '../../src/index.js';
import { RateLimiter, resolveRateLimit } from '../../src/core/budget.js';

describe('RateLimiter', () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  /** Takes a slot, "sends" a request that arrives after `arriveMs` and ends after `endMs`. */
  function request(limiter: RateLimiter, arrivals: number[], arriveMs: number, endMs: number) {
    return limiter.acquire().then(async (release) => {
      await new Promise((r) => setTimeout(r, arriveMs));
      arrivals.push(Date.now());
      await new Promise((r) => setTimeout(r, endMs - arriveMs));
      release();
    });
  }

  /** The most arrivals inside any window of `intervalMs`. */
  function worstWindow(arrivals: number[], intervalMs: number): number {
    return Math.max(...arrivals.map((t) => arrivals.filter((a) => a >= t && a < t + intervalMs).length));
  }

  it('holds each slot until a window after the response ends: no window at the provider holds more, whatever the latency', async () => {
    const limiter = new RateLimiter({ requests: 5, intervalMs: 1000 });
    const arrivals: number[] = [];
    // A slow first connection: the first requests arrive late, the later ones at once.
    const all = Array.from({ length: 30 }, (_, i) => request(limiter, arrivals, i < 5 ? 900 : 0, i < 5 ? 950 : 50));
    await vi.advanceTimersByTimeAsync(30_000);
    await Promise.all(all);
    expect(arrivals).toHaveLength(30);
    expect(worstWindow(arrivals, 1000)).toBeLessThanOrEqual(5);
  });

  it('paces slots evenly once the burst is spent: no burst followed by a silent window', async () => {
    const limiter = new RateLimiter({ requests: 10, intervalMs: 60_000 });
    const starts: number[] = [];
    const all = Array.from({ length: 12 }, () =>
      limiter.acquire().then((release) => {
        starts.push(Date.now());
        release();
      }),
    );
    await vi.advanceTimersByTimeAsync(120_000);
    await Promise.all(all);
    // Half the budget at once, then one every intervalMs / requests (6 s), within the window rule.
    expect(starts.slice(0, 5)).toEqual([0, 0, 0, 0, 0]);
    expect(starts.slice(5, 10)).toEqual([6_000, 12_000, 18_000, 24_000, 30_000]);
    const gaps = starts.slice(1).map((t, i) => t - starts[i]!);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(30_000);
    for (const t of starts) expect(starts.filter((s) => s >= t && s < t + 60_000).length).toBeLessThanOrEqual(10);
  });

  it('serves the lowest priority first (the execution polled longest ago), then in arrival order', async () => {
    const limiter = new RateLimiter({ requests: 1, intervalMs: 1000 });
    const first = await limiter.acquire();
    const order: string[] = [];
    const take = (name: string, priority: number) =>
      limiter.acquire(undefined, { priority }).then((release) => {
        order.push(name);
        release();
      });
    const all = [take('b', 5), take('a', 1), take('c', 5)];
    first();
    await vi.advanceTimersByTimeAsync(10_000);
    await Promise.all(all);
    expect(order).toEqual(['a', 'b', 'c']);
  });

  it('lets an aborted waiter leave without spending budget', async () => {
    const limiter = new RateLimiter({ requests: 1, intervalMs: 1000 });
    (await limiter.acquire())();
    const order: string[] = [];
    const controller = new AbortController();
    const a = limiter.acquire(controller.signal).then(
      () => order.push('a'),
      () => order.push('a aborted'),
    );
    const b = limiter.acquire().then((release) => {
      order.push('b');
      release();
    });
    controller.abort();
    await vi.advanceTimersByTimeAsync(1000);
    await Promise.all([a, b]);
    expect(order).toEqual(['a aborted', 'b']);
    expect(Date.now()).toBe(1000);
    expect(limiter.pending).toBe(0);
  });

  it('pauses every grant of the scope for a 429 hint, and says why a waiter waits', async () => {
    const limiter = new RateLimiter(undefined);
    limiter.pause(5_000);
    const waits: unknown[] = [];
    let at: number | undefined;
    const p = limiter.acquire(undefined, { onWait: (wait) => waits.push(wait) }).then(() => (at = Date.now()));
    await vi.advanceTimersByTimeAsync(4_999);
    expect(at).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    await p;
    expect(at).toBe(5_000);
    expect(waits).toEqual([{ reason: 'hint', delayMs: 5_000 }]);
  });

  it('leaves no timer once the queue is empty', async () => {
    const limiter = new RateLimiter({ requests: 1, intervalMs: 1000 });
    (await limiter.acquire())();
    const controller = new AbortController();
    const waiting = limiter.acquire(controller.signal).catch(() => 'aborted');
    expect(vi.getTimerCount()).toBe(1);
    controller.abort();
    expect(await waiting).toBe('aborted');
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('RateLimiter, after a pause and when idle', () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  it('a short pause just before a paced slot is due delays it by the pause, not by a whole spacing', async () => {
    const limiter = new RateLimiter({ requests: 10, intervalMs: 60_000 }); // burst 5, then a slot every 6 s
    const releases = await Promise.all(Array.from({ length: 5 }, () => limiter.acquire()));
    for (const release of releases.slice(0, 4)) release();
    let grantedAt: number | undefined;
    const waiting = limiter.acquire().then((release) => {
      grantedAt = Date.now();
      release();
    });
    await vi.advanceTimersByTimeAsync(5_900);
    limiter.pause(100); // a 429 with a 0.1 s hint, then its request ends (as the client does)
    releases[4]!();
    await vi.advanceTimersByTimeAsync(60_000);
    await waiting;
    expect(grantedAt).toBe(6_000);
  });

  it('is idle only when a new limiter would behave the same: no request, waiter, held slot, pause or spent token', async () => {
    const limiter = new RateLimiter({ requests: 2, intervalMs: 1_000 });
    expect(limiter.isIdle()).toBe(true);
    const release = await limiter.acquire();
    expect(limiter.isIdle()).toBe(false); // in flight
    release();
    expect(limiter.isIdle()).toBe(false); // its slot is held a window after it ended
    await vi.advanceTimersByTimeAsync(1_000);
    expect(limiter.isIdle()).toBe(true); // the window passed, the token came back
    limiter.pause(5_000);
    expect(limiter.isIdle()).toBe(false);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(limiter.isIdle()).toBe(true);
    const unlimited = new RateLimiter(undefined);
    (await unlimited.acquire())();
    expect(unlimited.isIdle()).toBe(true);
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
