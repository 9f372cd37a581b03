// Fan-in of thousands: N watches merged into one stream, each execution finishing after a
// few polls. Reports wall time, polls per second and heap per live watch, against a baseline
// in the same run: the same polling written as bare promise + setTimeout loops (no RxJS, no
// diffing), the floor any engine pays.
// Run: npm run bench:fan-in   (prints one JSON line)
import { lastValueFrom } from 'rxjs';
import { aggregateProgress, mergeExecutions, watchExecution } from '../dist/index.js';

const N = Number(process.env.N ?? 10_000);
const POLLS = 5; // polls until terminal, per execution
const backoff = { initialDelayMs: 5, maxDelayMs: 5, multiplier: 1, jitter: 'none' };

function snapshot(id, n) {
  const status = n >= POLLS ? 'completed' : 'running';
  const steps = [0, 1, 2].map((i) => {
    const s = n > i + 1 ? 'completed' : n > i ? 'running' : 'pending';
    return { key: `s${i}`, name: `s${i}`, status: s, rawStatus: s };
  });
  return { provider: 'bench', executionId: id, status, rawStatus: status, steps, raw: null };
}

function source(id) {
  let n = 0;
  return { id, fetchSnapshot: async () => snapshot(id, ++n) };
}

/** Runs `work` once, timing it and sampling the heap's peak above where it started. */
async function measure(work) {
  globalThis.gc?.();
  const before = process.memoryUsage().heapUsed;
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 5);
  const started = performance.now();
  await work();
  const ms = performance.now() - started;
  clearInterval(sampler);
  return {
    ms: Math.round(ms),
    pollsPerSecond: Math.round((N * POLLS) / (ms / 1000)),
    peakHeapBytesPerWatch: Math.round((peak - before) / N),
  };
}

const engine = () =>
  measure(async () => {
    const watches = Array.from({ length: N }, (_, i) => watchExecution(source(`e${i}`), { backoff }));
    const last = await lastValueFrom(mergeExecutions(watches).pipe(aggregateProgress()));
    if (!last.done || last.byStatus.completed !== N) throw new Error('not every execution completed');
  });

const baseline = () =>
  measure(() =>
    Promise.all(
      Array.from({ length: N }, async (_, i) => {
        const s = source(`e${i}`);
        while ((await s.fetchSnapshot()).status !== 'completed')
          await new Promise((r) => setTimeout(r, backoff.initialDelayMs));
      }),
    ),
  );

const base = await baseline();
const rw = await engine();
console.log(
  JSON.stringify({
    bench: 'fan-in',
    watches: N,
    pollsPerWatch: POLLS,
    runwatch: rw,
    baselineLoops: base,
    overheadFactor: +(rw.ms / base.ms).toFixed(2),
  }),
);
