// Class 3 — bodies. An empty 2xx body is transient (retried), like one that is not JSON. The
// body read from a provider is capped (`maxBodyBytes`, 8 MiB by default): over it is a typed
// error, read no further, never memory exhaustion.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfigError, ResponseValidationError, datalab, isResponseValidationError } from '../../src/index.js';
import { KEY, PROVIDERS, body, clientOf, drain, fakeFetch, rejection } from './support.js';

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => vi.useRealTimers());

/** A body of `total` bytes (a JSON status body padded with spaces), streamed in 64 KiB chunks; counts what was pulled. */
function streamed(json: unknown, total: number) {
  const text = JSON.stringify(json);
  const bytes = new TextEncoder().encode(text + ' '.repeat(Math.max(0, total - text.length)));
  const state = { pulled: 0, cancelled: false };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = bytes.subarray(state.pulled, state.pulled + 65_536);
      state.pulled += chunk.length;
      if (chunk.length === 0) controller.close();
      else controller.enqueue(chunk);
    },
    cancel() {
      state.cancelled = true;
    },
  });
  return { stream, state };
}

describe('an empty 2xx body', () => {
  it.each(PROVIDERS)('%s: is retried like a body that is not JSON, and the watch goes on', async (provider) => {
    const { fetch, calls } = fakeFetch([
      { text: '' },
      { text: ' \n' },
      { status: 204 },
      { text: '<html>' },
      { body: body(provider, 'completed', [['a', 'completed']]) },
    ]);
    const result = await drain(clientOf(provider, fetch).watch());
    expect(result.error).toBeUndefined();
    expect(result.completed).toBe(true);
    expect(calls).toHaveLength(5);
  });

  it.each(PROVIDERS)('%s: is a retryable ResponseValidationError saying so', async (provider) => {
    const { fetch } = fakeFetch({ text: '' });
    const error = await rejection(clientOf(provider, fetch).get());
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect(error).toMatchObject({ retryable: true, status: 200 });
    expect((error as Error).message).toContain('empty');
  });
});

describe('the body size cap', () => {
  it.each(PROVIDERS)(
    '%s: a body over 8 MiB is a too_big ResponseValidationError, read no further, not retried',
    async (provider) => {
      const big = streamed(body(provider, 'completed', []), 9 * 1024 * 1024);
      const { fetch, calls } = fakeFetch({ stream: big.stream });
      const result = await drain(clientOf(provider, fetch).watch());
      expect(result.error).toBeInstanceOf(ResponseValidationError);
      expect(result.error).toMatchObject({ retryable: false, issues: [{ code: 'too_big' }] });
      expect(calls).toHaveLength(1);
      expect(big.state.cancelled).toBe(true);
      expect(big.state.pulled).toBeLessThanOrEqual(8 * 1024 * 1024 + 2 * 65_536);
    },
  );

  it.each(PROVIDERS)(
    '%s: the cap is `maxBodyBytes`, and a declared Content-Length over it is refused unread',
    async (provider) => {
      const small = streamed(body(provider, 'completed', []), 4_096);
      const { fetch } = fakeFetch({ stream: small.stream, headers: { 'content-length': '4096' } });
      const error = await rejection(clientOf(provider, fetch, { maxBodyBytes: 1_024 }).get());
      expect(isResponseValidationError(error) && error.issues[0]?.code).toBe('too_big');
      expect(small.state.pulled).toBeLessThanOrEqual(65_536);

      const fits = streamed(body(provider, 'completed', []), 1_000);
      const { fetch: ok } = fakeFetch({ stream: fits.stream });
      await expect(clientOf(provider, ok, { maxBodyBytes: 1_024 }).get()).resolves.toMatchObject({
        status: 'completed',
      });
    },
  );

  it.each(PROVIDERS)(
    '%s: an error answer (5xx, 429) over the cap is still that error, retryable, its hint kept; the rest is not read',
    async (provider) => {
      for (const [status, declared] of [
        [502, false],
        [503, true],
        [429, false],
      ] as const) {
        const page = streamed({ html: 'x' }, 4_096);
        const headers: Record<string, string> = { 'content-type': 'text/html', 'retry-after': '7' };
        if (declared) headers['content-length'] = '4096';
        const { fetch } = fakeFetch({ status, stream: page.stream, headers });
        const error = await rejection(clientOf(provider, fetch, { maxBodyBytes: 1_024 }).get());
        expect(error, `${status}`).toMatchObject({ status, retryable: true, retryAfterMs: 7_000 });
        expect(error).not.toBeInstanceOf(ResponseValidationError);
        expect(page.state.pulled).toBeLessThanOrEqual(65_536);
      }
      const gone = streamed({ html: 'x' }, 4_096);
      const { fetch } = fakeFetch({ status: 404, stream: gone.stream });
      expect(await rejection(clientOf(provider, fetch, { maxBodyBytes: 1_024 }).get())).toMatchObject({
        status: 404,
        retryable: false,
      });
    },
  );

  it.each(PROVIDERS)(
    '%s: counts bytes, not characters, where the fetch gives no streams (an old polyfill)',
    async (provider) => {
      const text = JSON.stringify({ ...body(provider, 'completed', []), note: 'é'.repeat(600) }); // 1,200+ bytes
      const noStreams = (async () =>
        ({
          status: 200,
          ok: true,
          type: 'basic',
          statusText: 'OK',
          headers: new Headers({ 'content-type': 'application/json' }),
          body: null,
          text: async () => text,
        }) as unknown as Response) as typeof globalThis.fetch;
      expect(text.length).toBeLessThan(1_024);
      const error = await rejection(clientOf(provider, noStreams, { maxBodyBytes: 1_024 }).get());
      expect(isResponseValidationError(error) && error.issues[0]?.code).toBe('too_big');
    },
  );

  it('bounds Datalab output downloads too', async () => {
    const big = streamed({ pages: [] }, 2_048);
    const { fetch } = fakeFetch({ stream: big.stream });
    const client = datalab({ apiKey: KEY, fetch, maxBodyBytes: 1_024 });
    const error = await rejection(
      client.stepOutput({
        key: 'p',
        name: 'p',
        status: 'completed',
        rawStatus: 'COMPLETED',
        outputUrl: 'https://bucket.test/o.json',
      }),
    );
    expect(isResponseValidationError(error) && error.issues[0]?.code).toBe('too_big');
  });

  it.each([0, -1, Number.NaN, '8mb'])('refuses maxBodyBytes %s at client creation', (value) => {
    const { fetch, calls } = fakeFetch({ text: '' });
    for (const provider of PROVIDERS) {
      expect(() => clientOf(provider, fetch, { maxBodyBytes: value as number })).toThrow(ConfigError);
    }
    expect(calls).toHaveLength(0);
  });
});
