// What the relay answers before it streams anything, and what it never sends: bad requests
// and refusals cost no provider request, limits hold, and no byte a viewer receives holds the
// API key, on the error paths too.
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Subject, defer, of } from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { diff, eachlabs, type ExecutionSnapshot, type ExecutionUpdate } from '../../src/index.js';
import { createRelay, type RelayRef } from '../../src/server/index.js';
import { openSse, updatesOf, type SseStream } from '../helpers/sse.js';
import { SCRIPT, SIM_KEY, startRelay, type RelayHarness } from './support.js';

const harnesses: RelayHarness[] = [];
const streams: SseStream[] = [];
afterEach(async () => {
  for (const stream of streams.splice(0)) stream.close();
  await Promise.all(harnesses.splice(0).map((h) => h.close()));
});

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

async function json(url: string, init?: RequestInit): Promise<{ status: number; body: any; type: string | null }> {
  const res = await fetch(url, init);
  return { status: res.status, body: await res.json(), type: res.headers.get('content-type') };
}

/** Execution `e1` of the test's own provider `mine`, in `status`, with what `extra` says. */
function mine(status: ExecutionSnapshot['status'], extra: Partial<ExecutionSnapshot> = {}): ExecutionSnapshot {
  return { provider: 'mine', executionId: 'e1', status, rawStatus: status, steps: [], raw: null, ...extra };
}

describe('the relay refuses bad requests with a JSON error, at no provider cost', () => {
  it('404 for what is no route or names an unknown provider, 400 for a bad reference, 405 for a method', async () => {
    const h = await harness();
    const cases: [string, RequestInit | undefined, number, RegExp][] = [
      ['/', undefined, 404, /Not a relay route/],
      ['/eachlabs', undefined, 404, /Not a relay route/],
      ['/eachlabs/e1/more', undefined, 404, /Not a relay route/],
      [
        '/replicate/e1',
        undefined,
        404,
        /Unknown provider "replicate"; this relay serves "modelslab", "eachlabs", "datalab"/,
      ],
      ['/eachlabs/%20', undefined, 400, /Expected `executionId` to be a non-empty string/],
      ['/datalab/%E0%A4%A', undefined, 400, /Malformed percent-encoding/],
      ['/modelslab/12345', undefined, 400, /add \?workflowId=/],
      ['/modelslab/12345?workflowId=%20', undefined, 400, /Expected `workflowId`/],
      ['/eachlabs/e1', { method: 'POST', body: '{}' }, 405, /Only GET/],
    ];
    for (const [path, init, status, message] of cases) {
      const res = await json(`${h.url}${path}`, init);
      expect([path, res.status, res.type], path).toEqual([path, status, 'application/json; charset=utf-8']);
      expect(res.body.error.status).toBe(status);
      expect(res.body.error.message, path).toMatch(message);
    }
    expect(h.sim.requests).toEqual([]);
    for (const count of Object.values(h.counts)) expect(count.subscribed).toBe(0);
  });

  it('runs authorize with the request and the reference; a refusal is a 403 and polls nothing', async () => {
    const authorize = vi.fn<(request: Request, ref: RelayRef) => Promise<boolean>>(
      async (request) => request.headers.get('x-user') === 'ada',
    );
    const h = await harness({ authorize });
    const run = h.sim.createExecution('modelslab', SCRIPT);
    const route = `${h.url}/modelslab/${run.executionId}?workflowId=${run.workflowId}`;

    const refused = await json(route, { headers: { 'x-user': 'mallory' } });
    expect(refused).toMatchObject({ status: 403, body: { error: { status: 403 } } });
    expect(authorize).toHaveBeenCalledTimes(1);
    const [request, ref] = authorize.mock.calls[0]!;
    expect(new URL(request.url).pathname).toBe(`/modelslab/${run.executionId}`);
    expect(ref).toEqual({ provider: 'modelslab', executionId: run.executionId, workflowId: run.workflowId });
    expect(h.sim.requests).toEqual([]);
    expect(h.counts.modelslab.subscribed).toBe(0);

    // Checked before authorize: a bad path never reaches it.
    await json(`${h.url}/nope/1`);
    expect(authorize).toHaveBeenCalledTimes(1);

    const allowed = await open(route, { 'x-user': 'ada' });
    await allowed.until('an update', () => updatesOf(allowed).length > 0);
    expect(h.counts.modelslab.subscribed).toBe(1);
  });

  it('answers 500 without the reason when authorize throws', async () => {
    const h = await harness({
      authorize: () => {
        throw new Error('database password is hunter2');
      },
    });
    const res = await json(`${h.url}/eachlabs/e1`);
    expect(res.status).toBe(500);
    expect(JSON.stringify(res.body)).not.toContain('hunter2');
    expect(h.sim.requests).toEqual([]);
  });
});

describe('the relay keeps the API key out of every byte a viewer receives', () => {
  it('in updates, heartbeats and JSON errors of every provider', async () => {
    const h = await harness({ heartbeatMs: 15, includeRaw: true });
    const ml = h.sim.createExecution('modelslab', SCRIPT);
    const el = h.sim.createExecution('eachlabs', SCRIPT);
    const dl = h.sim.createExecution('datalab', SCRIPT);
    const viewers = await Promise.all([
      open(`${h.url}/modelslab/${ml.executionId}?workflowId=${ml.workflowId}`),
      open(`${h.url}/eachlabs/${el.executionId}`),
      open(`${h.url}/datalab/${dl.executionId}`),
    ]);
    await Promise.all(viewers.map((v) => v.until('an update', () => updatesOf(v).length > 0)));
    const [first] = viewers;
    await first.until('a heartbeat', () => first.comments.length > 1);
    h.advance(60_000);
    await Promise.all(viewers.map((v) => v.untilEnd()));
    expect(viewers.map((v) => updatesOf(v).at(-1)!.update.snapshot.status)).toEqual([
      'completed',
      'completed',
      'completed',
    ]);
    const errors = await Promise.all(
      ['/', '/x/1', '/eachlabs/%20'].map((p) => fetch(`${h.url}${p}`).then((r) => r.text())),
    );
    for (const bytes of [...viewers.map((v) => v.text()), ...errors]) expect(bytes).not.toContain(SIM_KEY);
    // The simulator did get the key, in headers: the relay is the only holder.
    expect(h.sim.requests.every((r) => r.auth === 'ok')).toBe(true);
  });

  it('in the watch-error of a key the provider refuses (401)', async () => {
    const wrong = 'sk-WRONG-relay-5d1c0f7a';
    const h = await harness({}, wrong);
    const ml = h.sim.createExecution('modelslab', SCRIPT);
    const el = h.sim.createExecution('eachlabs', SCRIPT);
    const viewers = await Promise.all([
      open(`${h.url}/modelslab/${ml.executionId}?workflowId=${ml.workflowId}`),
      open(`${h.url}/eachlabs/${el.executionId}`),
    ]);
    await Promise.all(viewers.map((v) => v.untilEnd()));
    for (const viewer of viewers) {
      expect(viewer.events.map((e) => e.event)).toEqual(['watch-error']);
      const error = JSON.parse(viewer.events[0]!.data);
      expect(error).toMatchObject({ name: 'AuthenticationError', status: 401, retryable: false });
      expect(viewer.text()).not.toContain(wrong);
      expect(viewer.text()).not.toContain(SIM_KEY);
    }
    expect(h.sim.requests.map((r) => r.auth)).toEqual(['invalid', 'invalid']);
  });

  it('scrubs `secrets` from events as a second line of defence', async () => {
    const secret = 'sk-live-"quoted"-42';
    const subject = new Subject<ExecutionUpdate>();
    const relay = createRelay({
      clients: { mine: { watch: () => subject } },
      authorize: () => true,
      includeRaw: true,
      secrets: [secret],
    });
    const res = await relay.fetch(new Request('http://relay.test/mine/e1'));
    const snapshot = mine('completed', { output: `echoed ${secret}`, raw: { key: secret } });
    subject.next({ snapshot, previous: undefined, changes: diff(undefined, snapshot) });
    subject.complete();
    const text = await res.text();
    expect(text).toContain('[REDACTED]');
    expect(text).not.toContain('sk-live');
    relay.close();
  });
});

describe('a viewer that saw the end', () => {
  it.each([0, 1])(
    'is told 204 when it reconnects with the final id, even when the relay keeps no channel for it (maxRetained %i)',
    async (maxRetained) => {
      const done = mine('completed');
      let watches = 0;
      const watch = () =>
        defer(() => {
          watches++;
          return of<ExecutionUpdate>({ snapshot: done, previous: undefined, changes: diff(undefined, done) });
        });
      const relay = createRelay({ clients: { mine: { watch } }, authorize: () => true, maxRetained });
      const first = await (await relay.fetch(new Request('http://relay.test/mine/e1'))).text();
      const finalId = /^id: (.+)$/m.exec(first)![1]!;
      await (await relay.fetch(new Request('http://relay.test/mine/e2'))).text(); // e1 is no longer kept
      const again = await relay.fetch(
        new Request('http://relay.test/mine/e1', { headers: { 'last-event-id': finalId } }),
      );
      expect(again.status).toBe(204);
      expect(watches).toBe(2); // e1 once, e2 once: the end cost nothing more
      relay.close();
    },
  );
});

describe('a viewer that joins late', () => {
  it('gets as the current state the steps the relay knows, even those the last body left out', async () => {
    const updates = new Subject<ExecutionUpdate>();
    const relay = createRelay({ clients: { mine: { watch: () => updates } }, authorize: () => true });
    const first = await relay.fetch(new Request('http://relay.test/mine/e1'));
    const base = mine('running', { steps: [{ key: 'b', name: 'b', status: 'running', rawStatus: 'running' }] });
    const without: ExecutionSnapshot = { ...base, steps: [], output: { out: 1 } }; // b left out
    updates.next({ snapshot: base, previous: undefined, changes: diff(undefined, base) });
    updates.next({ snapshot: without, previous: base, changes: diff(base, without) });
    const late = await relay.fetch(new Request('http://relay.test/mine/e1'));
    const reader = late.body!.getReader();
    let text = '';
    while (!/^data: .*\n/m.test(text)) text += new TextDecoder().decode((await reader.read()).value);
    const data = /^data: (.*)$/m.exec(text)![1]!;
    const update = JSON.parse(data) as ExecutionUpdate;
    expect(update.snapshot.steps.map((s) => s.key)).toEqual(['b']);
    expect(update.changes.map((c) => c.type)).toContain('step-added');
    await reader.cancel();
    await first.body?.cancel();
    relay.close();
  });
});

describe('the relay ends a stream after the terminal update', () => {
  it("even when the client's watch does not complete after it, and lets go of that watch", async () => {
    const subject = new Subject<ExecutionUpdate>();
    const relay = createRelay({ clients: { mine: { watch: () => subject } }, authorize: () => true });
    const res = await relay.fetch(new Request('http://relay.test/mine/e1'));
    const running = mine('running');
    const done = mine('completed');
    subject.next({ snapshot: running, previous: undefined, changes: diff(undefined, running) });
    subject.next({ snapshot: done, previous: running, changes: diff(running, done) });
    // The body ends (text() resolves) with the terminal update in it, the subject still open.
    const text = await res.text();
    expect(text.match(/^event: update$/gm)).toHaveLength(2);
    expect(text).toContain('"to":"completed"');
    expect(subject.observed).toBe(false);
    relay.close();
  });
});

describe('the relay bounds its streams and its memory', () => {
  const snapshotAt = (n: number): ExecutionSnapshot =>
    mine('running', {
      rawStatus: String(n),
      steps: [{ key: 'a', name: 'a', status: 'running', rawStatus: 'running', output: n }],
    });

  /** A relay over a client the test drives: each `emit(n)` is one update. */
  function driven(options: { maxHistoryEvents?: number; maxHistoryBytes?: number; maxStreams?: number }) {
    const subject = new Subject<ExecutionUpdate>();
    const relay = createRelay({ clients: { mine: { watch: () => subject } }, authorize: () => true, ...options });
    let previous: ExecutionSnapshot | undefined;
    const emit = (n: number): void => {
      const snapshot = snapshotAt(n);
      subject.next({ snapshot, previous, changes: diff(previous, snapshot) });
      previous = snapshot;
    };
    return { relay, emit };
  }

  const parseEvents = (text: string): { id: string; data: any }[] =>
    [...text.matchAll(/id: (.+)\nevent: update\ndata: (.+)\n\n/g)].map((m) => ({ id: m[1]!, data: JSON.parse(m[2]!) }));

  /** The first `n` update events of a stream that stays open. */
  async function firstEvents(res: Response, n: number): Promise<{ id: string; data: any }[]> {
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (parseEvents(text).length < n) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    reader.releaseLock();
    return parseEvents(text);
  }

  /** Every update event of a response, read to its end: close the relay first, or the stream stays open. */
  const allEvents = async (res: Response): Promise<{ id: string; data: any }[]> => parseEvents(await res.text());

  it('answers 503 over maxStreams, and takes a stream again once one closes', async () => {
    const { relay } = driven({ maxStreams: 2 });
    const aborts = [new AbortController(), new AbortController()];
    for (const a of aborts)
      expect((await relay.fetch(new Request('http://r/mine/e1', { signal: a.signal }))).status).toBe(200);
    const over = await relay.fetch(new Request('http://r/mine/e2'));
    expect(over.status).toBe(503);
    expect(over.headers.get('retry-after')).toBe('5');
    aborts[0]!.abort();
    expect((await relay.fetch(new Request('http://r/mine/e2'))).status).toBe(200);
    relay.close();
  });

  it('resumes from the history it holds, and past it sends the current state', async () => {
    const { relay, emit } = driven({ maxHistoryEvents: 3 });
    const get = (lastEventId: string) =>
      relay.fetch(new Request('http://r/mine/e1', { headers: { 'last-event-id': lastEventId } }));
    const watcher = await relay.fetch(new Request('http://r/mine/e1'));
    for (let n = 1; n <= 6; n++) emit(n);
    const all = await firstEvents(watcher, 6);
    expect(all.map((e) => e.data.snapshot.rawStatus)).toEqual(['1', '2', '3', '4', '5', '6']);

    const [resumed, past, current] = await Promise.all([get(all[3]!.id), get(all[1]!.id), get(all[5]!.id)]);
    relay.close();
    // Events 4 to 6 are kept: after 4, exactly 5 and 6, as sent the first time.
    expect(await allEvents(resumed)).toEqual(all.slice(4));
    // Event 2 is not kept any more: one update with the state, diffed from nothing.
    expect((await allEvents(past)).map((e) => [e.id, e.data.previous, e.data.snapshot.rawStatus])).toEqual([
      [all[5]!.id, undefined, '6'],
    ]);
    expect(await allEvents(current)).toEqual([]);
  });

  it('keeps at most maxHistoryBytes per execution, and always the latest event', async () => {
    const { relay, emit } = driven({ maxHistoryBytes: 1 });
    const watcher = await relay.fetch(new Request('http://r/mine/e1'));
    for (let n = 1; n <= 3; n++) emit(n);
    const all = await firstEvents(watcher, 3);
    const resumed = await relay.fetch(new Request('http://r/mine/e1', { headers: { 'last-event-id': all[1]!.id } }));
    relay.close();
    expect((await allEvents(resumed)).map((e) => [e.id, e.data.previous])).toEqual([[all[2]!.id, undefined]]);
  });
});

describe('createRelay options', () => {
  const client = { watch: () => new Subject<ExecutionUpdate>() };
  const allow = (): boolean => true;
  it.each<[Record<string, unknown>, RegExp]>([
    [{}, /Expected `clients` to be an object/],
    [{ clients: {}, authorize: allow }, /at least one client/],
    [{ clients: { x: {} }, authorize: allow }, /clients\.x/],
    [{ clients: { 'a/b': client }, authorize: allow }, /Expected `clients` to be keyed by path segments/],
    [{ clients: { x: client } }, /Expected `authorize` to be a function/],
    [{ clients: { x: client }, authorize: allow, heartbeatMs: 0 }, /heartbeatMs/],
    [{ clients: { x: client }, authorize: allow, basePath: 'relay' }, /basePath/],
    [{ clients: { x: client }, authorize: allow, maxStreams: 1.5 }, /maxStreams/],
    [{ clients: { x: client }, authorize: allow, maxRetained: -1 }, /maxRetained/],
    [{ clients: { x: client }, authorize: allow, secrets: 'k' }, /secrets/],
    [{ clients: { x: client }, authorize: allow, maxstreams: 1 }, /did you mean `maxStreams`/],
  ])('refuses %o', (options, message) => {
    expect(() => createRelay(options as never)).toThrow(message);
  });

  it('serves under basePath, and a trailing slash', async () => {
    const subject = new Subject<ExecutionUpdate>();
    const relay = createRelay({
      clients: { mine: { watch: () => subject } },
      authorize: () => true,
      basePath: '/api/relay/',
    });
    expect((await relay.fetch(new Request('http://r/mine/e1'))).status).toBe(404);
    expect((await relay.fetch(new Request('http://r/api/relay/mine/e1/'))).status).toBe(200);
    relay.close();
    expect((await relay.fetch(new Request('http://r/api/relay/mine/e1'))).status).toBe(503);
  });

  it('serves under a basePath with a space or a letter outside ASCII, as a URL carries them', async () => {
    for (const basePath of ['/my relay', '/relé']) {
      const relay = createRelay({
        clients: { mine: { watch: () => new Subject<ExecutionUpdate>() } },
        authorize: () => true,
        basePath,
      });
      const url = new URL(`${basePath}/mine/e1`, 'http://r').href;
      const res = await relay.fetch(new Request(url));
      expect(res.status, basePath).toBe(200);
      await res.body?.cancel();
      relay.close();
    }
  });

  it('says a ?workflowId= is the trouble for a provider that takes none', async () => {
    const relay = createRelay({ clients: { eachlabs: eachlabs({ apiKey: SIM_KEY }) }, authorize: () => true });
    const res = await relay.fetch(new Request('http://r/eachlabs/e1?workflowId=w1'));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/takes no \?workflowId/);
    relay.close();
  });

  it('answers a method Fetch cannot carry (TRACE) with the JSON error every refusal has', async () => {
    const relay = createRelay({
      clients: { mine: { watch: () => new Subject<ExecutionUpdate>() } },
      authorize: () => true,
    });
    const server = createServer((req, res) => relay.node(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const answer = await new Promise<{ status: number; body: string; type: string | undefined }>(
        (resolve, reject) => {
          const req = request({ host: '127.0.0.1', port, method: 'TRACE', path: '/mine/e1' }, (res) => {
            let body = '';
            res.on('data', (chunk: Buffer) => (body += chunk.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body, type: res.headers['content-type'] }));
          });
          req.on('error', reject);
          req.end();
        },
      );
      expect(answer.status).toBe(405);
      expect(answer.type).toMatch(/application\/json/);
      expect(JSON.parse(answer.body)).toMatchObject({ error: { status: 405 } });
    } finally {
      relay.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
