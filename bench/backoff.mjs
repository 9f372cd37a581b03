// Chooses the backoff defaults: simulates many executions in virtual time and reports, per
// policy, the requests spent and how late changes are seen, against fixed-interval polling
// (what the providers' own examples do) as the baseline in the same run.
// Run: npm run bench:backoff   (prints one JSON line)
import { backoffDelay, resolveBackoff, DEFAULT_BACKOFF } from '../dist/index.js';

const EXECUTIONS = 4000;

function mulberry32(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Step durations: log-normal, median 20 s, 0.5 s to 5 min, as in the providers' documented examples (5 s + 10 s image steps at ModelsLab, 29 s + 134 s at EachLabs, minutes per Datalab step). */
function workload(random) {
  const runs = [];
  for (let i = 0; i < EXECUTIONS; i++) {
    const steps = 1 + Math.floor(random() * 6);
    const queued = random() * 5_000;
    const boundaries = [queued];
    let t = queued;
    for (let s = 0; s < steps; s++) {
      const gaussian = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
      t += Math.min(300_000, Math.max(500, Math.exp(Math.log(20_000) + 1.2 * gaussian)));
      boundaries.push(t);
    }
    runs.push(boundaries);
  }
  return runs;
}

/** Polls one execution under `nextDelay(quietPolls)` and measures requests and lateness. */
function simulate(boundaries, nextDelay, resetOnChange) {
  const end = boundaries[boundaries.length - 1];
  let t = 0;
  let seen = 0; // boundaries observed
  let quiet = 0;
  let requests = 0;
  let lateness = 0;
  let maxPerMinute = 0;
  const window = [];
  for (;;) {
    requests++;
    window.push(t);
    while (window[0] <= t - 60_000) window.shift();
    maxPerMinute = Math.max(maxPerMinute, window.length);
    let changed = requests === 1;
    while (seen < boundaries.length && boundaries[seen] <= t) {
      lateness += t - boundaries[seen];
      seen++;
      changed = true;
    }
    if (t >= end)
      return { requests, terminalLateness: t - end, meanLateness: lateness / boundaries.length, maxPerMinute };
    quiet = changed && resetOnChange ? 0 : quiet + 1;
    t += nextDelay(quiet);
  }
}

function measure(name, runs, nextDelay, resetOnChange = true) {
  const rows = runs.map((b) => simulate(b, nextDelay, resetOnChange));
  const sorted = rows.map((r) => r.terminalLateness).sort((a, b) => a - b);
  const sum = (f) => rows.reduce((s, r) => s + f(r), 0);
  return {
    policy: name,
    requestsPerExecution: +(sum((r) => r.requests) / rows.length).toFixed(2),
    meanTerminalLatenessMs: Math.round(sum((r) => r.terminalLateness) / rows.length),
    p95TerminalLatenessMs: Math.round(sorted[Math.floor(sorted.length * 0.95)]),
    meanChangeLatenessMs: Math.round(sum((r) => r.meanLateness) / rows.length),
    worstRequestsPerMinute: Math.max(...rows.map((r) => r.maxPerMinute)),
  };
}

const runs = workload(mulberry32(42));
const policy = (o) => {
  const p = resolveBackoff(o);
  const random = mulberry32(7);
  return (n) => backoffDelay(n, p, random);
};
const results = [
  measure("fixed 2s (providers' examples)", runs, () => 2_000),
  measure('fixed 5s', runs, () => 5_000),
  measure('default', runs, policy({})),
  measure('initial 1s', runs, policy({ initialDelayMs: 1_000 })),
  measure('initial 2s', runs, policy({ initialDelayMs: 2_000 })),
  measure('max 15s', runs, policy({ maxDelayMs: 15_000 })),
  measure('max 30s', runs, policy({ maxDelayMs: 30_000 })),
  measure('multiplier 2', runs, policy({ multiplier: 2 })),
  measure('no reset on change', runs, policy({}), false),
];
const baseline = results[0];
const chosen = results[2];
const fixed5 = results[1];
console.log(
  JSON.stringify({
    bench: 'backoff-defaults',
    executions: EXECUTIONS,
    defaults: DEFAULT_BACKOFF,
    requestsSavedVsFixed2s: +(1 - chosen.requestsPerExecution / baseline.requestsPerExecution).toFixed(3),
    requestsSavedVsFixed5s: +(1 - chosen.requestsPerExecution / fixed5.requestsPerExecution).toFixed(3),
    results,
  }),
);
