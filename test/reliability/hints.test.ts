// Class 8 — hints. One rule for every provider and form (a Retry-After header in seconds or as
// an HTTP date, ModelsLab's body `retry_after`, Datalab's documented 60 s): negative, NaN and
// past dates are no hint; a hint past the cap (an hour; `1e308` too) is capped and reported on
// the error as `hintCappedFromMs`. A ModelsLab auth failure in a 2xx envelope is an
// AuthenticationError.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AuthenticationError, RateLimitError, type RunwatchError } from '../../src/index.js';
import { MAX_HINT_MS } from '../../src/core/backoff.js';
import { PROVIDERS, body, clientOf, drain, fakeFetch, rejection, type ProviderName } from './support.js';

beforeEach(() => vi.useFakeTimers({ now: Date.parse('2026-01-01T00:00:00Z') }));
afterEach(() => vi.useRealTimers());

/** The wait a provider applies to a 429 that names none: Datalab documents 60 s. */
const DEFAULT: Record<ProviderName, number | undefined> = {
  modelslab: undefined,
  eachlabs: undefined,
  datalab: 60_000,
};

async function hintOf(
  provider: ProviderName,
  headers: Record<string, string>,
  body: unknown = {},
): Promise<RunwatchError> {
  const { fetch } = fakeFetch({ status: 429, body, headers });
  const error = await rejection(clientOf(provider, fetch).get());
  expect(error).toBeInstanceOf(RateLimitError);
  return error as RunwatchError;
}

describe('Retry-After headers', () => {
  it.each(PROVIDERS)('%s: negative, NaN, garbage and past dates are no hint', async (provider) => {
    const past = new Date(Date.now() - 60_000).toUTCString();
    for (const value of ['-5', 'NaN', 'soon', past]) {
      const error = await hintOf(provider, { 'retry-after': value });
      expect(error.retryAfterMs, value).toBe(DEFAULT[provider]);
      expect(error.hintCappedFromMs).toBeUndefined();
    }
  });

  it.each(PROVIDERS)('%s: seconds and future dates are hints', async (provider) => {
    expect((await hintOf(provider, { 'retry-after': '12' })).retryAfterMs).toBe(12_000);
    const soon = new Date(Date.now() + 30_000).toUTCString();
    expect((await hintOf(provider, { 'retry-after': soon })).retryAfterMs).toBe(30_000);
  });

  it.each(PROVIDERS)('%s: a hint past the cap, 1e308 included, is capped and reported', async (provider) => {
    const twoHours = await hintOf(provider, { 'retry-after': '7200' });
    expect(twoHours).toMatchObject({ retryAfterMs: MAX_HINT_MS, hintCappedFromMs: 7_200_000 });
    const forever = await hintOf(provider, { 'retry-after': '1e308' });
    expect(forever.retryAfterMs).toBe(MAX_HINT_MS);
    expect(forever.hintCappedFromMs).toBe(Number.POSITIVE_INFINITY);
    const farDate = await hintOf(provider, { 'retry-after': 'Fri, 01 Jan 2100 00:00:00 GMT' });
    expect(farDate.retryAfterMs).toBe(MAX_HINT_MS);
    expect(farDate.hintCappedFromMs).toBeGreaterThan(MAX_HINT_MS);
  });

  it.each(PROVIDERS)(
    '%s: a watch waits the capped hint, neither ignoring 1e308 nor parking past the cap',
    async (provider) => {
      const { fetch, calls } = fakeFetch([
        { status: 429, body: {}, headers: { 'retry-after': '1e308' } },
        { body: body(provider, 'completed', []) },
      ]);
      const start = Date.now();
      const times: number[] = [];
      const timed = (async (input: string, init: RequestInit) => {
        times.push(Date.now() - start);
        return fetch(input, init);
      }) as typeof globalThis.fetch;
      const result = await drain(clientOf(provider, timed).watch(), 2 * MAX_HINT_MS);
      expect(result.completed).toBe(true);
      expect(calls).toHaveLength(2);
      expect(times).toEqual([0, MAX_HINT_MS]);
    },
  );
});

describe("ModelsLab's body hint and envelope", () => {
  it.each([
    ['-1', -1, undefined, undefined],
    ['"soon"', 'soon', undefined, undefined],
    ['30', 30, 30_000, undefined],
    ['"1e308"', '1e308', MAX_HINT_MS, Number.POSITIVE_INFINITY],
    ['1e308', 1e308, MAX_HINT_MS, Number.POSITIVE_INFINITY],
    ['7200', 7200, MAX_HINT_MS, 7_200_000],
  ])('retry_after %s follows the same rule', async (_name, retryAfter, retryAfterMs, cappedFrom) => {
    const error = await hintOf(
      'modelslab',
      {},
      { status: 'error', message: 'Rate limit exceeded', retry_after: retryAfter },
    );
    expect(error.retryAfterMs).toBe(retryAfterMs);
    expect(error.hintCappedFromMs).toBe(cappedFrom);
  });

  it.each([
    ['a shorter header', '1', 30_000],
    ['a longer header', '40', 40_000],
    ['a date that has come', 'Thu, 01 Jan 2026 00:00:00 GMT', 30_000],
  ])(
    'with %s as well, the longer wait wins: each hint sets the next delay at least that long',
    async (_name, header, ms) => {
      const error = await hintOf(
        'modelslab',
        { 'retry-after': header },
        { status: 'error', message: 'Rate limit exceeded', retry_after: 30 },
      );
      expect(error.retryAfterMs).toBe(ms);
    },
  );

  it.each([
    ['Invalid API key', 'Invalid API key'],
    ['API key is required', 'API key is required'],
    ['Unauthorized', 'Unauthorized'],
  ])('an auth failure in a 2xx envelope (%s) is an AuthenticationError, not retried', async (_name, message) => {
    const { fetch, calls } = fakeFetch({ status: 200, body: { status: 'error', message } });
    const result = await drain(clientOf('modelslab', fetch).watch());
    expect(result.error).toBeInstanceOf(AuthenticationError);
    expect(result.error).toMatchObject({ status: 401, retryable: false, provider: 'modelslab' });
    expect(calls).toHaveLength(1);
  });

  it('a 2xx envelope that asks to wait is still a rate limit, whatever it says of the key', async () => {
    const { fetch } = fakeFetch({
      status: 200,
      body: { status: 'error', message: 'Too many requests for this API key', retry_after: 5 },
    });
    const error = await rejection(clientOf('modelslab', fetch).get());
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error).toMatchObject({ retryAfterMs: 5_000 });
  });
});
