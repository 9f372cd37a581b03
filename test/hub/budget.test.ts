import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { WatchEvent } from '../../src/index.js';
import { acme, fakeServer, jobAt } from './support.js';

describe('the client hub: budget and telemetry', () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  it('a 429 seen by one watch pauses its siblings in the same scope until the hint has passed', async () => {
    let refused = false;
    const server = fakeServer((id, now) => {
      if (id === 'wf:a' && now >= 1_000 && !refused) {
        refused = true;
        return { status: 429, headers: { 'retry-after': '10' }, body: { error: 'slow down' } };
      }
      return { body: jobAt(id, now, 3, 20_000) };
    });
    const client = acme(server.fetch);
    client.watch('wf:a').subscribe();
    client.watch('wf:b').subscribe();
    client.watch('other:c').subscribe();
    await vi.advanceTimersByTimeAsync(15_000);
    const refusedAt = 1_000;
    const during = (id: string) =>
      server.requests.filter((r) => r.id === id && r.at > refusedAt && r.at < refusedAt + 10_000);
    expect(during('wf:b')).toEqual([]);
    expect(during('wf:a')).toEqual([]);
    expect(during('other:c').length).toBeGreaterThan(5); // another scope is not held back
    expect(server.requests.filter((r) => r.id === 'wf:b' && r.at >= refusedAt + 10_000).length).toBeGreaterThan(0);
  });

  it('shares a bound budget fairly: every running execution keeps an even pace, never a burst then a silent minute', async () => {
    const server = fakeServer((id, now) => ({ body: jobAt(id, now, 3, 200_000) }));
    const client = acme(server.fetch, {
      rateLimit: { requests: 10, intervalMs: 60_000 },
      backoff: { initialDelayMs: 1_000, maxDelayMs: 5_000, jitter: 'none' },
    });
    const ids = ['wf:1', 'wf:2', 'wf:3', 'wf:4'];
    for (const id of ids) client.watch(id).subscribe();
    await vi.advanceTimersByTimeAsync(300_000);
    for (const id of ids) {
      const at = server.requests.filter((r) => r.id === id).map((r) => r.at);
      const gaps = at.slice(1).map((t, i) => t - at[i]!);
      // Fair share: 4 executions over 10 per minute is one poll each per 24 s.
      expect(Math.max(...gaps), `${id} polled at ${at.join(', ')}`).toBeLessThanOrEqual(2 * 24_000);
    }
    const all = server.requests.map((r) => r.at);
    for (const t of all) expect(all.filter((a) => a >= t && a < t + 60_000).length).toBeLessThanOrEqual(10);
  });

  it('tells client.events of every poll, retry and wait, with its reason', async () => {
    let n = 0;
    const server = fakeServer((id, now) =>
      ++n === 2 ? { status: 503, headers: { 'retry-after': '3' }, body: {} } : { body: jobAt(id, now) },
    );
    const client = acme(server.fetch, { rateLimit: { requests: 2, intervalMs: 10_000 } });
    const events: WatchEvent[] = [];
    client.events.subscribe((e) => events.push(e));
    client.watch('wf:job-1').subscribe();
    await vi.advanceTimersByTimeAsync(20_000);
    const brief = events
      .slice(0, 5)
      .map((e) => `${e.type}:${e.reason}:${e.outcome ?? ''}:${e.status ?? ''}:${e.delayMs}`);
    expect(brief).toEqual([
      'poll:policy:ok::0',
      'wait:policy:::500',
      // 2 per 10 s is paced at one per 5 s: the second poll waits for budget.
      'wait:budget:::4500',
      'poll:policy:error:503:0',
      'retry:hint::503:3000',
    ]);
    expect(events[4]).toMatchObject({
      attempt: 1,
      maxRetries: 5,
      error: 'HttpError',
      provider: 'acme',
      executionId: 'wf:job-1',
    });
  });
});
