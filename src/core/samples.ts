import { EXECUTION_STEP, QUEUE_STEP, type DurationSample } from './learned.js';
import type { ExecutionSnapshot, StepSnapshot } from './model.js';

/**
 * The durations one poll has just made known, read from the provider's own timestamps
 * (never from when a poll noticed): each step that is `completed` in `current` and was not
 * in `previous` (its `startedAt` to its `completedAt`); the queue time (the execution's
 * `startedAt` to its first step's `startedAt`) when a step has started for the first time;
 * and the whole execution when it has just `completed`. Failed, cancelled and skipped steps
 * teach nothing: their durations are not those of a step that ran its course. A sample
 * without both timestamps, or not positive, is left out, so a provider that sets
 * `startedAt` when the first step starts gives no queue times.
 *
 * Each sample carries the execution id, so {@link LearnedDurations.record} takes it once
 * even if two polls of the same execution report it.
 *
 * @param previous - the snapshot before (`undefined` on the first poll, or the watch's `since`).
 * @param current - the snapshot just polled.
 * @param workflow - the workflow id, when the snapshot does not carry one.
 * @returns the samples, possibly none; none at all without a workflow id.
 *
 * @example
 * ```ts
 * import { samplesFrom, type ExecutionSnapshot } from 'runwatch';
 *
 * const current: ExecutionSnapshot = {
 *   provider: 'eachlabs', executionId: 'e1', workflowId: 'wf-1', status: 'running', rawStatus: 'running',
 *   startedAt: '2025-12-04T11:48:00Z',
 *   steps: [
 *     { key: 'step1', name: 'step1', status: 'completed', rawStatus: 'completed',
 *       startedAt: '2025-12-04T11:48:10Z', completedAt: '2025-12-04T11:48:39Z' },
 *     { key: 'step2', name: 'step2', status: 'running', rawStatus: 'running', startedAt: '2025-12-04T11:48:39Z' },
 *   ],
 *   raw: {},
 * };
 * console.log(samplesFrom(undefined, current).map((s) => `${s.stepKey} ${s.durationMs}`));
 * // Logs: [ 'step1 29000', '(queue) 10000' ]
 * ```
 */
export function samplesFrom(
  previous: ExecutionSnapshot | undefined,
  current: ExecutionSnapshot,
  workflow?: string,
): DurationSample[] {
  const wf = current.workflowId ?? workflow;
  if (wf === undefined || wf === '') return [];
  const base = { provider: current.provider, workflow: wf, executionId: current.executionId };
  const samples: DurationSample[] = [];
  const before = new Map((previous?.steps ?? []).map((step) => [step.key, step]));
  for (const step of current.steps) {
    if (step.status !== 'completed' || before.get(step.key)?.status === 'completed') continue;
    const ms = span(step.startedAt, step.completedAt);
    if (ms !== undefined) samples.push({ ...base, stepKey: step.key, durationMs: ms });
  }
  const firstStart = earliestStart(current.steps);
  if (firstStart !== undefined && earliestStart(previous?.steps ?? []) === undefined) {
    const ms = span(current.startedAt, firstStart);
    if (ms !== undefined) samples.push({ ...base, stepKey: QUEUE_STEP, durationMs: ms });
  }
  if (current.status === 'completed' && previous?.status !== 'completed') {
    const ms = span(current.startedAt, current.completedAt);
    if (ms !== undefined) samples.push({ ...base, stepKey: EXECUTION_STEP, durationMs: ms });
  }
  return samples;
}

/** Milliseconds from one ISO time to another; `undefined` unless both parse and the span is positive. */
export function span(from: string | undefined, to: string | undefined): number | undefined {
  if (from === undefined || to === undefined) return undefined;
  const ms = Date.parse(to) - Date.parse(from);
  return Number.isFinite(ms) && ms > 0 ? ms : undefined;
}

function earliestStart(steps: readonly StepSnapshot[]): string | undefined {
  let earliest: string | undefined;
  let at = Infinity;
  for (const step of steps) {
    const t = step.startedAt === undefined ? NaN : Date.parse(step.startedAt);
    if (t < at) {
      at = t;
      earliest = step.startedAt;
    }
  }
  return earliest;
}
