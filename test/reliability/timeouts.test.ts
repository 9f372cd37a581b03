// Class 5 — timeouts cover the body. `requestTimeoutMs` bounds the whole request, headers and
// body: a server that sends headers and then stalls is a retryable TimeoutError, and so is a
// fetch that ignores its signal. The same for Datalab output downloads.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TimeoutError, datalab, isTimeoutError } from '../../src/index.js';
import { KEY, PROVIDERS, body, clientOf, drain, fakeFetch, rejection, type ProviderName } from './support.js';

afterEach(() => vi.useRealTimers());

/** A body that sends `head` and then nothing, ever; says whether it was cancelled. */
function stalled(head: string) {
  const state = { cancelled: false };
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(head));
    },
    cancel() {
      state.cancelled = true;
    },
  });
  return { stream, state };
}

/** What a promise has come to by now, without waiting for it. */
async function settled<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown } | 'pending'> {
  const marker = Symbol('pending');
  const outcome = await Promise.race([
    promise.then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    ),
    new Promise<typeof marker>((resolve) => setImmediate(() => resolve(marker))),
  ]);
  return outcome === marker ? 'pending' : outcome;
}

describe('a body that stalls after the headers', () => {
  it.each(PROVIDERS)(
    '%s: is a retryable TimeoutError at requestTimeoutMs, and the stalled body is cancelled',
    async (provider) => {
      vi.useFakeTimers({ now: 0, toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
      const body_ = stalled('{"status": "succ');
      const { fetch } = fakeFetch({ stream: body_.stream });
      const pending = clientOf(provider, fetch, { requestTimeoutMs: 1_000 }).get();
      await vi.advanceTimersByTimeAsync(999);
      expect(await settled(pending)).toBe('pending');
      await vi.advanceTimersByTimeAsync(1);
      const outcome = await settled(pending);
      expect(outcome).not.toBe('pending');
      const error = (outcome as { error: unknown }).error;
      expect(error).toBeInstanceOf(TimeoutError);
      expect(error).toMatchObject({ phase: 'request', retryable: true, provider });
      expect(body_.state.cancelled).toBe(true);
    },
  );

  it.each(PROVIDERS)('%s: a watch retries it and goes on to the end', async (provider) => {
    vi.useFakeTimers({ now: 0 });
    const { fetch, calls } = fakeFetch((_call, i) =>
      i === 0 ? { stream: stalled('{').stream } : { body: body(provider, 'completed', [['a', 'completed']]) },
    );
    const result = await drain(clientOf(provider, fetch, { requestTimeoutMs: 1_000 }).watch());
    expect(result.error).toBeUndefined();
    expect(result.completed).toBe(true);
    expect(calls).toHaveLength(2);
  });

  it.each(PROVIDERS)('%s: a fetch that ignores its signal and never answers times out too', async (provider) => {
    vi.useFakeTimers({ now: 0 });
    const deaf = vi.fn(() => new Promise<Response>(() => {})) as unknown as typeof globalThis.fetch;
    const pending = rejection(clientOf(provider, deaf, { requestTimeoutMs: 500 }).get());
    await vi.advanceTimersByTimeAsync(500);
    expect(await pending).toBeInstanceOf(TimeoutError);
  });

  it.each(PROVIDERS)(
    '%s: the answer such a fetch gives after the deadline is cancelled unread: no socket is left held',
    async (provider) => {
      vi.useFakeTimers({ now: 0 });
      let answer!: (response: Response) => void;
      const deaf = vi.fn(
        () => new Promise<Response>((resolve) => (answer = resolve)),
      ) as unknown as typeof globalThis.fetch;
      const pending = rejection(clientOf(provider, deaf, { requestTimeoutMs: 500 }).get());
      await vi.advanceTimersByTimeAsync(500);
      expect(await pending).toBeInstanceOf(TimeoutError);
      const late = stalled('{"status":');
      answer(new Response(late.stream));
      await vi.advanceTimersByTimeAsync(0);
      expect(late.state.cancelled).toBe(true);
    },
  );

  it('bounds a Datalab output download the same way', async () => {
    vi.useFakeTimers({ now: 0 });
    const { fetch } = fakeFetch({ stream: stalled('{"pa').stream });
    const client = datalab({ apiKey: KEY, fetch, requestTimeoutMs: 2_000 });
    const pending = rejection(
      client.stepOutput({
        key: 'p',
        name: 'p',
        status: 'completed',
        rawStatus: 'COMPLETED',
        outputUrl: 'https://bucket.test/o.json?sig=1',
      }),
    );
    await vi.advanceTimersByTimeAsync(2_000);
    expect(isTimeoutError(await pending)).toBe(true);
  });
});

describe('a real server that sends headers and stalls (127.0.0.1)', () => {
  const open: Server[] = [];
  afterEach(() => {
    for (const server of open.splice(0)) {
      server.closeAllConnections();
      server.close();
    }
  });

  it.each(PROVIDERS)(
    '%s: is a TimeoutError after requestTimeoutMs, headers included',
    async (provider: ProviderName) => {
      const server = createServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write(JSON.stringify(body(provider, 'running', [])).slice(0, 20)); // and then nothing
      });
      open.push(server);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
      const error = await rejection(clientOf(provider, globalThis.fetch, { baseUrl, requestTimeoutMs: 150 }).get());
      expect(error).toBeInstanceOf(TimeoutError);
      expect(error).toMatchObject({ phase: 'request', retryable: true });
    },
  );
});
