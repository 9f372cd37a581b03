// The cost of one poll: `client.get()` through a fake fetch, against reading the same body
// with `Response.text()` + `JSON.parse` (what any poller pays at least), measured in the same
// run, per provider, on a 20-step body built from the documented fixtures (bench/lib/bodies.mjs).
// The client has no request budget (`rateLimit: false`): a budget waits, and here every
// request would be refused for the rest of the minute after Datalab's 200th.
// Run: npm run bench:poll-cost   (one JSON line per provider)
import { datalab, eachlabs, modelslab } from '../dist/index.js';
import { datalabBody, eachlabsBody, fakeFetch, modelslabBody } from './lib/bodies.mjs';
import { median, report } from './lib/stats.mjs';

const STEPS = 20;
const ROUNDS = Number(process.env.ROUNDS ?? 7);
const GOAL = 1.5;
const BATCH = 20;

const providers = [
  { name: 'eachlabs', body: eachlabsBody(STEPS), client: eachlabs, ref: 'exec-1' },
  { name: 'datalab', body: datalabBody(STEPS), client: datalab, ref: 123 },
  { name: 'modelslab', body: modelslabBody(STEPS), client: modelslab, ref: { workflowId: 'wf', executionId: 12345 } },
];

/** Mean ns per call of `run` over `n` sequential calls. */
async function time(run, n) {
  const started = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await run();
  return Number(process.hrtime.bigint() - started) / n;
}

/**
 * One round: `runs` timed in turn, a batch of BATCH calls each, until each has had `calls`;
 * mean ns per call of each. Batches of a few milliseconds, interleaved, so that on a noisy
 * machine every side of the comparison meets the same neighbours.
 */
async function round(runs, calls) {
  const totals = runs.map(() => 0);
  for (let done = 0; done < calls; done += BATCH) {
    for (let i = 0; i < runs.length; i++) totals[i] += await time(runs[i], BATCH);
  }
  return totals.map((total) => total / Math.ceil(calls / BATCH));
}

for (const { name, body, client, ref } of providers) {
  const text = JSON.stringify(body);
  const init = { status: 200, headers: { 'content-type': 'application/json' } };
  const c = client({ apiKey: 'bench-key', fetch: fakeFetch(text), rateLimit: false });
  const poll = () => c.get(ref);
  const read = async () => JSON.parse(await new Response(text, init).text());
  const parse = async () => JSON.parse(text);
  const n = Math.max(1000, Math.round(6e6 / text.length)); // ~ the same bytes per round for every provider
  await round([poll, read, parse], n); // warm-up: every path optimised before timing
  const polls = [];
  const reads = [];
  const parses = [];
  for (let r = 0; r < ROUNDS; r++) {
    const [p, t, j] = await round([poll, read, parse], n);
    polls.push(p);
    reads.push(t);
    parses.push(j);
  }
  const value = median(polls);
  const baseline = median(reads);
  report({
    figure: `poll-cost/${name}`,
    value,
    baseline,
    goal: `ratio <= ${GOAL}`,
    met: value / baseline <= GOAL,
    rounds: ROUNDS,
    unit: 'ns per poll',
    bodyBytes: text.length,
    steps: STEPS,
    callsPerRound: n,
    vsJsonParse: +(value / median(parses)).toFixed(2),
  });
}
