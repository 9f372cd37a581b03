// Class 9 — after unsubscribe, nothing. An unsubscribe, even in the same tick as the subscribe,
// means no fetch is called at all: a user's fetch that ignores its signal would send it anyway.
// No timer, no `random`, no scheduler call either.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { watchExecution, type ExecutionSnapshot } from '../../src/index.js';
import { snap } from '../helpers/snapshots.js';
import { PROVIDERS, body, clientOf, fakeFetch, rejection } from './support.js';

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => vi.useRealTimers());

describe('after unsubscribe, nothing', () => {
  it.each(PROVIDERS)('%s: a watch unsubscribed in the tick it was subscribed calls no fetch', async (provider) => {
    for (const rateLimit of [false, { requests: 5, intervalMs: 1_000 }] as const) {
      const { fetch, calls } = fakeFetch({ body: body(provider, 'running', []) });
      clientOf(provider, fetch, { rateLimit }).watch().subscribe().unsubscribe();
      await vi.advanceTimersByTimeAsync(60_000);
      expect(calls).toHaveLength(0);
      expect(vi.getTimerCount()).toBe(0);
    }
  });

  it.each(PROVIDERS)('%s: runAndWatch unsubscribed at once sends no start request', async (provider) => {
    const { fetch, calls } = fakeFetch({ body: {} });
    clientOf(provider, fetch).start().subscribe().unsubscribe();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toHaveLength(0);
  });

  it.each(PROVIDERS)(
    '%s: a get with an aborted signal rejects with its reason and calls no fetch',
    async (provider) => {
      const { fetch, calls } = fakeFetch({ body: body(provider, 'running', []) });
      const controller = new AbortController();
      const reason = new Error('user gave up');
      const pending = rejection(clientOf(provider, fetch).get({ signal: controller.signal }));
      controller.abort(reason);
      expect(await pending).toBe(reason);
      expect(calls).toHaveLength(0);
    },
  );

  it.each(PROVIDERS)('%s: unsubscribed while a request is in flight, nothing follows its answer', async (provider) => {
    let answer!: (r: Response) => void;
    const fetch = vi.fn(
      () =>
        new Promise<Response>((resolve) => {
          answer = resolve;
        }),
    ) as unknown as typeof globalThis.fetch;
    const random = vi.fn(() => 0.5);
    const subscription = clientOf(provider, fetch).watch({ random }).subscribe();
    await vi.advanceTimersByTimeAsync(0);
    expect(fetch).toHaveBeenCalledTimes(1);
    subscription.unsubscribe();
    answer(
      new Response(JSON.stringify(body(provider, 'running', [])), { headers: { 'content-type': 'application/json' } }),
    );
    await vi.advanceTimersByTimeAsync(60_000);
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(random).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a SnapshotSource: no scheduler call and no random draw once unsubscribed', async () => {
    let answer!: (s: ExecutionSnapshot) => void;
    const source = { id: 'e1', fetchSnapshot: () => new Promise<ExecutionSnapshot>((resolve) => (answer = resolve)) };
    const schedule = vi.fn(() => ({ unsubscribe() {} }) as never);
    const random = vi.fn(() => 0.5);
    const subscription = watchExecution(source, { scheduler: { now: () => 0, schedule }, random }).subscribe();
    subscription.unsubscribe();
    answer(snap('running'));
    await vi.advanceTimersByTimeAsync(0);
    expect(schedule).not.toHaveBeenCalled();
    expect(random).not.toHaveBeenCalled();
  });
});
