// The soak: hundreds of executions on the three providers, watched at once over real HTTP on
// 127.0.0.1 against the simulator, through seeded chaos of every kind (5xx, 429 with hints,
// malformed and truncated JSON, empty bodies, dropped connections, stalled bodies, redirects to
// another origin, latency). It proves what the library promises: every execution ends in its
// true terminal state, every step's final status is seen, every state a poll saw is emitted in
// order and once (no change twice, no status backwards, nothing lost), the request budget is
// never exceeded, the key never leaves its origin. It prints its figures as one JSON line.
import { catchError, defer, from, lastValueFrom, map, mergeAll, of, toArray, type Observable } from 'rxjs';
import { afterAll, describe, expect, it, vi } from 'vitest';
import {
  datalab,
  eachlabs,
  modelslab,
  type BackoffOptions,
  type ExecutionStatus,
  type ExecutionUpdate,
  type RateLimitOptions,
  type StepStatus,
} from '../../src/index.js';
import { startSimulator, type ExecutionScript, type Simulator } from '../../src/testing/index.js';
import { RateLimiter } from '../../src/core/budget.js';
import { Random } from '../../src/testing/random.js';
import { EXECUTION_RANK, STEP_RANK } from '../integration/support.js';

const SEED = 90210;
const PER_PROVIDER = 100;
const PROVIDERS = ['modelslab', 'eachlabs', 'datalab'] as const;
type Provider = (typeof PROVIDERS)[number];

const CHAOS = {
  errorRate: 0.05,
  rateLimitRate: 0.03,
  retryAfterSeconds: 0.02,
  malformedRate: 0.04,
  emptyRate: 0.03,
  dropRate: 0.03,
  stallRate: 0.03,
  redirectRate: 0.03,
  latencyMs: [0, 8] as const,
};
const BACKOFF: BackoffOptions = { initialDelayMs: 10, maxDelayMs: 40, jitter: 'equal', maxRetries: 50 };
/** A budget that binds: 10 requests in any 100 ms, per client (per workflow for ModelsLab). */
const BUDGET: RateLimitOptions = { requests: 10, intervalMs: 100 };
/** Long enough for a loaded CI machine, short enough that a stalled body costs a watch little. */
const REQUEST_TIMEOUT_MS = 1_000;
/** Watches at once; each execution is created when its watch starts, so each is seen from its start. */
const CONCURRENCY = 60;

/** A script from the seeded stream: 2 to 4 steps of 30 to 150 ms, some failing, some cancelled. */
function script(provider: Provider, random: Random, workflows: readonly string[]): ExecutionScript {
  const count = random.int(2, 4);
  const failing = random.chance(0.15) ? random.int(0, count - 1) : -1;
  const cancel = random.chance(0.1);
  const steps = Array.from({ length: count }, (_, i) => ({
    name: `step-${i + 1}`,
    durationMs: random.int(3, 15) * 10,
    ...(i === failing ? { fails: true } : {}),
  }));
  return {
    steps,
    queuedMs: random.int(0, 4) * 10,
    ...(provider === 'modelslab' ? { workflowId: random.pick(workflows) } : {}),
    ...(cancel ? { cancelAfterMs: random.int(5, 25) * 10 } : {}),
  };
}

/** What a provider shows for the simulator's normalized status (Datalab has no cancelled; EachLabs no pending). */
function shown(provider: Provider, status: StepStatus): StepStatus {
  if (provider === 'datalab' && status === 'cancelled') return 'failed';
  if (provider === 'eachlabs' && status === 'pending') return 'queued';
  return status;
}

/** Replays one watch's changes; counts every way a story can be wrong. */
function audit(updates: readonly ExecutionUpdate[]) {
  const problems = { lost: 0, twice: 0, backwards: 0, empty: 0 };
  const steps = new Map<string, StepStatus[]>();
  const statuses: ExecutionStatus[] = [];
  for (const update of updates) {
    if (update.changes.length === 0) problems.empty++;
    for (const change of update.changes) {
      if (change.type === 'execution-status') {
        if (change.from !== statuses.at(-1)) problems.lost++;
        if (statuses.includes(change.to)) problems.twice++;
        if (statuses.length > 0 && EXECUTION_RANK[change.to] < EXECUTION_RANK[statuses.at(-1)!]) problems.backwards++;
        statuses.push(change.to);
      } else if (change.type === 'step-added') {
        if (steps.has(change.step.key)) problems.twice++;
        steps.set(change.step.key, [change.step.status]);
      } else if (change.type === 'step-status') {
        const history = steps.get(change.step.key);
        if (history === undefined || change.from !== history.at(-1)) problems.lost++;
        if (history?.includes(change.to)) problems.twice++;
        if (history !== undefined && STEP_RANK[change.to] < STEP_RANK[history.at(-1)!]) problems.backwards++;
        history?.push(change.to);
      }
    }
  }
  return { problems, steps, status: statuses.at(-1) };
}

/** The most requests any window of `intervalMs` holds, given request start times. */
function busiestWindow(times: readonly number[], intervalMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; j < sorted.length; j++) {
    while (sorted[j]! - sorted[i]! >= intervalMs) i++;
    most = Math.max(most, j - i + 1);
  }
  return most;
}

describe('soak', () => {
  let sim: Simulator | undefined;
  afterAll(async () => sim?.close());

  it(`watches ${3 * PER_PROVIDER} executions through seeded chaos of every kind to their true ends`, async () => {
    const started = performance.now();
    sim = await startSimulator({ seed: SEED, chaos: CHAOS });
    const s = sim;
    const random = new Random(SEED);
    const workflows = ['0d4c9a52-7d1e-4a8e-9f10-aa0000000001', '0d4c9a52-7d1e-4a8e-9f10-aa0000000002'];

    // Every start each budget counted, at the time it counted it (read off the limiter, so
    // a process descheduled between the count and the fetch cannot blur the figure), and
    // every fetch a client made: each must have been counted.
    const counts = new Map<RateLimiter, number[]>();
    type TryTake = { tryTake(): (() => void) | undefined };
    const tryTake = (RateLimiter.prototype as unknown as TryTake).tryTake;
    vi.spyOn(RateLimiter.prototype as unknown as TryTake, 'tryTake').mockImplementation(function (this: RateLimiter) {
      const taken = tryTake.call(this);
      if (taken !== undefined) counts.set(this, [...(counts.get(this) ?? []), Date.now()]);
      return taken;
    });
    let fetches = 0;
    const counted: typeof globalThis.fetch = (input, init) => {
      fetches++;
      return globalThis.fetch(input, init);
    };
    const common = { apiKey: s.apiKey, backoff: BACKOFF, rateLimit: BUDGET, requestTimeoutMs: REQUEST_TIMEOUT_MS };
    const clients = {
      modelslab: modelslab({
        ...common,
        baseUrl: s.baseUrls.modelslab,
        fetch: counted,
      }),
      eachlabs: eachlabs({ ...common, baseUrl: s.baseUrls.eachlabs, fetch: counted }),
      eachlabsCurrent: eachlabs({
        ...common,
        api: 'current',
        baseUrl: s.baseUrls.eachlabsCurrent,
        fetch: counted,
      }),
      datalab: datalab({ ...common, baseUrl: s.baseUrls.datalab, fetch: counted }),
    };

    interface Watched {
      provider: Provider;
      id: string;
      updates: ExecutionUpdate[] | Error;
    }
    const sources: Observable<Watched>[] = [];
    for (let i = 0; i < PER_PROVIDER; i++) {
      for (const provider of PROVIDERS) {
        const planned = script(provider, random, workflows);
        sources.push(
          defer(() => {
            const execution = s.createExecution(provider, planned);
            const id = execution.executionId;
            const watch: Observable<ExecutionUpdate> =
              provider === 'modelslab'
                ? clients.modelslab.watch({ workflowId: execution.workflowId, executionId: id })
                : provider === 'eachlabs'
                  ? (i % 2 === 0 ? clients.eachlabs : clients.eachlabsCurrent).watch(id)
                  : clients.datalab.watch(id);
            return watch.pipe(
              toArray(),
              catchError((error: Error) => of(error)),
              map((updates): Watched => ({ provider, id, updates })),
            );
          }),
        );
      }
    }
    const watches = await lastValueFrom(from(sources).pipe(mergeAll(CONCURRENCY), toArray()));

    const totals = { lost: 0, twice: 0, backwards: 0, empty: 0, wrongEnd: 0, finalStepUnseen: 0, errors: 0 };
    const byStatus: Record<string, number> = {};
    for (const { provider, id, updates: result } of watches) {
      if (result instanceof Error) {
        totals.errors++;
        console.error(`${provider} ${id}: ${result.message}`);
        continue;
      }
      const truth = s.execution(provider, id)!.state();
      const { problems, steps, status } = audit(result);
      for (const [k, n] of Object.entries(problems)) totals[k as keyof typeof problems] += n;
      const expected = provider === 'datalab' && truth.status === 'cancelled' ? 'failed' : truth.status;
      if (status !== expected || result.at(-1)?.snapshot.status !== expected) totals.wrongEnd++;
      byStatus[expected] = (byStatus[expected] ?? 0) + 1;
      for (const step of truth.steps) {
        if (steps.get(step.name)?.at(-1) !== shown(provider, step.status)) totals.finalStepUnseen++;
      }
    }

    const polls = s.requests.filter((r) => r.endpoint === 'status' || r.endpoint === 'unknown');
    const faults: Record<string, number> = {};
    for (const r of polls) if (r.chaos !== undefined) faults[r.chaos] = (faults[r.chaos] ?? 0) + 1;
    vi.restoreAllMocks();
    const budgeted = [...counts.values()].reduce((n, t) => n + t.length, 0);
    const busiest = Math.max(...[...counts.values()].map((t) => busiestWindow(t, BUDGET.intervalMs)));
    const figures = {
      seed: SEED,
      executions: watches.length,
      byStatus,
      requests: polls.length,
      retries: polls.filter((r) => r.chaos !== undefined || r.status !== 200).length,
      faults,
      lostChanges: totals.lost + totals.finalStepUnseen,
      changesTwice: totals.twice,
      statusesBackwards: totals.backwards,
      wrongEnds: totals.wrongEnd,
      watchErrors: totals.errors,
      budgetScopes: counts.size,
      busiestWindow: busiest,
      budget: BUDGET,
      redirectsFollowed: s.requests.filter((r) => r.path.startsWith('/elsewhere')).length,
      keyRejected: polls.filter((r) => r.auth !== 'ok').length,
      ms: Math.round(performance.now() - started),
    };
    console.log(JSON.stringify(figures));

    expect(figures.executions).toBe(3 * PER_PROVIDER);
    expect(totals).toEqual({ lost: 0, twice: 0, backwards: 0, empty: 0, wrongEnd: 0, finalStepUnseen: 0, errors: 0 });
    expect(busiest).toBeLessThanOrEqual(BUDGET.requests);
    expect(budgeted).toBe(fetches); // no request went around the budget
    expect(counts.size).toBe(5); // two ModelsLab workflows, two EachLabs clients, Datalab
    expect(figures.redirectsFollowed).toBe(0);
    expect(figures.keyRejected).toBe(0);
    // Every kind of fault was injected, and more than a handful of each.
    for (const kind of ['error', 'rate-limit', 'malformed', 'empty', 'drop', 'stall', 'redirect']) {
      expect(faults[kind], kind).toBeGreaterThanOrEqual(5);
    }
    // The ends are varied: completed, failed and cancelled executions all took part.
    expect(Object.keys(byStatus).sort()).toEqual(['cancelled', 'completed', 'failed']);
  }, 120_000);
});
