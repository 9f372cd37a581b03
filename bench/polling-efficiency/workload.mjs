// The reference workload of bench/polling-efficiency.mjs and the one-execution simulation:
// seeded, in virtual time (plain numbers; no timers, no HTTP).
import { samplesFrom } from '../../dist/index.js';

const EPOCH = Date.UTC(2026, 0, 1);
/** How much one run of a step varies around the step's median (σ of log-duration). */
export const STEP_SIGMA = 0.35;

/** A small seeded PRNG (mulberry32): numbers in [0, 1). */
export function mulberry32(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const gaussian = (random) => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
export const logNormal = (random, median, sigma) => median * Math.exp(sigma * gaussian(random));

/**
 * Workflows of `minSteps` to `maxSteps` steps; each step's median is drawn uniformly from
 * `minMedian` to `maxMedian` ms (or set by `medians`), each workflow's queue median from 1 to 8 s.
 */
export function makeWorkflows(random, count, options = {}) {
  const { minSteps = 2, maxSteps = 6, minMedian = 2_000, maxMedian = 90_000, medians } = options;
  return Array.from({ length: count }, (_, w) => {
    const n = medians?.length ?? minSteps + Math.floor(random() * (maxSteps - minSteps + 1));
    return {
      id: `wf-${w}`,
      queueMedian: 1_000 * Math.exp(random() * Math.log(8)),
      steps: Array.from({ length: n }, (_, s) => ({
        key: `step${s + 1}`,
        median: medians?.[s] ?? minMedian + random() * (maxMedian - minMedian),
      })),
    };
  });
}

let executions = 0;

/** One execution: its queue time, then its steps back to back, each drawn around its median. */
export function makeExecution(random, workflow) {
  const queueMs = logNormal(random, workflow.queueMedian, 0.5);
  const boundaries = [queueMs]; // running starts, then each step's end; the last is the execution's end
  for (const step of workflow.steps) {
    boundaries.push(boundaries[boundaries.length - 1] + logNormal(random, step.median, STEP_SIGMA));
  }
  executions += 1;
  return { id: `e${executions}`, workflow, boundaries, createdAt: EPOCH + executions * 3_600_000 };
}

const iso = (ms) => new Date(Math.round(ms)).toISOString();

/**
 * The execution as a provider reports it `t` ms after it was created: every step listed (as
 * ModelsLab and Datalab do), times to the millisecond, `startedAt` at creation (as EachLabs).
 */
export function snapshotAt(execution, t) {
  const { workflow, boundaries, createdAt } = execution;
  const end = boundaries[boundaries.length - 1];
  const status = t < boundaries[0] ? 'queued' : t < end ? 'running' : 'completed';
  const steps = workflow.steps.map((step, i) => {
    const [from, to] = [boundaries[i], boundaries[i + 1]];
    const s = t < from ? 'pending' : t < to ? 'running' : 'completed';
    const snap = { key: step.key, name: step.key, status: s, rawStatus: s };
    if (t >= from) snap.startedAt = iso(createdAt + from);
    if (t >= to) snap.completedAt = iso(createdAt + to);
    return snap;
  });
  const snapshot = { provider: 'sim', executionId: execution.id, workflowId: workflow.id, status, rawStatus: status };
  snapshot.startedAt = iso(createdAt);
  if (status === 'completed') snapshot.completedAt = iso(createdAt + end);
  return { ...snapshot, steps, raw: null };
}

/** Records every sample of finished executions into `learned`, as watches that followed them would have. */
export function learnFrom(learned, finished) {
  for (const execution of finished) {
    let previous;
    for (const t of execution.boundaries) {
      const snapshot = snapshotAt(execution, t);
      for (const sample of samplesFrom(previous, snapshot)) learned.record(sample);
      previous = snapshot;
    }
  }
}

/**
 * Polls one execution from its creation until it is seen terminal. `strategy.delay(context)`
 * gives each next delay; `strategy.wakes(execution)` (optional) the times wakes arrive, each
 * polling at once unless a poll already went out since; `strategy.observe` sees each snapshot.
 * Returns the requests, the lateness of each change (running, then each step's end) and the
 * number of state changes (the floor: one request each, the first poll included).
 */
export function simulate(execution, strategy) {
  const { boundaries } = execution;
  const wakes = strategy.wakes?.(execution) ?? [];
  const lags = [];
  let [t, seen, requests, quietPolls, w] = [0, 0, 0, 0, 0];
  let previous;
  for (;;) {
    requests += 1;
    const before = seen;
    while (seen < boundaries.length && boundaries[seen] <= t) lags.push(t - boundaries[seen++]);
    const snapshot = snapshotAt(execution, t);
    strategy.observe?.(previous, snapshot);
    previous = snapshot;
    if (seen === boundaries.length) return { requests, lags, changes: boundaries.length + 1 };
    quietPolls = requests === 1 || seen > before ? 0 : quietPolls + 1;
    let next = t + strategy.delay({ snapshot, quietPolls, attempt: requests - 1, now: execution.createdAt + t });
    while (w < wakes.length && wakes[w] <= t) w += 1;
    if (w < wakes.length && wakes[w] < next) next = wakes[w++];
    t = next;
  }
}

/** The `p` quantile of an ascending array (nearest rank). */
export const quantile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
