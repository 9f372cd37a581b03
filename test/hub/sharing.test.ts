import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ExecutionChange, ExecutionUpdate } from '../../src/index.js';
import { ConfigError } from '../../src/index.js';
import { acme, fakeServer, jobAt } from './support.js';

/** A start endpoint whose run is always `wf:job-9`. */
const start = {
  what: 'start',
  request: () => ({ method: 'POST' as const, path: ['start'] }),
  schema: { safeParse: (data: unknown) => ({ success: true as const, data }) },
  read: () => 'wf:job-9',
};

function describeChange(c: ExecutionChange): string {
  if (c.type === 'execution-status') return `status ${String(c.from)}→${c.to}`;
  if (c.type === 'step-added') return `added ${c.step.key}:${c.step.status}`;
  if (c.type === 'step-status') return `step ${c.step.key} ${c.from}→${c.to}`;
  return c.type;
}

/** Replays a viewer's updates over nothing: the final state it believes, step by step. */
function believed(updates: ExecutionUpdate[]): Record<string, string> {
  const steps: Record<string, string> = {};
  for (const u of updates) {
    for (const c of u.changes) {
      if (c.type === 'step-added') {
        expect(steps[c.step.key], `step ${c.step.key} added twice`).toBeUndefined();
        steps[c.step.key] = c.step.status;
      }
      if (c.type === 'step-status') {
        expect(steps[c.step.key], `status change for unseen step ${c.step.key}`).toBe(c.from);
        steps[c.step.key] = c.to;
      }
    }
  }
  return steps;
}

describe('the client hub: one poll per execution', () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  it('costs the same requests for 1, 3 and 100 subscribers of one execution', async () => {
    const counts: number[] = [];
    for (const n of [1, 3, 100]) {
      vi.setSystemTime(0);
      const server = fakeServer();
      const client = acme(server.fetch);
      let completed = 0;
      for (let i = 0; i < n; i++) client.watch('wf:job-1').subscribe({ complete: () => completed++ });
      await vi.advanceTimersByTimeAsync(5_000);
      expect(completed).toBe(n);
      counts.push(server.requests.length);
    }
    expect(counts[0]).toBeGreaterThan(1);
    expect(counts).toEqual([counts[0], counts[0], counts[0]]);
  });

  it('gives a late subscriber the current state first, so its story is whole: no change for a step it never saw added', async () => {
    const server = fakeServer();
    const client = acme(server.fetch);
    const early: ExecutionUpdate[] = [];
    const late: ExecutionUpdate[] = [];
    client.watch('wf:job-1').subscribe((u) => early.push(u));
    await vi.advanceTimersByTimeAsync(1_600); // task-1 done, task-2 running
    const before = server.requests.length;
    client.watch('wf:job-1').subscribe((u) => late.push(u));
    expect(server.requests.length).toBe(before); // joining costs no request
    expect(late).toHaveLength(1);
    expect(late[0]!.previous).toBeUndefined();
    expect(late[0]!.changes.map(describeChange).sort()).toEqual([
      'added task-1:completed',
      'added task-2:running',
      'status undefined→running',
    ]);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(believed(late)).toEqual(believed(early));
    expect(believed(late)).toEqual({ 'task-1': 'completed', 'task-2': 'completed', 'task-3': 'completed' });
    expect(late.at(-1)!.snapshot.status).toBe('completed');
  });

  it('diffs a late subscriber from its own since, and refuses a since of another execution', async () => {
    const server = fakeServer();
    const client = acme(server.fetch);
    client.watch('wf:job-1').subscribe();
    await vi.advanceTimersByTimeAsync(1_600);
    const since = {
      provider: 'acme',
      executionId: 'wf:job-1',
      status: 'running' as const,
      rawStatus: 'running',
      raw: null,
      steps: [{ key: 'task-1', name: 'task-1', status: 'running' as const, rawStatus: 'running' }],
    };
    const late: ExecutionUpdate[] = [];
    client.watch('wf:job-1', { since }).subscribe((u) => late.push(u));
    expect(late[0]!.changes.map(describeChange)).toEqual(['step task-1 running→completed', 'added task-2:running']);
    expect(() => client.watch('wf:job-2', { since })).toThrow(ConfigError);
    expect(() => client.watch('wf:job-2', { since })).toThrow(/since.*wf:job-2/);
  });

  it('gives a late subscriber whose since is newer than the last poll no catch-up that goes back, and no repeat', async () => {
    const server = fakeServer();
    const client = acme(server.fetch, { backoff: { initialDelayMs: 10_000, maxDelayMs: 10_000, jitter: 'none' } });
    client.watch('wf:job-1').subscribe(); // the shared poll's latest: task-1 running, from 0 ms
    await vi.advanceTimersByTimeAsync(1_500);
    const since = await client.get('wf:job-1'); // persisted elsewhere at 1.5 s: task-1 completed, task-2 running
    const late: ExecutionUpdate[] = [];
    client.watch('wf:job-1', { since }).subscribe((u) => late.push(u));
    expect(late).toEqual([]); // task-1 completed→running would be news from the past
    await vi.advanceTimersByTimeAsync(20_000); // the next shared poll, at 10 s: all done
    expect(late.flatMap((u) => u.changes.map(describeChange))).toEqual([
      'step task-2 running→completed',
      'added task-3:completed',
      'status running→completed',
    ]);
  });

  it('gives a late subscriber the steps the poll keeps though the last body left them out', async () => {
    const server = fakeServer((id, now) => ({
      body:
        now < 500
          ? { id, state: 'queued', tasks: [{ name: 'c', state: 'queued' }] }
          : now < 1_000
            ? { id, state: 'running', tasks: [] } // c left out
            : { id, state: 'running', tasks: [{ name: 'c', state: 'queued' }] }, // back, unchanged
    }));
    const client = acme(server.fetch);
    client.watch('wf:job-1').subscribe();
    await vi.advanceTimersByTimeAsync(700); // polls at 0 and 500
    const late: ExecutionUpdate[] = [];
    client.watch('wf:job-1').subscribe((u) => late.push(u));
    await vi.advanceTimersByTimeAsync(1_000); // the poll at 1 s changes nothing for the shared poll
    expect(late.flatMap((u) => u.changes.map(describeChange))).toEqual(['added c:queued', 'status undefined→running']);
  });

  it('stops the poll and aborts its request when the last subscriber leaves, not before', async () => {
    const server = fakeServer();
    const signals: AbortSignal[] = [];
    const client = acme(async (input, init) => {
      signals.push(init!.signal!);
      // From the third request on, the server never answers.
      if (signals.length >= 3) return new Promise<Response>(() => {});
      return server.fetch(input, init);
    });
    const a = client.watch('wf:job-1').subscribe();
    const b = client.watch('wf:job-1').subscribe();
    await vi.advanceTimersByTimeAsync(600);
    a.unsubscribe();
    await vi.advanceTimersByTimeAsync(500);
    expect(signals).toHaveLength(3);
    expect(signals[2]!.aborted).toBe(false); // b still watches
    b.unsubscribe();
    expect(signals[2]!.aborted).toBe(true);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(signals).toHaveLength(3);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('keeps every other viewer whole whichever leaves, first or last, and stops only with the last', async () => {
    const server = fakeServer((id, now) => ({ body: jobAt(id, now, 3, 10_000) }));
    const client = acme(server.fetch, { backoff: { initialDelayMs: 1_000, maxDelayMs: 1_000, jitter: 'none' } });
    const seen = {
      a: [] as ExecutionUpdate[],
      b: [] as ExecutionUpdate[],
      c: [] as ExecutionUpdate[],
      d: [] as ExecutionUpdate[],
    };
    const subs = Object.fromEntries(
      Object.entries(seen).map(([name, updates]) => [name, client.watch('wf:job-1').subscribe((u) => updates.push(u))]),
    );
    await vi.advanceTimersByTimeAsync(5_000);
    subs['a']!.unsubscribe(); // the first to join
    await vi.advanceTimersByTimeAsync(5_000);
    subs['d']!.unsubscribe(); // the last to join
    await vi.advanceTimersByTimeAsync(5_000);
    subs['b']!.unsubscribe();
    await vi.advanceTimersByTimeAsync(20_000); // c alone, to the end
    const final = { 'task-1': 'completed', 'task-2': 'completed', 'task-3': 'completed' };
    expect(believed(seen.c)).toEqual(final);
    expect(seen.c.at(-1)!.snapshot.status).toBe('completed');
    expect(believed(seen.b)).toEqual({ 'task-1': 'completed', 'task-2': 'running' }); // left at 15 s
    expect(seen.b.map((u) => u.snapshot.steps.length)).toEqual(
      seen.c.slice(0, seen.b.length).map((u) => u.snapshot.steps.length),
    );
    // One poll all along: a request a second while running, none after the end.
    expect(server.requests.length).toBeLessThanOrEqual(32);
    expect(vi.getTimerCount()).toBe(0);

    // All leave while it runs, first, last, then the middle: the poll stops with the last.
    const again = fakeServer((id, now) => ({ body: jobAt(id, now, 3, 60_000) }));
    const other = acme(again.fetch);
    const [x, y, z] = [1, 2, 3].map(() => other.watch('wf:job-2').subscribe());
    await vi.advanceTimersByTimeAsync(2_000);
    x!.unsubscribe();
    z!.unsubscribe();
    expect(vi.getTimerCount()).toBe(1); // y's poll goes on
    y!.unsubscribe();
    expect(vi.getTimerCount()).toBe(0);
    const made = again.requests.length;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(again.requests).toHaveLength(made);
  });

  it('keeps per-subscription maxWaitMs: one subscriber times out, the other goes on', async () => {
    const server = fakeServer();
    const client = acme(server.fetch);
    const errors: unknown[] = [];
    let completed = false;
    client.watch('wf:job-1', { maxWaitMs: 1_000 }).subscribe({ error: (e: unknown) => errors.push(e) });
    client.watch('wf:job-1').subscribe({ complete: () => (completed = true) });
    await vi.advanceTimersByTimeAsync(5_000);
    expect(errors).toHaveLength(1);
    expect((errors[0] as Error).name).toBe('TimeoutError');
    expect(completed).toBe(true);
  });

  it('runs a watch that brings its own random apart: its own poll', async () => {
    const server = fakeServer();
    const client = acme(server.fetch);
    client.watch('wf:job-1').subscribe();
    client.watch('wf:job-1', { random: () => 0.5 }).subscribe();
    await vi.advanceTimersByTimeAsync(0);
    expect(server.requests.filter((r) => r.id === 'wf:job-1')).toHaveLength(2);
  });

  it("tells runAndWatch's onStart the new reference before the first poll", async () => {
    const server = fakeServer();
    const client = acme(server.fetch);
    const seen: string[] = [];
    client
      .runAndWatch(start, undefined, { onStart: (ref) => seen.push(`${ref} after ${server.requests.length} polls`) })
      .subscribe();
    await vi.advanceTimersByTimeAsync(0);
    expect(seen).toEqual(['wf:job-9 after 1 polls']); // the POST only
    expect(server.requests.map((r) => r.id)).toEqual(['', 'wf:job-9']);
    expect(jobAt('x', 0).state).toBe('running');
  });

  it('refuses a since on runAndWatch before starting anything: no snapshot can be of an execution not started yet', async () => {
    const server = fakeServer();
    const client = acme(server.fetch);
    const since = await client.get('wf:job-1');
    const requests = server.requests.length;
    expect(() => client.runAndWatch(start, undefined, { since })).toThrow(ConfigError);
    expect(() => client.runAndWatch(start, undefined, { since })).toThrow(/`since`.*absent/);
    await vi.advanceTimersByTimeAsync(0);
    expect(server.requests.length).toBe(requests); // no run started
  });
});
