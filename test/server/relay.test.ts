// The relay against the simulator over real HTTP: one poll for every viewer, resume without
// repeats, the end of the stream at the terminal update, and the poll stopped with the last
// viewer. The simulator's clock is frozen and moved by the tests.
import { afterEach, describe, expect, it } from 'vitest';
import { openSse, updatesOf, type SseStream } from '../helpers/sse.js';
import { SCRIPT, startRelay, type RelayHarness } from './support.js';

const harnesses: RelayHarness[] = [];
const streams: SseStream[] = [];

async function harness(...args: Parameters<typeof startRelay>): Promise<RelayHarness> {
  const h = await startRelay(...args);
  harnesses.push(h);
  return h;
}

async function open(url: string, headers?: Record<string, string>): Promise<SseStream> {
  const stream = await openSse(url, headers);
  streams.push(stream);
  return stream;
}

const untilUpdates = (stream: SseStream, n: number): Promise<void> =>
  stream.until(`${n} updates`, () => updatesOf(stream).length >= n);

const typesOf = (update: { changes: { type: string; step?: { key: string }; to?: string }[] }): string[] =>
  update.changes.map((c) => [c.type, c.step?.key, c.to].filter(Boolean).join(':'));

afterEach(async () => {
  for (const stream of streams.splice(0)) stream.close();
  await Promise.all(harnesses.splice(0).map((h) => h.close()));
});

describe('createRelay over HTTP', () => {
  it('serves every viewer of an execution from one poll, the late ones starting from the current state', async () => {
    const h = await harness();
    const { executionId } = h.sim.createExecution('eachlabs', SCRIPT);
    const route = `${h.url}/eachlabs/${executionId}`;

    const viewers = await Promise.all(Array.from({ length: 5 }, () => open(route)));
    for (const viewer of viewers) {
      expect(viewer.status).toBe(200);
      expect(viewer.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
      expect(viewer.headers.get('cache-control')).toBe('no-cache, no-transform');
    }
    await Promise.all(viewers.map((v) => untilUpdates(v, 1)));
    h.advance(1_500); // parse running
    await Promise.all(viewers.map((v) => untilUpdates(v, 2)));

    // A viewer arriving now gets one update describing the state, under the latest id.
    const late = await open(route);
    await untilUpdates(late, 1);
    const [first] = updatesOf(late);
    expect(first!.id).toBe(updatesOf(viewers[0]!).at(-1)!.id);
    expect(first!.update.previous).toBeUndefined();
    expect(first!.update.snapshot.status).toBe('running');
    expect(typesOf(first!.update)).toEqual([
      'step-added:parse',
      'step-added:extract',
      'step-added:summarize',
      'execution-status:running',
    ]);

    h.advance(10_000);
    const all = [...viewers, late];
    await Promise.all(all.map((v) => v.untilEnd()));

    // One watch for all six, and every viewer saw the same events under the same ids.
    expect(h.counts.eachlabs.subscribed).toBe(1);
    const sequences = viewers.map((v) => updatesOf(v));
    for (const sequence of sequences) expect(sequence).toEqual(sequences[0]);
    expect(sequences[0]!.map((u) => u.update.snapshot.status)).toEqual(['queued', 'running', 'completed']);
    expect(updatesOf(late).map((u) => u.id)).toEqual(sequences[0]!.slice(1).map((u) => u.id));

    // Ids increase; snapshots carry no `raw` by default; the terminal change comes last.
    const seq = sequences[0]!.map((u) => Number(u.id!.split('-').at(-1)));
    expect(seq).toEqual([...seq].sort((a, b) => a - b));
    expect(new Set(seq).size).toBe(seq.length);
    for (const { update } of sequences[0]!) {
      expect(update.snapshot).not.toHaveProperty('raw');
      expect(update.previous === undefined || !('raw' in update.previous)).toBe(true);
    }
    expect(typesOf(sequences[0]!.at(-1)!.update).at(-1)).toBe('execution-status:completed');
  });

  it('sends `raw` with includeRaw', async () => {
    const h = await harness({ includeRaw: true });
    const run = h.sim.createExecution('modelslab', SCRIPT);
    const viewer = await open(`${h.url}/modelslab/${run.executionId}?workflowId=${run.workflowId}`);
    await untilUpdates(viewer, 1);
    const { update } = updatesOf(viewer)[0]!;
    expect(update.snapshot.raw.execution.id).toBe(Number(run.executionId));
    expect(update.snapshot.workflowId).toBe(run.workflowId);
  });

  it('resumes a viewer that comes back with Last-Event-ID with exactly the events it missed', async () => {
    const h = await harness();
    const { executionId } = h.sim.createExecution('datalab', SCRIPT);
    const route = `${h.url}/datalab/${executionId}`;
    const a = await open(route);
    const b = await open(route);
    await Promise.all([untilUpdates(a, 1), untilUpdates(b, 1)]);
    const seen = updatesOf(a).at(-1)!.id!;
    a.close();

    h.advance(1_500);
    await untilUpdates(b, 2);
    h.advance(1_000);
    await untilUpdates(b, 3);

    const again = await open(route, { 'last-event-id': seen });
    await untilUpdates(again, 2);
    expect(updatesOf(again)).toEqual(updatesOf(b).slice(1));
    expect(again.text()).toContain(b.events[1]!.data); // the same bytes, not a re-encoding
    expect(h.counts.datalab.subscribed).toBe(1);
  });

  it('continues the watch with `since` when the last viewer comes back, repeating nothing', async () => {
    const h = await harness();
    const { executionId } = h.sim.createExecution('eachlabs', SCRIPT);
    const route = `${h.url}/eachlabs/${executionId}`;
    const first = await open(route);
    await untilUpdates(first, 1);
    const { id, update: queued } = updatesOf(first)[0]!;
    first.close();
    await h.counts.eachlabs.untilActive(0); // the last viewer left: the poll stopped

    h.advance(1_500);
    const back = await open(route, { 'last-event-id': id! });
    await untilUpdates(back, 1);
    const { update } = updatesOf(back)[0]!;
    expect(update.previous).toEqual(queued.snapshot);
    expect(typesOf(update)).toEqual(['step-status:parse:running', 'execution-status:running']);
    expect(h.counts.eachlabs.subscribed).toBe(2);
    expect(h.counts.eachlabs.since).toEqual([undefined, queued.snapshot]);
  });

  it('ends the stream after the terminal update, and serves the end again without polling', async () => {
    const h = await harness();
    const { executionId } = h.sim.createExecution('eachlabs', SCRIPT);
    const route = `${h.url}/eachlabs/${executionId}`;
    h.advance(60_000); // already completed
    const viewer = await open(route);
    await viewer.untilEnd();
    const [terminal] = updatesOf(viewer);
    expect(terminal!.update.snapshot.status).toBe('completed');
    const polls = h.statusRequests(executionId).length;
    expect(polls).toBe(1);

    // An EventSource reconnects after the end: told 204, it stops.
    const reconnect = await fetch(route, { headers: { 'last-event-id': terminal!.id! } });
    expect(reconnect.status).toBe(204);
    // A new viewer gets the end from the history, at no provider cost.
    const later = await open(route);
    await later.untilEnd();
    expect(updatesOf(later)).toEqual([terminal]);
    expect(h.statusRequests(executionId)).toHaveLength(polls);
    expect(h.counts.eachlabs.subscribed).toBe(1);
  });

  it('stops the poll when the last viewer disconnects, not before', async () => {
    const h = await harness();
    const { executionId } = h.sim.createExecution('eachlabs', SCRIPT);
    const route = `${h.url}/eachlabs/${executionId}`;
    const a = await open(route);
    const b = await open(route);
    await Promise.all([untilUpdates(a, 1), untilUpdates(b, 1)]);
    a.close();
    h.advance(1_500);
    await untilUpdates(b, 2); // still polled for b
    expect(h.counts.eachlabs.active).toBe(1);

    b.close();
    await h.counts.eachlabs.untilActive(0);
    const polls = h.statusRequests(executionId).length;
    h.advance(1_000);
    // Ten poll intervals (BACKOFF.maxDelayMs is 20): a running poll would have asked again.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(h.statusRequests(executionId)).toHaveLength(polls);
  });

  it('ends with a typed watch-error event, and an EventSource that saw it is told to stop', async () => {
    const h = await harness();
    const route = `${h.url}/datalab/999999`;
    const viewer = await open(route);
    await viewer.untilEnd();
    const [error] = viewer.events;
    expect(error!.event).toBe('watch-error');
    expect(JSON.parse(error!.data)).toEqual({
      name: 'NotFoundError',
      message: expect.any(String),
      status: 404,
      provider: 'datalab',
      executionId: '999999',
      retryable: false,
    });
    expect((await fetch(route, { headers: { 'last-event-id': error!.id! } })).status).toBe(204);
    // A new viewer tries again: the execution may exist by now.
    const retry = await open(route);
    await retry.untilEnd();
    expect(retry.events.map((e) => e.event)).toEqual(['watch-error']);
    expect(h.counts.datalab.subscribed).toBe(2);
  });

  it('sends heartbeats as comments', async () => {
    const h = await harness({ heartbeatMs: 20 });
    const { executionId } = h.sim.createExecution('eachlabs', SCRIPT);
    const viewer = await open(`${h.url}/eachlabs/${executionId}`);
    await viewer.until('a heartbeat', () => viewer.comments.includes('heartbeat'));
    expect(viewer.text().startsWith('retry: 1000\n: runwatch relay\n\n')).toBe(true);
  });
});
