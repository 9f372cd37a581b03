// What the integration tests share: simulators closed after each test, fast client settings,
// and the two checks every watch must pass (no change lost, no key leaked).
import { afterEach, expect } from 'vitest';
import type { BackoffOptions, ExecutionStatus, ExecutionUpdate, StepStatus } from '../../src/index.js';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/testing/index.js';

/** Polls every 20 ms to 100 ms, no jitter: executions of a few hundred ms finish in a few polls. */
export const FAST: BackoffOptions = { initialDelayMs: 20, maxDelayMs: 100, jitter: 'none' };

const open: Simulator[] = [];

/** Starts a simulator that is closed after the current test, whatever happens in it. */
export async function simulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const sim = await startSimulator(options);
  open.push(sim);
  return sim;
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((sim) => sim.close()));
});

// pending and queued both mean "not started": EachLabs says queued where the others say pending.
export const STEP_RANK: Record<StepStatus, number> = {
  unknown: -1,
  pending: 0,
  queued: 0,
  running: 1,
  completed: 2,
  failed: 2,
  cancelled: 2,
  skipped: 2,
};
export const EXECUTION_RANK: Record<ExecutionStatus, number> = {
  unknown: -1,
  queued: 0,
  running: 1,
  completed: 2,
  failed: 2,
  cancelled: 2,
};

/**
 * Replays the changes of a watch, step by step, and checks that none was lost: every
 * `step-status` starts where the previous change of that step ended, statuses only move
 * forward, the execution status likewise, and each story ends in the expected final status.
 * Returns each step's observed statuses.
 */
export function expectNoChangeLost(
  updates: readonly ExecutionUpdate[],
  expected: { status: ExecutionStatus; steps: Record<string, StepStatus> },
): Record<string, StepStatus[]> {
  const steps: Record<string, StepStatus[]> = {};
  const statuses: ExecutionStatus[] = [];
  for (const update of updates) {
    expect(update.changes.length).toBeGreaterThan(0);
    for (const change of update.changes) {
      if (change.type === 'execution-status') {
        expect(change.from).toBe(statuses.at(-1));
        statuses.push(change.to);
      } else if (change.type === 'step-added') {
        expect(steps[change.step.key], `step ${change.step.key} added twice`).toBeUndefined();
        steps[change.step.key] = [change.step.status];
      } else if (change.type === 'step-status') {
        const history = steps[change.step.key];
        expect(history, `step ${change.step.key} changed before it was added`).toBeDefined();
        expect(change.from, `a change of ${change.step.key} was lost`).toBe(history!.at(-1));
        history!.push(change.to);
      }
    }
  }
  for (const [key, history] of Object.entries(steps)) {
    const ranks = history.map((s) => STEP_RANK[s]);
    expect(ranks, `${key} went backwards: ${history.join(' → ')}`).toEqual([...ranks].sort((a, b) => a - b));
    expect(new Set(history).size, `${key} repeated a status: ${history.join(' → ')}`).toBe(history.length);
  }
  const ranks = statuses.map((s) => EXECUTION_RANK[s]);
  expect(ranks, `execution went backwards: ${statuses.join(' → ')}`).toEqual([...ranks].sort((a, b) => a - b));
  expect(statuses.at(-1)).toBe(expected.status);
  expect(Object.fromEntries(Object.entries(steps).map(([key, history]) => [key, history.at(-1)]))).toEqual(
    expected.steps,
  );
  return steps;
}

/** Everything an error carries that a user could print or log: message, stack, fields, causes. */
function errorText(error: unknown, depth = 0): string {
  if (!(error instanceof Error) || depth > 5) return typeof error === 'string' ? error : (JSON.stringify(error) ?? '');
  const fields = JSON.stringify({ ...error });
  return [error.message, error.stack ?? '', fields, String(error), errorText(error.cause, depth + 1)].join('\n');
}

/** Asserts that no form of the error contains the secret. */
export function expectErrorFreeOf(error: unknown, secret: string): void {
  expect(error).toBeInstanceOf(Error);
  expect(errorText(error)).not.toContain(secret);
}

/** Asserts that the simulator's request log never saw the secret (paths and queries included). */
export function expectLogFreeOf(sim: Simulator, secret: string): void {
  expect(sim.requests.length).toBeGreaterThan(0);
  expect(JSON.stringify(sim.requests)).not.toContain(secret);
}

/** Settles a promise into its rejection reason; fails the test when it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('Expected the promise to reject');
}

/**
 * For every request the simulator refused (its own rate limit or chaos 429), the next request
 * of the same execution, and the gap in ms between them on the simulator's clock.
 */
export function gapsAfter429(sim: Simulator): { refused: number; next: number; gapMs: number }[] {
  const gaps: { refused: number; next: number; gapMs: number }[] = [];
  sim.requests.forEach((entry, i) => {
    if (entry.status !== 429) return;
    const next = sim.requests
      .slice(i + 1)
      .find((r) => r.executionId === entry.executionId && r.endpoint === entry.endpoint);
    if (next) gaps.push({ refused: entry.time, next: next.time, gapMs: next.time - entry.time });
  });
  return gaps;
}

/**
 * A simulator clock that stands still until `release()`, then runs with the wall clock. The
 * first poll then sees the initial state however slow the machine is, which a clock that ran
 * from the start cannot promise.
 */
export function heldClock(start = Date.now()): { now: () => number; release(): void } {
  let releasedAt: number | undefined;
  return {
    now: () => (releasedAt === undefined ? start : start + (Date.now() - releasedAt)),
    release() {
      releasedAt ??= Date.now();
    },
  };
}
