import { Subject } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfigError, type ExecutionUpdate, type WatchEvent } from '../../src/index.js';
import { acme, fakeServer, jobAt } from './support.js';

describe('wake hints and stalls', () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  it('polls at once on a wake, coalesced across subscribers, and relaxes the cadence to a safety net', async () => {
    const server = fakeServer((id, now) => ({ body: jobAt(id, now, 3, 100_000) }));
    const client = acme(server.fetch);
    const wakeA = new Subject<void>();
    const wakeB = new Subject<void>();
    const events: WatchEvent[] = [];
    client.events.subscribe((e) => events.push(e));
    client.watch('wf:job-1', { wake: wakeA }).subscribe();
    client.watch('wf:job-1', { wake: wakeB }).subscribe();
    await vi.advanceTimersByTimeAsync(30_000);
    expect(server.requests).toHaveLength(1); // the first poll; then the safety net, not the 500 ms policy
    wakeA.next();
    wakeB.next(); // while A's poll is in flight: one more poll right after it, not two
    await vi.advanceTimersByTimeAsync(0);
    expect(server.requests.length).toBeLessThanOrEqual(3);
    expect(server.requests.length).toBeGreaterThanOrEqual(2);
    expect(server.requests.every((r) => r.at < 60_000)).toBe(true);
    expect(events.some((e) => e.type === 'poll' && e.reason === 'wake')).toBe(true);
    const before = server.requests.length;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(server.requests.length).toBe(before + 1); // the safety net
  });

  it("says a wait stretched to the safety net is the wake source's, not the policy's", async () => {
    const server = fakeServer((id, now) => ({ body: jobAt(id, now, 3, 100_000) }));
    const client = acme(server.fetch);
    const events: WatchEvent[] = [];
    client.events.subscribe((e) => events.push(e));
    client.watch('wf:job-1', { wake: new Subject() }).subscribe();
    await vi.advanceTimersByTimeAsync(10);
    // The policy alone would wait 500 ms.
    expect(events.filter((e) => e.type === 'wait')).toEqual([
      expect.objectContaining({ delayMs: 60_000, reason: 'wake' }),
    ]);
  });

  it('takes a wake that comes while the poll still waits for budget as answered by that poll', async () => {
    const server = fakeServer((id, now) => ({ body: jobAt(id, now, 3, 100_000) }));
    const client = acme(server.fetch, { rateLimit: { requests: 1, intervalMs: 10_000 } });
    const wake = new Subject<void>();
    client.watch('wf:job-1', { wake }).subscribe();
    await vi.advanceTimersByTimeAsync(100); // the first poll, at 0
    wake.next(); // polls now: waits for budget until 10 s
    await vi.advanceTimersByTimeAsync(1_000);
    wake.next(); // nothing has left yet, so the poll that leaves at 10 s answers this one too
    await vi.advanceTimersByTimeAsync(25_000);
    expect(server.requests.map((r) => r.at)).toEqual([0, 10_000]);
    wake.next(); // a wake with nothing in flight still polls
    await vi.advanceTimersByTimeAsync(10_000);
    expect(server.requests.map((r) => r.at)).toEqual([0, 10_000, 26_100]);
  });

  it('emits one stalled change per stall while running, and again after a change and a new stall', async () => {
    const server = fakeServer((id, now) => ({ body: jobAt(id, now, 2, 20_000) }));
    const client = acme(server.fetch);
    const stalls: ExecutionUpdate[] = [];
    client.watch('wf:job-1', { stallAfterMs: 5_000 }).subscribe((u) => {
      if (u.changes.some((c) => c.type === 'stalled')) stalls.push(u);
    });
    await vi.advanceTimersByTimeAsync(19_000);
    expect(stalls).toHaveLength(1);
    expect(stalls[0]!.changes).toEqual([{ type: 'stalled', executionId: 'wf:job-1', sinceMs: 5_000 }]);
    expect(stalls[0]!.snapshot.status).toBe('running');
    await vi.advanceTimersByTimeAsync(10_000); // task-2 starts at 20 s: a change, then a new stall
    expect(stalls).toHaveLength(2);
  });

  it('refuses a wake that is not an Observable and a stallAfterMs that is not positive', () => {
    const client = acme(fakeServer().fetch);
    expect(() => client.watch('wf:job-1', { wake: (() => {}) as never })).toThrow(ConfigError);
    expect(() => client.watch('wf:job-1', { stallAfterMs: 0 })).toThrow(/stallAfterMs/);
  });
});
