// A viewer that never reads (a stalled tab, a dead peer) is cut off once maxBufferedBytes wait
// for it: its connection is closed and what was queued for it dropped, so neither its socket
// nor its bytes stay in the relay, however many such viewers come.
import { createServer, type ServerResponse } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { Subject, defer } from 'rxjs';
import { expect, it } from 'vitest';
import { diff, type ExecutionSnapshot, type ExecutionUpdate } from '../../src/index.js';
import { createRelay } from '../../src/server/index.js';

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

it('closes the connection of a viewer that does not read, and keeps nothing for it', async () => {
  const updates = new Subject<ExecutionUpdate>();
  const relay = createRelay({ clients: { mine: { watch: () => updates } }, authorize: () => true, maxStreams: 1 });
  const responses: ServerResponse[] = [];
  let written = 0;
  const server = createServer((req, res) => {
    responses.push(res);
    const write = res.write.bind(res) as (chunk: Uint8Array) => boolean;
    (res as unknown as { write: (chunk: Uint8Array) => boolean }).write = (chunk) => {
      written += chunk.byteLength;
      return write(chunk);
    };
    relay.node(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
  try {
    socket.pause(); // sends its request, never reads
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    socket.write('GET /mine/e1 HTTP/1.1\r\nHost: relay.test\r\n\r\n');
    await new Promise<void>((resolve) => server.once('request', () => setImmediate(resolve)));

    // Updates of 500 KB each, far more than the socket takes, until the relay lets the
    // viewer go (maxStreams 1: a second stream is then accepted).
    let previous: ExecutionSnapshot | undefined;
    let accepted = 503;
    for (let n = 0; n < 60 && accepted !== 200; n++) {
      const snapshot: ExecutionSnapshot = {
        provider: 'mine',
        executionId: 'e1',
        status: 'running',
        rawStatus: String(n),
        steps: [],
        output: 'x'.repeat(500_000) + n,
        raw: null,
      };
      updates.next({ snapshot, previous, changes: diff(previous, snapshot) });
      previous = snapshot;
      await turn();
      const probe = new AbortController();
      const other = await relay.fetch(new Request('http://relay.test/mine/e2', { signal: probe.signal }));
      accepted = other.status;
      probe.abort();
      await other.body?.cancel();
    }
    expect(accepted).toBe(200);
    for (let i = 0; i < 20 && !responses[0]!.destroyed; i++) await turn();
    expect(responses[0]!.destroyed).toBe(true); // the connection is closed, not left open
    const writtenAtCut = written;
    socket.resume();
    await new Promise<void>((resolve) => socket.once('close', () => resolve()));
    expect(written - writtenAtCut).toBe(0); // nothing more was held for it
  } finally {
    socket.destroy();
    relay.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

it('completes the channel when the terminal update cuts its last viewer off: the next viewer costs no provider request', async () => {
  let watches = 0;
  const updates = new Subject<ExecutionUpdate>();
  const relay = createRelay({
    clients: { mine: { watch: () => defer(() => (watches++, updates)) } },
    authorize: () => true,
  });
  try {
    const stalled = await relay.fetch(new Request('http://relay.test/mine/e1')); // never read
    const at = (n: number, status: ExecutionSnapshot['status']): ExecutionSnapshot => ({
      provider: 'mine',
      executionId: 'e1',
      status,
      rawStatus: status,
      steps: [],
      output: 'x'.repeat(400_000) + n,
      raw: null,
    });
    const [a, b, c] = [at(1, 'running'), at(2, 'running'), at(3, 'completed')];
    updates.next({ snapshot: a, previous: undefined, changes: diff(undefined, a) });
    updates.next({ snapshot: b, previous: a, changes: diff(a, b) });
    updates.next({ snapshot: c, previous: b, changes: diff(b, c) }); // over 1 MiB queued: this one cuts it off
    await stalled.body?.cancel().catch(() => undefined);
    const later = await relay.fetch(new Request('http://relay.test/mine/e1'));
    const text = await later.text(); // ends: the execution has ended
    expect(text).toContain('"status":"completed"');
    expect(watches).toBe(1);
  } finally {
    relay.close();
  }
});
