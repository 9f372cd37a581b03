// The client hub, measured against baselines in the same run (prints JSON lines):
// - coalescing: requests for 1, 3 and 100 subscribers of one execution through one client,
//   vs the same subscribers each running their own cold watch (watchExecution);
// - budget: the worst window of arrivals at the *server* vs the limit, with a slow first
//   connection, and the longest silence of any running execution vs its fair share;
// - bulk: a 100-execution bulk with step detail vs 100 separate watches, on the simulator.
// Run: npm run bench:hub   (medians of ROUNDS rounds)
import { lastValueFrom, toArray } from 'rxjs';
import { createClient, eachlabs, mergeExecutions, watchExecution } from '../dist/index.js';
import { startSimulator } from '../dist/testing/index.js';

const ROUNDS = Number(process.env.ROUNDS ?? 3);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// A key like a real one: a one-letter key is scrubbed out of every body (field names too), and
// the watches measured here ended at their first poll with a validation error, unnoticed.
const KEY = 'bench-key-7Hq2Zr9XkP4m';

/** The updates of a merged run, after checking that no watch failed: a failed watch polls no more, and would flatter every figure. */
function whole(updates) {
  const failed = updates.flatMap((u) => u.changes.filter((c) => c.type === 'watch-error'));
  if (failed.length > 0) throw new Error(`${failed.length} watch(es) failed: ${failed[0].error.message}`);
  return updates;
}

/** A job of three 60 ms tasks, `now` ms after its start. */
function job(id, t0, now = Date.now()) {
  const n = Math.floor((now - t0) / 60);
  const state = n >= 3 ? 'completed' : 'running';
  return {
    id,
    state,
    tasks: Array.from({ length: Math.min(3, n + 1) }, (_, i) => ({
      name: `t${i}`,
      state: i < n ? 'completed' : 'running',
    })),
  };
}
const statuses = { running: 'running', completed: 'completed' };
const adapter = {
  name: 'bench',
  baseUrl: 'https://bench.test/v1',
  authHeaders: (key) => ({ authorization: `Bearer ${key}` }),
  readError: () => ({}),
  parseRef: (v) => v,
  status: {
    what: 'job',
    request: (id) => ({ path: ['jobs', id], executionId: id, scope: 'all' }),
    schema: { safeParse: (data) => ({ success: true, data }) },
    read: (b) => ({
      provider: 'bench',
      executionId: b.id,
      status: statuses[b.state],
      rawStatus: b.state,
      raw: b,
      steps: b.tasks.map((t) => ({ key: t.name, name: t.name, status: statuses[t.state], rawStatus: t.state })),
    }),
  },
};
const backoff = { initialDelayMs: 20, maxDelayMs: 20, jitter: 'none' };

/** A job that moves one task on every 2nd request it gets: the requests to its end are fixed. */
function countingJob(id) {
  let requests = 0;
  return () => job(id, 0, ++requests * 30);
}

async function coalescing(n) {
  let requests = 0;
  const next = countingJob('j1');
  const fetch = async () => (requests++, Response.json(next()));
  const client = createClient(adapter, { apiKey: KEY, fetch, rateLimit: false, backoff });
  whole(await lastValueFrom(mergeExecutions(Array.from({ length: n }, () => client.watch('j1'))).pipe(toArray())));
  // Baseline: the same subscribers, each with its own cold watch of its own copy of the job.
  let own = 0;
  const sources = Array.from({ length: n }, () => {
    const mine = countingJob('j1');
    return { id: 'j1', fetchSnapshot: async () => (own++, adapter.status.read(mine())) };
  });
  whole(
    await lastValueFrom(mergeExecutions(sources.map((source) => watchExecution(source, { backoff }))).pipe(toArray())),
  );
  return { shared: requests, own };
}

async function budget() {
  const limit = { requests: 5, intervalMs: 1_000 };
  const executions = 8;
  const t0 = Date.now();
  const arrivals = [];
  const byJob = new Map();
  let first = true;
  const fetch = async (url) => {
    const id = String(url).split('/jobs/')[1];
    // A slow first connection (TLS, DNS): 300 ms; then 10 ms. The request arrives at the
    // server just before its response leaves.
    const latency = first ? 300 : 10;
    first = false;
    await sleep(latency - 2);
    arrivals.push(Date.now());
    (byJob.get(id) ?? byJob.set(id, []).get(id)).push(Date.now());
    await sleep(2);
    return Response.json({ id, state: Date.now() - t0 > 6_000 ? 'completed' : 'running', tasks: [] });
  };
  const client = createClient(adapter, {
    apiKey: KEY,
    fetch,
    rateLimit: limit,
    backoff: { initialDelayMs: 50, maxDelayMs: 200, jitter: 'none' },
  });
  whole(
    await lastValueFrom(
      mergeExecutions(Array.from({ length: executions }, (_, i) => client.watch(`j${i}`))).pipe(toArray()),
    ),
  );
  const worst = Math.max(...arrivals.map((t) => arrivals.filter((a) => a >= t && a < t + limit.intervalMs).length));
  const fairShareMs = (executions * limit.intervalMs) / limit.requests;
  let silence = 0;
  for (const times of byJob.values())
    for (let i = 1; i < times.length; i++) silence = Math.max(silence, times[i] - times[i - 1]);
  return { worst, silence, fairShareMs };
}

/**
 * 100 executions of two steps of 20–60 s each (queued 5 s), watched with the default policy.
 * The simulator's clock runs SPEED times the wall clock and the policy's delays are divided
 * by SPEED, so the run takes seconds and every ratio of cadence to duration is the real one.
 */
async function bulk() {
  const SPEED = 5;
  let releasedAt;
  const start = Date.now();
  // Stands still until the first answer, so a slow start costs nothing.
  const now = () => (releasedAt === undefined ? start : start + (Date.now() - releasedAt) * SPEED);
  const sim = await startSimulator({ seed: 7, now });
  const WORKFLOW = 'wf-bench';
  const script = (i, bulkId) => ({
    workflowId: WORKFLOW,
    bulkId,
    queuedMs: 5_000,
    steps: [
      { name: 's1', durationMs: 20_000 + (i % 9) * 5_000 },
      { name: 's2', durationMs: 20_000 + (i % 5) * 10_000 },
    ],
  });
  const bulkRuns = Array.from({ length: 100 }, (_, i) => sim.createExecution('eachlabs', script(i, 'b1')));
  const others = Array.from({ length: 100 }, (_, i) => sim.createExecution('eachlabs', script(i, undefined)));
  const fetch = (...args) => globalThis.fetch(...args).then((r) => ((releasedAt ??= Date.now()), r));
  const backoff = { initialDelayMs: 3_000 / SPEED, maxDelayMs: 10_000 / SPEED, multiplier: 1.5 };
  const options = { apiKey: sim.apiKey, baseUrl: sim.baseUrls.eachlabs, fetch, backoff };
  await Promise.all([
    lastValueFrom(eachlabs(options).watchBulk(WORKFLOW, 'b1').pipe(toArray())),
    lastValueFrom(mergeExecutions(others.map((e) => eachlabs(options).watch(e.executionId))).pipe(toArray())).then(
      whole,
    ),
  ]);
  const ids = new Set(others.map((e) => e.executionId));
  const watchRequests = sim.requests.filter((r) => ids.has(r.executionId)).length;
  const bulkRequests = sim.requests.length - watchRequests;
  if (process.env.DEBUG)
    console.error(
      sim.requests
        .filter((r) => !ids.has(r.executionId))
        .map((r) => `${r.endpoint}:${r.status}`)
        .join(' '),
    );
  await sim.close();
  return { bulkRequests, watchRequests, executions: bulkRuns.length };
}

for (const n of [1, 3, 100]) {
  const rounds = [];
  for (let r = 0; r < ROUNDS; r++) rounds.push(await coalescing(n));
  const value = median(rounds.map((x) => x.shared));
  const baseline = median(rounds.map((x) => x.own));
  console.log(
    JSON.stringify({
      figure: `requests for ${n} subscriber(s) of one execution`,
      value,
      baseline,
      baselineIs: 'one cold watch per subscriber',
      ratio: +(value / baseline).toFixed(3),
      goal: 'equal for 1, 3 and 100',
      rounds: ROUNDS,
      median: true,
    }),
  );
}
{
  const rounds = [];
  for (let r = 0; r < ROUNDS; r++) rounds.push(await budget());
  const worst = median(rounds.map((x) => x.worst));
  console.log(
    JSON.stringify({
      figure: 'worst 1 s window of arrivals at the server, 5/s budget, slow first connection',
      value: worst,
      baseline: 5,
      baselineIs: 'the limit',
      ratio: +(worst / 5).toFixed(3),
      goal: '≤ 1',
      rounds: ROUNDS,
      median: true,
    }),
  );
  const silence = median(rounds.map((x) => x.silence));
  const fair = rounds[0].fairShareMs;
  console.log(
    JSON.stringify({
      figure: 'longest silence of a running execution, 8 executions on 5/s',
      value: silence,
      baseline: fair,
      baselineIs: 'fair share (executions × interval / requests, ms)',
      ratio: +(silence / fair).toFixed(3),
      goal: '≤ 2',
      rounds: ROUNDS,
      median: true,
    }),
  );
}
{
  const rounds = [];
  for (let r = 0; r < ROUNDS; r++) rounds.push(await bulk());
  const value = median(rounds.map((x) => x.bulkRequests));
  const baseline = median(rounds.map((x) => x.watchRequests));
  console.log(
    JSON.stringify({
      figure: 'requests for a 100-execution bulk with step detail',
      value,
      baseline,
      baselineIs: '100 separate watches of the same executions',
      ratio: +(value / baseline).toFixed(3),
      goal: '≤ 0.2',
      rounds: ROUNDS,
      median: true,
    }),
  );
}
