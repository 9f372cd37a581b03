import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  LearnedDurations,
  backoffDelay,
  briskDelay,
  dueScore,
  nextPollDelay,
  relaxedDelay,
  resolveBackoff,
  type CadenceState,
  type ExecutionSnapshot,
  type StepSnapshot,
} from '../../src/index.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();
const policy = resolveBackoff({ jitter: 'none' });
const fixedRandom = () => 0.5;

/** A learned set where each step's runs take exactly the given durations (σ comes from the prior and the spread). */
function learnedOf(steps: Record<string, number[]>, workflow = 'wf'): LearnedDurations {
  const learned = new LearnedDurations();
  for (const [stepKey, durations] of Object.entries(steps)) {
    for (const durationMs of durations) learned.record({ provider: 'p', workflow, stepKey, durationMs });
  }
  return learned;
}
const around = (ms: number) => [ms * 0.9, ms, ms * 1.1, ms * 0.95, ms * 1.05];

function step(key: string, status: StepSnapshot['status'], startedAtMs?: number): StepSnapshot {
  const s: StepSnapshot = { key, name: key, status, rawStatus: status };
  if (startedAtMs !== undefined) s.startedAt = at(startedAtMs);
  return s;
}

function state(steps: StepSnapshot[], extra: Partial<ExecutionSnapshot> = {}, quietPolls = 0): CadenceState {
  const snapshot: ExecutionSnapshot = {
    provider: 'p',
    executionId: 'e1',
    workflowId: 'wf',
    status: 'running',
    rawStatus: 'running',
    steps,
    raw: null,
    ...extra,
  };
  return { snapshot, quietPolls };
}

const plan = (s: CadenceState, elapsedMs: number, learned?: LearnedDurations, p = policy) =>
  nextPollDelay(s, T0 + elapsedMs, p, learned, fixedRandom);

describe('nextPollDelay', () => {
  const learned = learnedOf({ render: around(60_000), upscale: around(20_000), '(queue)': around(8_000) });
  const estimate = (stepKey: string) => learned.estimate({ provider: 'p', workflow: 'wf', stepKey })!;

  it('falls back to the backoff policy without learned durations, as the policy counts quiet polls', () => {
    const s = state([step('render', 'running', 0)], {}, 3);
    expect(plan(s, 1_000)).toEqual({ delayMs: backoffDelay(3, policy, fixedRandom), reason: 'policy' });
  });

  it('falls back to the policy with fewer than 3 samples of the running step', () => {
    const few = learnedOf({ render: [60_000, 61_000] });
    expect(plan(state([step('render', 'running', 0)]), 1_000, few).reason).toBe('policy');
  });

  it('falls back to the policy for a running step without startedAt, or an execution without workflow', () => {
    expect(plan(state([step('render', 'running')]), 1_000, learned).reason).toBe('policy');
    const anonymous = state([step('render', 'running', 0)]);
    delete anonymous.snapshot.workflowId;
    expect(plan(anonymous, 1_000, learned).reason).toBe('policy');
    expect(plan({ ...anonymous, workflowId: 'wf' }, 1_000, learned).reason).toBe('learned');
  });

  it('uses the policy for a terminal execution', () => {
    const s = state([step('render', 'completed', 0)], { status: 'completed', rawStatus: 'completed' });
    expect(plan(s, 1_000, learned).reason).toBe('policy');
  });

  it('relaxes to the safety net with a wake source: maxDelayMs × 6', () => {
    const s = { ...state([step('render', 'running', 0)]), wake: true };
    expect(plan(s, 1_000, learned)).toEqual({ delayMs: 60_000, reason: 'policy' });
    expect(relaxedDelay(resolveBackoff({ initialDelayMs: 1_000, maxDelayMs: 2_000 }))).toBe(12_000);
  });

  it('sleeps until the last step’s 2% quantile in even hops no longer than maxDelayMs, then polls briskly', () => {
    const s = state([step('render', 'running', 0)]);
    const wakeAt = estimate('render').quantile(0.02);
    const polls: number[] = [];
    let t = 0;
    while (t < wakeAt + 5_000) {
      const { delayMs, reason } = plan(s, t, learned);
      expect(reason).toBe('learned');
      expect(delayMs).toBeLessThanOrEqual(policy.maxDelayMs);
      polls.push((t += delayMs));
    }
    const before = polls.filter((p) => p < wakeAt - 1);
    expect(before.length).toBe(Math.ceil(wakeAt / policy.maxDelayMs) - 1);
    expect(polls.some((p) => Math.abs(p - wakeAt) < 1)).toBe(true);
    const after = polls.filter((p) => p > wakeAt + 1);
    for (let i = 1; i < after.length; i++) expect(after[i]! - after[i - 1]!).toBeCloseTo(briskDelay(policy), 6);
    expect(briskDelay(policy)).toBe(1_500);
  });

  it('polls a step followed by another less briskly, never later than the next step’s own earliest end', () => {
    const steps = [step('render', 'running', 0), step('upscale', 'pending')];
    const middle = plan(state(steps), 50_000, learned).delayMs;
    const final = plan(state([step('render', 'running', 0)]), 50_000, learned).delayMs;
    const { sigma, medianMs } = estimate('render');
    expect(final).toBe(1_500);
    expect(middle).toBeCloseTo(Math.min(sigma * medianMs * 0.4, estimate('upscale').quantile(0.1)), 6);
    expect(middle).toBeGreaterThan(final);
    // A next step that may end very soon leaves little room.
    const quick = learnedOf({ render: around(60_000), blink: around(3_000) });
    const tight = plan(state([step('render', 'running', 0), step('blink', 'pending')]), 50_000, quick).delayMs;
    expect(tight).toBeLessThan(middle);
  });

  it('spreads polls out again past the 98% quantile, up to maxDelayMs', () => {
    const s = state([step('render', 'running', 0)]);
    const q98 = estimate('render').quantile(0.98);
    expect(plan(s, q98 + 10_000, learned).delayMs).toBeCloseTo(1_500 + 1_000, 3);
    expect(plan(s, q98 + 1_000_000, learned).delayMs).toBe(policy.maxDelayMs);
  });

  it('plans the queue from the execution’s startedAt with the learned queue time', () => {
    const s = state([step('render', 'pending')], { status: 'queued', rawStatus: 'queued', startedAt: at(0) });
    const wakeAt = estimate('(queue)').quantile(0.1);
    const { delayMs, reason } = plan(s, 0, learned);
    expect(reason).toBe('learned');
    expect(delayMs).toBeCloseTo(wakeAt, 6);
  });

  it('never treats the queue as the execution’s end, even with no step listed yet', () => {
    const s = state([], { status: 'queued', rawStatus: 'queued', startedAt: at(0) });
    expect(plan(s, 0, learned).delayMs).toBeCloseTo(estimate('(queue)').quantile(0.1), 6);
  });

  it('plans a snapshot without steps (a bulk summary) from the whole execution’s duration', () => {
    const whole = learnedOf({ '(execution)': around(100_000) });
    const s = state([], { startedAt: at(0) });
    expect(plan(s, 95_000, whole)).toEqual({ delayMs: 1_500, reason: 'learned' });
  });

  it('takes the soonest plan of parallel steps', () => {
    const steps = [step('render', 'running', 0), step('upscale', 'running', 0)];
    const both = plan(state(steps), 10_000, learned).delayMs;
    const upscaleAlone = plan(state([step('upscale', 'running', 0)]), 10_000, learned).delayMs;
    expect(both).toBe(upscaleAlone);
    expect(both).toBeLessThan(plan(state([step('render', 'running', 0)]), 10_000, learned).delayMs);
  });

  it('corrects for a provider clock that runs ahead of ours', () => {
    // The step started 30 s after our `now` by the provider's clock: we cannot be earlier than that.
    const ahead = state([step('render', 'running', 30_000)]);
    const inSync = state([step('render', 'running', 0)]);
    expect(plan(ahead, 0, learned).delayMs).toBeCloseTo(plan(inSync, 0, learned).delayMs, 6);
  });

  it('takes a timestamp far in the future for a bad one, not for a provider clock years ahead', () => {
    // 58 s into a ~60 s step: the brisk zone. A finished step says it ended in 2099.
    const done = { ...step('prep', 'completed', -10_000), completedAt: '2099-01-01T00:00:00Z' };
    const sane = state([{ ...done, completedAt: at(0) }, step('render', 'running', 0)], {}, 3);
    const garbage = state([done, step('render', 'running', 0)], {}, 3);
    const learned = learnedOf({ render: around(60_000) });
    expect(plan(garbage, 58_000, learned)).toEqual(plan(sane, 58_000, learned));
    expect(plan(sane, 58_000, learned).delayMs).toBeLessThan(policy.maxDelayMs);
  });

  it('never waits longer than maxDelayMs nor less than 1 ms while running', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 500, max: 600_000, noNaN: true }),
        fc.double({ min: 0, max: 2_000_000, noNaN: true }),
        fc.boolean(),
        fc.integer({ min: 1_000, max: 60_000 }),
        (median, elapsed, followed, maxDelayMs) => {
          const l = learnedOf({ a: around(median), b: around(median / 3) });
          const p = resolveBackoff({ maxDelayMs, initialDelayMs: Math.min(3_000, maxDelayMs) });
          const steps = followed ? [step('a', 'running', 0), step('b', 'pending')] : [step('a', 'running', 0)];
          const { delayMs } = plan(state(steps), elapsed, l, p);
          return delayMs >= 1 && delayMs <= maxDelayMs;
        },
      ),
    );
  });
});

describe('dueScore', () => {
  const learned = learnedOf({ render: around(60_000), upscale: around(20_000) });
  const running = (key: string) => state([step(key, 'running', 0)]).snapshot;

  it('is 0 for a terminal execution', () => {
    const done = state([], { status: 'completed', rawStatus: 'completed' }).snapshot;
    expect(dueScore(done, T0, T0 + 60_000, learned)).toBe(0);
  });

  it('without knowledge, assumes a change a minute on average', () => {
    expect(dueScore(running('unknown'), T0, T0 + 60_000, learned)).toBeCloseTo(1 - Math.exp(-1), 9);
    expect(dueScore(running('render'), T0, T0 + 30_000, undefined)).toBeCloseTo(1 - Math.exp(-0.5), 9);
    expect(dueScore(running('render'), T0, T0, undefined)).toBe(0);
  });

  it('is the chance the step ended since the last poll, given it had not then', () => {
    const estimate = learned.estimate({ provider: 'p', workflow: 'wf', stepKey: 'render' })!;
    const [last, now] = [40_000, 70_000];
    const expected = (estimate.cdf(now) - estimate.cdf(last)) / (1 - estimate.cdf(last));
    expect(dueScore(running('render'), T0 + last, T0 + now, learned)).toBeCloseTo(expected, 9);
  });

  it('ranks an execution near its likely end above one early in a long step', () => {
    const nearEnd = dueScore(running('upscale'), T0 + 15_000, T0 + 25_000, learned);
    const early = dueScore(running('render'), T0 + 5_000, T0 + 15_000, learned);
    expect(nearEnd).toBeGreaterThan(0.5);
    expect(early).toBeLessThan(0.01);
  });

  it('grows with time since the last poll and stays within [0, 1]', () => {
    let previous = -1;
    for (const now of [0, 10_000, 30_000, 60_000, 120_000, 10_000_000]) {
      const score = dueScore(running('render'), T0, T0 + now, learned);
      expect(score).toBeGreaterThanOrEqual(previous);
      expect(score).toBeLessThanOrEqual(1);
      previous = score;
    }
    expect(previous).toBeCloseTo(1, 6);
  });

  it('combines parallel steps: a change in either counts', () => {
    const both = state([step('render', 'running', 0), step('upscale', 'running', 0)]).snapshot;
    const [a, b] = [
      dueScore(running('render'), T0, T0 + 20_000, learned),
      dueScore(running('upscale'), T0, T0 + 20_000, learned),
    ];
    expect(dueScore(both, T0, T0 + 20_000, learned)).toBeCloseTo(1 - (1 - a) * (1 - b), 9);
  });
});
