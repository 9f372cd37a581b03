// 10,000 concurrent client watches on a fake fetch at the default cadence, against the same
// polling written as bare promise + setTimeout loops (the floor), measured in the same run.
// Each measurement runs in a fresh child process (`node --expose-gc`), ROUNDS times, medians:
//   watches/loop-delay-p99   event-loop delay p99 (perf_hooks.monitorEventLoopDelay) over WINDOW_MS,
//                            in the steady state: from WARMUP_MS (one longest delay) after every
//                            watch's first poll; with the polls served against those a punctual
//                            poller would make in the window from each watch's last poll before it,
//                            and the polls that came later than their delay allowed (+50 ms)
//   watches/heap-per-watch   heap per live watch once every watch holds its first (3-step) body
//                            and waits for its next poll, after a full GC; measured from after 200
//                            pollers already ran, so that code compiled once is not counted per watch
// Every execution stays running with the same body, so the cadence is the policy's: 3 s, ×1.5
// per quiet poll up to 10 s, 'equal' jitter (a mean of 7.5 s once capped: ~1,300 polls/s).
// Run: npm run bench:watches   (one JSON line per figure; N, ROUNDS, WINDOW_MS, WARMUP_MS from the environment)
import { execFileSync } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { DEFAULT_BACKOFF, eachlabs } from '../dist/index.js';
import { eachlabsBody, fakeFetch } from './lib/bodies.mjs';
import { median, report } from './lib/stats.mjs';

const N = Number(process.env.N ?? 10_000);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const WINDOW_MS = Number(process.env.WINDOW_MS ?? 10_000);
const WARMUP_MS = Number(process.env.WARMUP_MS ?? 10_000);
const LATE_MS = 50;
const WARM = 200; // pollers started before the heap is measured
const { initialDelayMs, maxDelayMs, multiplier } = DEFAULT_BACKOFF;
/** The longest delay the policy allows before poll `k` (k ≥ 1) of an execution that never changes. */
const maxDelay = (k) => Math.min(maxDelayMs, initialDelayMs * multiplier ** (k - 1));
/** 'equal' jitter, as the policy draws it. */
const delay = (k) => maxDelay(k) / 2 + (Math.random() * maxDelay(k)) / 2;

const text = JSON.stringify(eachlabsBody(3));

/**
 * Starts `N` pollers through `start(i, onPoll)`; resolves once each has made its first poll,
 * then watches the event loop and the polls for WINDOW_MS.
 */
async function observeLoop(start) {
  const last = new Float64Array(N);
  const count = new Uint32Array(N);
  let windowStart = Infinity;
  let windowEnd = Infinity;
  let served = 0;
  let late = 0;
  let firsts = 0;
  let allFirst;
  const firstDone = new Promise((resolve) => (allFirst = resolve));
  const onPoll = (i) => {
    const now = performance.now();
    const k = count[i]++;
    if (k === 0) {
      if (++firsts === N) allFirst();
    } else if (now - last[i] > maxDelay(k) + LATE_MS) late++;
    last[i] = now;
    if (now >= windowStart && now < windowEnd) served++;
  };
  for (let i = 0; i < N; i++) start(i, onPoll);
  await firstDone;
  // Starting 10,000 pollers at once answers 10,000 first polls in a burst, which shifts every
  // later poll by up to the burst's length: measured from there, even punctual loops look
  // late. The window opens once every poller has been through one longest delay.
  await new Promise((resolve) => setTimeout(resolve, WARMUP_MS));
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  windowStart = performance.now();
  const from = Float64Array.from(last); // each poller's last poll before the window
  const polled = Uint32Array.from(count);
  windowEnd = windowStart + WINDOW_MS;
  late = 0;
  histogram.enable();
  await new Promise((resolve) => setTimeout(resolve, WINDOW_MS));
  histogram.disable();
  // What a punctual poller with instant responses would do in the same window, from each
  // poller's last poll before it: the policy's delays drawn afresh, averaged over 4 draws.
  let expected = 0;
  for (let draw = 0; draw < 4; draw++) {
    for (let i = 0; i < N; i++) {
      let t = from[i];
      for (let k = polled[i]; t < windowEnd; k++) {
        t += delay(k);
        if (t >= windowStart && t < windowEnd) expected += 0.25;
      }
    }
  }
  return { p99Ms: histogram.percentile(99) / 1e6, served, expected: Math.round(expected), late };
}

/**
 * Heap held per poller once all `N` wait for their second poll, after a full GC. WARM
 * pollers run first, so that what is paid once (code compiled on first use, caches) is not
 * spread over the `N` and only what each poller holds is counted.
 */
async function observeHeap(start) {
  const run = async (from, count) => {
    let firsts = 0;
    let allFirst;
    const firstDone = new Promise((resolve) => (allFirst = resolve));
    // One function for every poller of the run: no side holds a closure per poller for us.
    const onPoll = () => ++firsts === count && allFirst();
    for (let i = from; i < from + count; i++) start(i, onPoll);
    await firstDone;
    await new Promise((resolve) => setTimeout(resolve, 200)); // every response handled and its timer armed
    globalThis.gc();
  };
  await run(N, WARM);
  const before = process.memoryUsage().heapUsed;
  await run(0, N);
  return { bytesPerWatch: (process.memoryUsage().heapUsed - before) / N };
}

/**
 * `N` watches of one EachLabs client (no budget by default), each its own execution. The fetch
 * reads which poller polled from the URL (`…/executions/e{i}`), as the baseline's loop knows
 * its own `i`: nothing per watch is kept for the bench (a map of per-watch hooks was, some
 * 150 B a watch charged to the engine alone).
 */
function engine() {
  const fetchBody = fakeFetch(text);
  let onPoll = () => {};
  const client = eachlabs({
    apiKey: 'bench-key',
    fetch: (url, init) => {
      const at = String(url).lastIndexOf('/e');
      onPoll(Number(String(url).slice(at + 2)));
      return fetchBody(url, init);
    },
  });
  const subscriptions = [];
  const report = (e) => console.error(e);
  return (i, poll) => {
    onPoll = poll;
    subscriptions.push(client.watch(`e${i}`).subscribe({ error: report }));
  };
}

/** The floor: fetch, read, parse, hold the body, sleep the policy's delay, again. */
function baseline() {
  const fetchBody = fakeFetch(text);
  const held = new Array(N + WARM);
  return (i, onPoll) => {
    void (async () => {
      for (let k = 1; ; k++) {
        onPoll(i);
        held[i] = JSON.parse(await (await fetchBody()).text());
        await new Promise((resolve) => setTimeout(resolve, delay(k)));
      }
    })();
  };
}

const child = process.argv.find((a) => a.startsWith('--child='))?.slice('--child='.length);
if (child !== undefined) {
  const [what, who] = child.split('/');
  const start = who === 'engine' ? engine() : baseline();
  const result = what === 'loop' ? await observeLoop(start) : await observeHeap(start);
  console.log(JSON.stringify(result));
  process.exit(0);
}

const run = (what, who) =>
  JSON.parse(
    execFileSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), `--child=${what}/${who}`], {
      encoding: 'utf8',
      env: { ...process.env, N: String(N), WINDOW_MS: String(WINDOW_MS), WARMUP_MS: String(WARMUP_MS) },
      maxBuffer: 1 << 24,
    }),
  );

const loops = { engine: [], baseline: [] };
const heaps = { engine: [], baseline: [] };
for (let r = 0; r < ROUNDS; r++) {
  for (const who of ['engine', 'baseline']) loops[who].push(run('loop', who));
  for (const who of ['engine', 'baseline']) heaps[who].push(run('heap', who));
}

const med = (runs, key) => median(runs.map((r) => r[key]));
const p99 = med(loops.engine, 'p99Ms');
const served = med(loops.engine, 'served');
const expected = med(loops.engine, 'expected');
report({
  figure: 'watches/loop-delay-p99',
  value: p99,
  baseline: med(loops.baseline, 'p99Ms'),
  goal: 'value < 50 ms, every poll on time',
  met: p99 < 50 && served >= 0.98 * expected,
  rounds: ROUNDS,
  unit: 'ms',
  watches: N,
  windowMs: WINDOW_MS,
  polls: { served, expected, late: med(loops.engine, 'late') },
  baselinePolls: {
    served: med(loops.baseline, 'served'),
    expected: med(loops.baseline, 'expected'),
    late: med(loops.baseline, 'late'),
  },
});
const perWatch = med(heaps.engine, 'bytesPerWatch');
const perLoop = med(heaps.baseline, 'bytesPerWatch');
report({
  figure: 'watches/heap-per-watch',
  value: perWatch,
  baseline: perLoop,
  goal: 'ratio <= 1.5',
  met: perWatch / perLoop <= 1.5,
  rounds: ROUNDS,
  unit: 'bytes per live watch (3-step body)',
  watches: N,
});
