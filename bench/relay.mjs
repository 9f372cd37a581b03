// The relay (runwatch/server) in front of the simulator, over real HTTP on loopback, with
// plain node:http viewers. Prints one JSON line per measure:
//   provider-requests  status requests the simulator answered for one execution watched to
//                      its end by 1, 10 and 100 viewers (goal: the same for all three). The
//                      simulator's clock moves 50 ms per request, so the count depends on the
//                      number of polls, not on how fast this machine is; and the watch starts
//                      once every viewer is connected, so each viewer sees the whole story.
//   memory             heap per open viewer stream: N streams to the relay, against N bare SSE
//                      connections to a trivial server in the same run (both include the
//                      viewers' own sockets, so the difference is the relay's share).
//   latency            from the simulator's response carrying a change (its last byte written)
//                      to the relay's last write of the event (relayMs: the relay's own work,
//                      parsing and diffing included) and to its arrival at the first and the
//                      last viewer; medians over rounds, the poll delay itself not counted.
//                      The viewers run in a child process, so their own work is not the relay's.
// Run: npm run bench:relay      (N=2000 ROUNDS=30 to change the sizes)
import { fork } from 'node:child_process';
import { createServer, get } from 'node:http';
import { fileURLToPath } from 'node:url';
import { defer, switchMap } from 'rxjs';
import { eachlabs } from '../dist/index.js';
import { createRelay } from '../dist/server/index.js';
import { startSimulator } from '../dist/testing/index.js';

const N = Number(process.env.N ?? 1_000);
const ROUNDS = Number(process.env.ROUNDS ?? 20);
const T0 = Date.parse('2026-01-01T10:00:00Z');
/** A high-resolution time comparable between processes on one machine. */
const clock = () => performance.timeOrigin + performance.now();

const listen = (server) =>
  new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${server.address().port}`)));
const close = (server) =>
  new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

/**
 * A simulator, an EachLabs client with a fixed poll delay, a relay on node:http. `gate`, a
 * promise, holds the relay's watch back until it resolves; `onWrite` sees each chunk written.
 */
async function setup({ pollMs, clockStepMs = 0, gate, onWrite }) {
  let now = T0;
  const sim = await startSimulator({ now: () => now });
  // Moving the clock after each request (the simulator reads it as the request arrives)
  // makes an execution end after a fixed number of polls.
  if (clockStepMs > 0) sim.server.on('request', () => (now += clockStepMs));
  const client = eachlabs({
    apiKey: sim.apiKey,
    baseUrl: sim.baseUrls.eachlabs,
    rateLimit: false,
    backoff: { initialDelayMs: pollMs, maxDelayMs: pollMs, multiplier: 1, jitter: 'none' },
  });
  const gated = {
    watch: (ref, options) => {
      const source = client.watch(ref, options);
      return gate === undefined ? source : defer(() => gate).pipe(switchMap(() => source));
    },
  };
  const relay = createRelay({ clients: { eachlabs: gated }, authorize: () => true });
  const server = createServer((req, res) => {
    if (onWrite !== undefined) {
      const write = res.write.bind(res);
      res.write = (chunk) => {
        onWrite(clock());
        return write(chunk);
      };
    }
    relay.node(req, res);
  });
  const url = await listen(server);
  return {
    sim,
    url,
    advance: (ms) => (now += ms),
    async close() {
      relay.close();
      await close(server);
      await sim.close();
    },
  };
}

/**
 * One viewer: a GET that reads the event stream. `updates` counts update events; `onUpdate`
 * is called with the arrival time of each; `ready` resolves at the first byte, `ended` at the end.
 */
function viewer(url, onUpdate = () => {}) {
  const v = { updates: 0, request: undefined };
  let first;
  v.ready = new Promise((resolve) => (first = resolve));
  v.ended = new Promise((resolve, reject) => {
    v.request = get(url, { headers: { accept: 'text/event-stream' } }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        const at = performance.now();
        first();
        const count = chunk.split('event: update\n').length - 1;
        for (let i = 0; i < count; i++) onUpdate(at, ++v.updates);
      });
      res.on('end', resolve);
      res.on('error', resolve);
    });
    v.request.on('error', reject);
  });
  return v;
}

async function providerRequests(viewers) {
  let go;
  const gate = new Promise((resolve) => (go = resolve));
  const h = await setup({ pollMs: 5, clockStepMs: 50, gate });
  const steps = ['a', 'b', 'c'].map((name) => ({ name, durationMs: 100 }));
  const { executionId } = h.sim.createExecution('eachlabs', { queuedMs: 100, steps });
  const all = Array.from({ length: viewers }, () => viewer(`${h.url}/eachlabs/${executionId}`));
  await Promise.all(all.map((v) => v.ready));
  go();
  await Promise.all(all.map((v) => v.ended));
  const requests = h.sim.requests.filter((r) => r.endpoint === 'status').length;
  const updates = [...new Set(all.map((v) => v.updates))];
  await h.close();
  return {
    bench: 'relay',
    measure: 'provider-requests',
    viewers,
    providerRequests: requests,
    updatesPerViewer: updates,
  };
}

/** Heap after a full collection, and after the event loop has settled. */
async function heap() {
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setImmediate(r));
    globalThis.gc?.();
  }
  return process.memoryUsage().heapUsed;
}

/** Opens `n` streams to `url` (each ready at its first byte), measures the heap, closes them. */
async function heapPerStream(url, n) {
  const before = await heap();
  const streams = [];
  for (let i = 0; i < n; i += 100) {
    const batch = Array.from({ length: Math.min(100, n - i) }, () => viewer(url));
    await Promise.all(batch.map((v) => v.ready));
    streams.push(...batch);
  }
  const after = await heap();
  for (const v of streams) v.request.destroy();
  return Math.round((after - before) / n);
}

async function memory() {
  if (globalThis.gc === undefined) throw new Error('run with node --expose-gc (npm run bench:relay does)');
  // The floor: an SSE endpoint that sends its headers and one comment, and holds the socket.
  const bare = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.write(': ok\n\n');
  });
  const bareUrl = await listen(bare);
  const h = await setup({ pollMs: 60_000 }); // one poll, then quiet: the streams are all that moves
  const { executionId } = h.sim.createExecution('eachlabs', {
    queuedMs: 1_000_000,
    steps: [{ name: 'a', durationMs: 1 }],
  });
  const relayUrl = `${h.url}/eachlabs/${executionId}`;
  await heapPerStream(bareUrl, Math.min(N, 200)); // warm both paths up
  await heapPerStream(relayUrl, Math.min(N, 200));
  const baseline = await heapPerStream(bareUrl, N);
  const relay = await heapPerStream(relayUrl, N);
  await close(bare);
  await h.close();
  return {
    bench: 'relay',
    measure: 'memory',
    streams: N,
    baselineHeapBytesPerStream: baseline,
    relayHeapBytesPerStream: relay,
    relayOverheadBytesPerStream: relay - baseline,
  };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (ms) => Math.round(ms * 100) / 100;

async function latency(viewers) {
  let lastWrite = 0;
  const h = await setup({ pollMs: 20, onWrite: (at) => (lastWrite = at) });
  // The simulator's response times, by arrival: the first response after a clock move carries the change.
  const responses = [];
  h.sim.server.on('request', (req, res) => {
    const entry = { arrived: clock(), sent: undefined };
    responses.push(entry);
    res.on('finish', () => (entry.sent = clock()));
  });
  const steps = Array.from({ length: ROUNDS + 2 }, (_, i) => ({ name: `s${i}`, durationMs: 1_000 }));
  const { executionId } = h.sim.createExecution('eachlabs', { queuedMs: 0, steps });
  const child = fork(fileURLToPath(import.meta.url), ['--viewers'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const rounds = new Map(); // update number → { first, last } arrival, reported by the child
  let waiting;
  child.on('message', (m) => {
    rounds.set(m.n, m);
    waiting?.(m.n);
  });
  const arrival = (n) =>
    new Promise((resolve) => {
      waiting = (k) => k === n && resolve(rounds.get(n));
      if (rounds.has(n)) resolve(rounds.get(n));
    });
  child.send({ url: `${h.url}/eachlabs/${executionId}`, viewers });
  await arrival(1); // everyone has the first update
  const relayMs = [];
  const first = [];
  const last = [];
  for (let r = 2; r <= ROUNDS + 1; r++) {
    const moved = clock();
    const arrived = arrival(r);
    h.advance(1_000);
    const times = await arrived;
    const carrier = responses.find((e) => e.arrived > moved);
    relayMs.push(lastWrite - carrier.sent);
    first.push(times.first - carrier.sent);
    last.push(times.last - carrier.sent);
  }
  child.kill();
  await h.close();
  return {
    bench: 'relay',
    measure: 'latency',
    viewers,
    rounds: ROUNDS,
    medianRelayMs: round(median(relayMs)),
    medianFirstViewerMs: round(median(first)),
    medianLastViewerMs: round(median(last)),
    minLastViewerMs: round(Math.min(...last)),
  };
}

/** The child: opens the viewers it is asked for and reports when all have each update. */
function runViewers() {
  process.on('message', ({ url, viewers }) => {
    const arrivals = new Map();
    for (let i = 0; i < viewers; i++) {
      viewer(url, (_, n) => {
        const at = clock();
        const times = arrivals.get(n) ?? { n, first: at, last: at, count: 0 };
        times.last = at;
        times.count += 1;
        arrivals.set(n, times);
        if (times.count === viewers) process.send(times);
      });
    }
  });
}

if (process.argv.includes('--viewers')) {
  runViewers();
} else {
  for (const viewers of [1, 10, 100]) console.log(JSON.stringify(await providerRequests(viewers)));
  console.log(JSON.stringify(await memory()));
  for (const viewers of [1, 100]) console.log(JSON.stringify(await latency(viewers)));
}
