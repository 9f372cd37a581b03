// watchBulk's polls: the detail fetches of one poll stop with it, and a list that pages
// without end costs a bounded number of requests.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { eachlabs } from '../../src/index.js';

const KEY = 'sk-bulk-TEST-7c1d2e9f';
type Reply = { status?: number; body: unknown };

/**
 * A fetch answering from `answer`, recording each request and the most in flight at once; an
 * aborted request ends there, as a real one's socket does.
 */
function server(answer: (url: URL) => Reply | Promise<Reply>) {
  const calls: string[] = [];
  let inFlight = 0;
  let most = 0;
  const fetch = (async (input: string, init?: RequestInit) => {
    const url = new URL(input);
    calls.push(url.pathname);
    most = Math.max(most, ++inFlight);
    try {
      const aborted = new Promise<never>((_, reject) =>
        init?.signal?.addEventListener('abort', () => reject(init.signal!.reason as Error)),
      );
      const r = await Promise.race([answer(url), aborted]);
      return new Response(JSON.stringify(r.body), { status: r.status ?? 200 });
    } finally {
      inFlight--;
    }
  }) as unknown as typeof globalThis.fetch;
  return { fetch, calls, most: () => most };
}

const ids = Array.from({ length: 10 }, (_, i) => `e${i}`);
const page = {
  body: { executions: ids.map((id) => ({ execution_id: id, status: 'running', updated_at: 't0' })), total_count: 10 },
};
const detail = async (id: string): Promise<Reply> => {
  await new Promise((resolve) => setTimeout(resolve, 50));
  return { body: { execution_id: id, status: 'running', step_outputs: {} } };
};
const isList = (url: URL) => url.pathname.endsWith('/executions') && url.pathname.includes('/workflows/');

describe('watchBulk', () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  it('sends no detail request after one of its poll failed the stream (a 404)', async () => {
    const { fetch, calls } = server((url) => {
      if (isList(url)) return page;
      const id = url.pathname.split('/').pop()!;
      return id === 'e0' ? { status: 404, body: { error: 'execution not found' } } : detail(id);
    });
    let erroredAfter = -1;
    eachlabs({ apiKey: KEY, fetch })
      .watchBulk('wf', 'bulk')
      .subscribe({ error: () => (erroredAfter = calls.length) });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(erroredAfter).toBeGreaterThan(0);
    expect(calls.slice(erroredAfter)).toEqual([]);
    expect(calls.length).toBeLessThanOrEqual(1 + 6); // the list and the first six details at most
  });

  it('runs a retried poll after the failed one, not beside it: at most six details at once, each once', async () => {
    let failed = false;
    const { fetch, calls, most } = server((url) => {
      if (isList(url)) return page;
      const id = url.pathname.split('/').pop()!;
      if (id === 'e0' && !failed) {
        failed = true;
        return { status: 500, body: { error: 'x' } };
      }
      return detail(id);
    });
    const subscription = eachlabs({ apiKey: KEY, fetch })
      .watchBulk('wf', 'bulk', { backoff: { initialDelayMs: 10, maxDelayMs: 10, jitter: 'none' } })
      .subscribe();
    await vi.advanceTimersByTimeAsync(1_000);
    subscription.unsubscribe();
    expect(most()).toBeLessThanOrEqual(6);
    const details = calls.filter((path) => !path.includes('/workflows/'));
    expect(new Set(details).size).toBe(10);
  });

  it('stops paging when a page brings no execution it has not seen: a list without end costs one page more', async () => {
    const { fetch, calls } = server((url) => ({
      body: {
        executions: [{ execution_id: 'a', status: 'running' }],
        offset: Number(url.searchParams.get('offset')) + 100,
        total_count: 10_000_000,
      },
    }));
    const subscription = eachlabs({ apiKey: KEY, fetch })
      .watchBulk('wf', 'b', { steps: false, backoff: { initialDelayMs: 10_000, jitter: 'none' } })
      .subscribe();
    await vi.advanceTimersByTimeAsync(1_000);
    subscription.unsubscribe();
    expect(calls.length).toBe(2);
  });
});
