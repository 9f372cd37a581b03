import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_BACKOFF, backoffDelay, resolveBackoff } from '../../src/index.js';
import { MAX_HINT_MS, clampHint } from '../../src/core/backoff.js';

describe('resolveBackoff', () => {
  it('fills in the documented defaults', () => {
    expect(resolveBackoff()).toEqual(DEFAULT_BACKOFF);
    expect(DEFAULT_BACKOFF).toMatchObject({
      initialDelayMs: 3000,
      maxDelayMs: 10000,
      multiplier: 1.5,
      jitter: 'equal',
      resetOnChange: true,
      maxRetries: 5,
    });
  });

  it('layers options field by field, later layers winning, undefined ignored', () => {
    const policy = resolveBackoff(
      { initialDelayMs: 200, maxDelayMs: 4000 },
      { maxDelayMs: 8000, initialDelayMs: undefined },
    );
    expect(policy.initialDelayMs).toBe(200);
    expect(policy.maxDelayMs).toBe(8000);
  });

  it.each([
    ['initialDelayMs', -1],
    ['initialDelayMs', 0],
    ['initialDelayMs', Number.NaN],
    ['maxDelayMs', Number.POSITIVE_INFINITY],
    ['maxDelayMs', 0],
    ['multiplier', 0],
    ['multiplier', 0.5],
    ['multiplier', Number.NaN],
    ['maxRetries', -1],
    ['maxRetries', 1.5],
    ['jitter', 'sometimes'],
    ['resetOnChange', 'yes'],
  ])('rejects %s = %s with a ConfigError naming both', (option, value) => {
    let caught: unknown;
    try {
      resolveBackoff({ [option]: value });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).message).toContain(`backoff.${option}`);
    expect((caught as ConfigError).message).toContain(
      String(typeof value === 'string' ? JSON.stringify(value) : value),
    );
    expect((caught as ConfigError).option).toBe(`backoff.${option}`);
  });

  it('accepts maxRetries 0 (fail at once) and Infinity (never give up)', () => {
    expect(resolveBackoff({ maxRetries: 0 }).maxRetries).toBe(0);
    expect(resolveBackoff({ maxRetries: Infinity }).maxRetries).toBe(Infinity);
  });

  it('rejects an initial delay above the cap', () => {
    expect(() => resolveBackoff({ initialDelayMs: 5000, maxDelayMs: 1000 })).toThrow(/at most `backoff.maxDelayMs`/);
  });
});

describe('backoffDelay', () => {
  const policy = (jitter: 'none' | 'equal' | 'full') =>
    resolveBackoff({ initialDelayMs: 100, multiplier: 2, maxDelayMs: 1000, jitter });

  it('grows by the multiplier and stops at the cap without jitter', () => {
    expect([0, 1, 2, 3, 4, 10].map((n) => backoffDelay(n, policy('none')))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('keeps between half and all of the delay with equal jitter', () => {
    expect(backoffDelay(2, policy('equal'), () => 0)).toBe(200);
    expect(backoffDelay(2, policy('equal'), () => 0.5)).toBe(300);
    expect(backoffDelay(2, policy('equal'), () => 0.999)).toBeCloseTo(399.8);
  });

  it('spreads over the whole delay with full jitter', () => {
    expect(backoffDelay(2, policy('full'), () => 0)).toBe(0);
    expect(backoffDelay(2, policy('full'), () => 0.25)).toBe(100);
  });

  it('stays finite and capped after thousands of quiet polls', () => {
    expect(backoffDelay(100_000, policy('none'))).toBe(1000);
  });

  it('survives a broken random source', () => {
    expect(backoffDelay(0, policy('equal'), () => Number.NaN)).toBe(75);
    expect(backoffDelay(0, policy('full'), () => 7)).toBe(100);
  });
});

describe('clampHint', () => {
  it('ignores missing, negative and non-finite hints', () => {
    expect([undefined, -5, Number.NaN, Number.POSITIVE_INFINITY].map(clampHint)).toEqual([0, 0, 0, 0]);
  });
  it('caps a hint of years at an hour, far below the timer overflow', () => {
    expect(clampHint(3 * 365 * 24 * 3600 * 1000)).toBe(MAX_HINT_MS);
    expect(clampHint(30_000)).toBe(30_000);
  });
});
