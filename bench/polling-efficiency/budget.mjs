// The budget scenario of bench/polling-efficiency.mjs: ModelsLab allows 10 requests a minute
// per workflow, and 20 executions of one workflow share them. Requests wait for the budget
// (a sliding window: never more than 10 starts in any 60 s); when several wait, a scheduler
// picks which goes next. Baseline: the default backoff, served in arrival order (every
// execution gets its fair share in turn). runwatch: the learned cadence, and the execution
// most likely to have changed first (the library's dueScore). Requests take no time here, so
// a budget slot is free again exactly 60 s after the request that took it.
import {
  LearnedDurations,
  backoffDelay,
  dueScore,
  nextPollDelay,
  resolveBackoff,
  samplesFrom,
} from '../../dist/index.js';
import { learnFrom, makeExecution, makeWorkflows, mulberry32, quantile, snapshotAt } from './workload.mjs';

const REQUESTS = 10;
const INTERVAL_MS = 60_000;
const EXECUTIONS = 20;
const ROUNDS = 10; // independent rounds of 20 executions, for steadier percentiles
const MEDIANS = [20_000, 90_000, 60_000]; // e.g. prompt → video → upscale
const ARRIVAL_SPREAD_MS = 120_000; // the 20 runs are started within two minutes

/** Runs one round: 20 executions, one budget, one scheduler. */
function round(executions, { plan, pick, learned }) {
  const state = executions.map((execution) => ({
    execution,
    desiredAt: execution.arrival,
    lastPollAt: undefined,
    snapshot: undefined,
    quietPolls: 0,
    seen: 0,
    done: false,
    terminalLag: undefined,
    lags: [],
  }));
  const starts = [];
  let t = 0;
  const poll = (s) => {
    starts.push(t);
    const { execution } = s;
    const local = t - execution.arrival;
    const before = s.seen;
    while (s.seen < execution.boundaries.length && execution.boundaries[s.seen] <= local) {
      s.lags.push(local - execution.boundaries[s.seen]);
      s.seen += 1;
    }
    const snapshot = snapshotAt(execution, local);
    for (const sample of samplesFrom(s.snapshot, snapshot)) learned?.record(sample);
    s.quietPolls = s.snapshot === undefined || s.seen > before ? 0 : s.quietPolls + 1;
    s.snapshot = snapshot;
    s.lastPollAt = t;
    if (s.seen === execution.boundaries.length) {
      s.done = true;
      s.terminalLag = local - execution.boundaries[execution.boundaries.length - 1];
      return;
    }
    s.desiredAt = t + Math.ceil(plan(s, execution.createdAt + local));
  };
  const budgetFreeAt = () => (starts.length < REQUESTS ? t : starts[starts.length - REQUESTS] + INTERVAL_MS);
  while (state.some((s) => !s.done)) {
    let due = state.filter((s) => !s.done && s.desiredAt <= t);
    while (due.length > 0 && budgetFreeAt() <= t) {
      poll(pick(due, t));
      due = state.filter((s) => !s.done && s.desiredAt <= t);
    }
    const waiting = state.filter((s) => !s.done && s.desiredAt > t).map((s) => s.desiredAt);
    t = Math.min(...waiting, due.length > 0 ? budgetFreeAt() : Infinity);
  }
  return { state, starts };
}

/** The most requests any window of INTERVAL_MS holds. */
function busiestWindow(starts) {
  let most = 0;
  for (let i = 0, j = 0; i < starts.length; i++) {
    while (starts[i] - starts[j] >= INTERVAL_MS) j += 1;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

/** The baseline: the default backoff policy, waiting requests served in the order they became due. */
function fairShare(random) {
  const policy = resolveBackoff();
  return {
    plan: (s) => backoffDelay(s.quietPolls, policy, random),
    pick: (due) => due.reduce((a, b) => (b.desiredAt < a.desiredAt ? b : a)),
  };
}

/** runwatch: the learned cadence, and among waiting requests the one most likely to see a change. */
function mostLikelyFirst(random, learned) {
  const policy = resolveBackoff();
  const score = (s, now) =>
    s.snapshot === undefined
      ? Infinity
      : dueScore(s.snapshot, s.execution.createdAt + (s.lastPollAt - s.execution.arrival), now, learned);
  return {
    learned,
    plan: (s, now) =>
      nextPollDelay({ snapshot: s.snapshot, quietPolls: s.quietPolls }, now, policy, learned, random).delayMs,
    pick: (due, t) => {
      let best;
      let bestScore = -1;
      for (const s of due) {
        const value = score(s, s.execution.createdAt + (t - s.execution.arrival));
        if (value > bestScore) [best, bestScore] = [s, value];
      }
      return best;
    },
  };
}

function summarize(name, rounds) {
  const lags = rounds.flatMap((r) => r.state.map((s) => s.terminalLag)).sort((a, b) => a - b);
  const requests = rounds.reduce((sum, r) => sum + r.starts.length, 0) / (rounds.length * EXECUTIONS);
  const busiest = Math.max(...rounds.map((r) => busiestWindow(r.starts)));
  const all = rounds.flatMap((r) => r.state.flatMap((s) => s.lags)).sort((a, b) => a - b);
  return {
    scenario: `modelslab budget ${REQUESTS}/min, ${EXECUTIONS} executions of one workflow`,
    strategy: name,
    requestsPerExecution: +requests.toFixed(1),
    changeLagP50Ms: Math.round(quantile(all, 0.5)),
    changeLagMeanMs: Math.round(all.reduce((a, b) => a + b, 0) / all.length),
    terminalLagP50Ms: Math.round(quantile(lags, 0.5)),
    terminalLagP95Ms: Math.round(quantile(lags, 0.95)),
    busiestWindowRequests: busiest,
    budgetNeverExceeded: busiest <= REQUESTS,
  };
}

/** The budget scenario: one JSON-ready row per scheduler. */
export function budgetScenario(seed = 7) {
  const random = mulberry32(seed);
  const [workflow] = makeWorkflows(random, 1, { medians: MEDIANS });
  const earlier = Array.from({ length: 20 }, () => makeExecution(random, workflow));
  const batches = Array.from({ length: ROUNDS }, () =>
    Array.from({ length: EXECUTIONS }, () => ({
      ...makeExecution(random, workflow),
      arrival: Math.round(random() * ARRIVAL_SPREAD_MS),
    })),
  );
  const learned = new LearnedDurations();
  learnFrom(learned, earlier);
  const baseline = batches.map((b) => round(b, fairShare(mulberry32(seed + 1))));
  const adaptive = batches.map((b) => round(b, mostLikelyFirst(mulberry32(seed + 2), learned)));
  return [
    summarize('fair share (default backoff, arrival order)', baseline),
    summarize('runwatch (learned cadence, most likely changed first)', adaptive),
  ];
}
