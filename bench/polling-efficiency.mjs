// How many requests each polling strategy spends per execution, and how late it sees changes.
// A seeded, virtual-time simulation (a discrete event loop: no HTTP, no timers) of a reference
// workload; every runwatch decision comes from the built library (dist/), so this measures it.
// Run: npm run bench:polling   (one JSON line per strategy, the goals, then the budget scenario)
//
// Workload: 16 workflows of 2 to 6 steps; each step's median is drawn uniformly from 2 s to
// 90 s and each run varies log-normally around it (σ = 0.35); each execution first waits in a
// queue (a median of 1 to 8 s per workflow, σ = 0.5). 25 executions of each workflow are
// measured (400). "learned" strategies first learn from earlier executions of the same
// workflows and keep learning as the measured ones run. Lateness ("lag") is the time from a
// change at the provider to the poll that sees it; "floor" is one request per state change.
import { LearnedDurations, backoffDelay, nextPollDelay, resolveBackoff, samplesFrom } from '../dist/index.js';
import { budgetScenario } from './polling-efficiency/budget.mjs';
import {
  learnFrom,
  logNormal,
  makeExecution,
  makeWorkflows,
  mulberry32,
  quantile,
  simulate,
} from './polling-efficiency/workload.mjs';

const WORKFLOWS = 16;
const MEASURED_PER_WORKFLOW = 25;
const WEBHOOK_LATENCY_MS = 300; // median delivery time of a webhook (log-normal, σ = 0.5)
const SEED = Number(process.env.SEED ?? 12);

function measure(name, executions, strategy) {
  const rows = executions.map((e) => simulate(e, strategy));
  const stepLags = rows.flatMap((r) => r.lags.slice(1)).sort((a, b) => a - b);
  const terminal = rows.map((r) => r.lags[r.lags.length - 1]).sort((a, b) => a - b);
  const mean = (f) => rows.reduce((s, r) => s + f(r), 0) / rows.length;
  return {
    strategy: name,
    requestsPerExecution: +mean((r) => r.requests).toFixed(1),
    floorRequests: +mean((r) => r.changes).toFixed(1),
    stepLagP50Ms: Math.round(quantile(stepLags, 0.5)),
    stepLagP95Ms: Math.round(quantile(stepLags, 0.95)),
    terminalLagP95Ms: Math.round(quantile(terminal, 0.95)),
  };
}

const fixed = (ms) => ({ delay: () => ms });

/** AWS SDK waiters: a random delay from minDelay to minDelay × 2^attempt, capped at maxDelay; no reset on change. */
const awsWaiter = (random, minMs = 2_000, maxMs = 120_000) => ({
  delay: ({ attempt }) => Math.min(maxMs, minMs + random() * (Math.min(maxMs, minMs * 2 ** attempt) - minMs)),
});

/** Blind exponential backoff: no jitter, no reset on change. */
const exponential = (startMs, factor, capMs) => ({
  delay: ({ attempt }) => Math.min(capMs, startMs * factor ** attempt),
});

/** runwatch today: the default backoff policy (reset on change). */
function runwatchDefault(random) {
  const policy = resolveBackoff();
  return { delay: ({ quietPolls }) => backoffDelay(quietPolls, policy, random) };
}

/**
 * runwatch with learned durations, learning from every poll as a client does. `wakes`: none,
 * one per state change (`'every-change'`), or only at the end (`'terminal'`, what ModelsLab's
 * and EachLabs's webhooks send), each after a webhook's delivery time.
 */
function runwatchLearned(random, learned, { wakes } = {}) {
  const policy = resolveBackoff();
  const wake = wakes !== undefined;
  const latency = () => logNormal(random, WEBHOOK_LATENCY_MS, 0.5);
  return {
    observe: (previous, snapshot) => {
      for (const sample of samplesFrom(previous, snapshot)) learned.record(sample);
    },
    delay: ({ snapshot, quietPolls, now }) =>
      nextPollDelay({ snapshot, quietPolls, wake }, now, policy, learned, random).delayMs,
    wakes: !wake
      ? undefined
      : ({ boundaries }) =>
          (wakes === 'terminal' ? boundaries.slice(-1) : boundaries).map((b) => b + latency()).sort((a, b) => a - b),
  };
}

const random = mulberry32(SEED);
const workflows = makeWorkflows(random, WORKFLOWS);
const earlier = (n) => workflows.flatMap((wf) => Array.from({ length: n }, () => makeExecution(random, wf)));
const [earlier3, earlier20] = [earlier(3), earlier(20)];
const measured = Array.from({ length: MEASURED_PER_WORKFLOW }, () =>
  workflows.map((wf) => makeExecution(random, wf)),
).flat();
const learnedFrom = (finished) => {
  const learned = new LearnedDurations();
  learnFrom(learned, finished);
  return learned;
};

const results = [
  measure('fixed 0.5s', measured, fixed(500)),
  measure('fixed 1s', measured, fixed(1_000)),
  measure('fixed 2s', measured, fixed(2_000)),
  measure('fixed 3s', measured, fixed(3_000)),
  measure('fixed 5s', measured, fixed(5_000)),
  measure('aws-waiter 2-120s', measured, awsWaiter(mulberry32(SEED + 1))),
  measure('exponential 1s x2 cap 30s', measured, exponential(1_000, 2, 30_000)),
  measure('runwatch default (before learning)', measured, runwatchDefault(mulberry32(SEED + 2))),
  measure('runwatch learning from scratch', measured, runwatchLearned(mulberry32(SEED + 3), learnedFrom([]))),
  measure('runwatch learned (3 earlier runs)', measured, runwatchLearned(mulberry32(SEED + 4), learnedFrom(earlier3))),
  measure(
    'runwatch learned (20 earlier runs)',
    measured,
    runwatchLearned(mulberry32(SEED + 5), learnedFrom(earlier20)),
  ),
  measure(
    'runwatch + webhook wake on every change',
    measured,
    runwatchLearned(mulberry32(SEED + 6), learnedFrom(earlier20), { wakes: 'every-change' }),
  ),
  measure(
    'runwatch + webhook wake at the end only',
    measured,
    runwatchLearned(mulberry32(SEED + 7), learnedFrom(earlier20), { wakes: 'terminal' }),
  ),
];
for (const row of results) console.log(JSON.stringify(row));

const row = (name) => results.find((r) => r.strategy === name);
const [fixed2, learned, woken] = [
  row('fixed 2s'),
  row('runwatch learned (20 earlier runs)'),
  row('runwatch + webhook wake on every change'),
];
console.log(
  JSON.stringify({
    goals: {
      learnedRequestsVsFixed2s: +(learned.requestsPerExecution / fixed2.requestsPerExecution).toFixed(3),
      learnedAtMostHalfTheRequests: learned.requestsPerExecution <= fixed2.requestsPerExecution / 2,
      learnedTerminalP95NoWorse: learned.terminalLagP95Ms <= fixed2.terminalLagP95Ms,
      wakeRequestsVsFloor: +(woken.requestsPerExecution / woken.floorRequests).toFixed(3),
      wakeWithin2xFloor: woken.requestsPerExecution <= 2 * woken.floorRequests,
    },
  }),
);
for (const line of budgetScenario(SEED)) console.log(JSON.stringify(line));
