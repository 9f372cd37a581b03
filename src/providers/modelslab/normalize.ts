import type { ExecutionSnapshot, ExecutionStatus, StepSnapshot, StepStatus } from '../../core/model.js';
import { nonEmpty, put, statusFrom, toIsoUtc, uniqueKeys } from '../normalize.js';
import type { ModelsLabExecution, ModelsLabStep } from './schema.js';

/**
 * A ModelsLab execution, normalized; `raw` is the validated status body.
 *
 * @example
 * ```ts
 * import type { ModelsLabSnapshot } from 'runwatch';
 *
 * declare const snapshot: ModelsLabSnapshot;
 * console.log(snapshot.raw.execution.status === snapshot.rawStatus);
 * // Logs: true
 * ```
 */
export type ModelsLabSnapshot = ExecutionSnapshot<ModelsLabExecution> & {
  /** Always `'modelslab'`: checking it narrows `raw` in a stream of several providers. */
  provider: 'modelslab';
};

const EXECUTION_STATUSES: ReadonlyMap<string, ExecutionStatus> = new Map([
  ['pending', 'queued'],
  ['running', 'running'],
  ['completed', 'completed'],
  ['failed', 'failed'],
  ['cancelled', 'cancelled'],
  ['canceled', 'cancelled'],
]);

/** A ModelsLab execution status, normalized (`pending` is `'queued'`). */
export const executionStatusOf = (raw: string): ExecutionStatus => statusFrom(EXECUTION_STATUSES, raw);

const STEP_STATUSES: ReadonlyMap<string, StepStatus> = new Map([
  ['pending', 'pending'],
  ['queued', 'queued'],
  ['running', 'running'],
  ['completed', 'completed'],
  ['failed', 'failed'],
  ['cancelled', 'cancelled'],
  ['canceled', 'cancelled'],
  ['skipped', 'skipped'],
]);

/**
 * Turns a validated ModelsLab status body into a snapshot. Pure. `execution.status` gives
 * the status (`pending` is `'queued'`; a string it does not know is `'unknown'`, kept in
 * `rawStatus`); steps are keyed by name, with `#2`, `#3` … appended to repeats in order, so
 * keys stay stable from poll to poll; `null` times are left out; `output` is
 * `output.output`; `error` is `{ message: body.error }`.
 *
 * @param body - a body validated by {@link ModelsLabExecution}.
 * @returns the normalized snapshot, with `body` as `raw`.
 *
 * @example
 * ```ts
 * import { normalizeModelsLab } from 'runwatch';
 *
 * const snapshot = normalizeModelsLab({
 *   status: 'success',
 *   execution: { id: 12345, workflow_id: 'uuid-string', status: 'pending' },
 *   steps: [{ name: 'Upscale', status: 'completed' }, { name: 'Upscale', status: 'running' }],
 * });
 * console.log(snapshot.executionId, snapshot.status, snapshot.steps.map((s) => s.key));
 * // Logs: 12345 queued [ 'Upscale', 'Upscale#2' ]
 * ```
 */
export function normalizeModelsLab(body: ModelsLabExecution): ModelsLabSnapshot {
  const execution = body.execution;
  const snapshot: ModelsLabSnapshot = {
    provider: 'modelslab',
    executionId: String(execution.id),
    status: statusFrom(EXECUTION_STATUSES, execution.status),
    rawStatus: execution.status,
    steps: stepsOf(body.steps ?? []),
    raw: body,
  };
  put(snapshot, 'workflowId', execution.workflow_id || undefined);
  put(snapshot, 'startedAt', toIsoUtc(execution.started_at));
  put(snapshot, 'completedAt', toIsoUtc(execution.completed_at));
  put(snapshot, 'output', body.output?.output ?? undefined);
  const message = nonEmpty(body.error);
  if (message !== undefined) snapshot.error = { message };
  return snapshot;
}

function stepsOf(steps: readonly ModelsLabStep[]): StepSnapshot[] {
  const keyOf = uniqueKeys();
  return steps.map((step) => {
    const snapshot: StepSnapshot = {
      key: keyOf(step.name),
      name: step.name,
      status: statusFrom(STEP_STATUSES, step.status),
      rawStatus: step.status,
    };
    put(snapshot, 'startedAt', toIsoUtc(step.started_at));
    put(snapshot, 'completedAt', toIsoUtc(step.completed_at));
    return snapshot;
  });
}
