import {
  isTerminal,
  type ExecutionSnapshot,
  type ExecutionStatus,
  type StepSnapshot,
  type StepStatus,
} from '../../core/model.js';
import { nonEmpty, put, statusFrom, toIsoUtc } from '../normalize.js';
import type { DatalabExecution, DatalabStep } from './schema.js';

/**
 * A normalized Datalab execution; `raw` is the validated body.
 *
 * @example
 * ```ts
 * import { normalizeDatalab, type DatalabSnapshot } from 'runwatch';
 *
 * const snapshot: DatalabSnapshot = normalizeDatalab({ execution_id: 1, status: 'QUEUED' });
 * console.log(snapshot.raw.execution_id);
 * // Logs: 1
 * ```
 */
export type DatalabSnapshot = ExecutionSnapshot<DatalabExecution> & {
  /** Always `'datalab'`: checking it narrows `raw` in a stream of several providers. */
  provider: 'datalab';
};

/**
 * Turns a validated Datalab execution body into a snapshot. Pure: no I/O.
 *
 * Execution statuses: `QUEUED`/`PENDING` → `queued`, `IN_PROGRESS` → `running`, `COMPLETED`,
 * `FAILED`; step statuses map to the same names (`PENDING` → `pending`). Matching ignores
 * case; anything else is `unknown`, with the raw string kept. Zone-less times are read as
 * UTC. `startedAt` is `created`; `completedAt` is `updated`, once terminal. Flat steps are
 * keyed by `unique_name`; nested ones (one per input file) by `unique_name/file_key`.
 *
 * @param body - a body of `GET /executions/{execution_id}` validated by {@link DatalabExecution}.
 * @returns the snapshot, with `body` as `raw`.
 *
 * @example
 * ```ts
 * import { normalizeDatalab } from 'runwatch';
 *
 * const snapshot = normalizeDatalab({
 *   execution_id: 123, workflow_id: 456, status: 'IN_PROGRESS', created: '2025-10-22T10:00:00',
 *   steps: { parse: { status: 'COMPLETED' }, extract: { status: 'IN_PROGRESS' } },
 * });
 * console.log(snapshot.status, snapshot.startedAt, snapshot.steps.map((s) => s.status));
 * // Logs: running 2025-10-22T10:00:00.000Z [ 'completed', 'running' ]
 * ```
 */
export function normalizeDatalab(body: DatalabExecution): DatalabSnapshot {
  const status = statusFrom(EXECUTION_STATUS, body.status);
  const steps = normalizeSteps(body.steps);
  const snapshot: DatalabSnapshot = {
    provider: 'datalab',
    executionId: String(body.execution_id),
    status,
    rawStatus: body.status,
    steps,
    raw: body,
  };
  if (body.workflow_id != null) snapshot.workflowId = String(body.workflow_id);
  put(snapshot, 'startedAt', toIsoUtc(body.created));
  if (isTerminal(status)) put(snapshot, 'completedAt', toIsoUtc(body.updated));
  if (status === 'failed') {
    const message = failureMessage(body, steps);
    if (message !== undefined) snapshot.error = { message };
  }
  return snapshot;
}

function normalizeSteps(steps: DatalabExecution['steps']): StepSnapshot[] {
  const out: StepSnapshot[] = [];
  for (const [name, entry] of Object.entries(steps ?? {})) {
    if (isFlatStep(entry)) {
      out.push(normalizeStep(name, name, entry));
      continue;
    }
    for (const [fileKey, step] of Object.entries(entry)) out.push(normalizeStep(`${name}/${fileKey}`, name, step));
  }
  return out;
}

function isFlatStep(entry: DatalabStep | Record<string, DatalabStep>): entry is DatalabStep {
  return typeof entry['status'] === 'string';
}

function normalizeStep(key: string, name: string, raw: DatalabStep): StepSnapshot {
  const step: StepSnapshot = { key, name, status: statusFrom(STEP_STATUS, raw.status), rawStatus: raw.status };
  put(step, 'startedAt', toIsoUtc(raw.started_at));
  put(step, 'completedAt', toIsoUtc(raw.completed_at));
  put(step, 'outputUrl', raw.output_url || undefined);
  return step;
}

// Datalab's statuses are upper case (QUEUED, IN_PROGRESS, ...); statusFrom folds case.
const EXECUTION_STATUS: ReadonlyMap<string, ExecutionStatus> = new Map([
  ['queued', 'queued'],
  ['pending', 'queued'],
  ['in_progress', 'running'],
  ['completed', 'completed'],
  ['failed', 'failed'],
]);

const STEP_STATUS: ReadonlyMap<string, StepStatus> = new Map([
  ['pending', 'pending'],
  ['queued', 'queued'],
  ['in_progress', 'running'],
  ['completed', 'completed'],
  ['failed', 'failed'],
]);

/**
 * The body documents no error field. Datalab's SDK reads an undocumented `error` string and
 * otherwise names the failed steps; do the same, without letting an odd `error` fail the body.
 */
function failureMessage(raw: DatalabExecution, steps: StepSnapshot[]): string | undefined {
  const error = nonEmpty(raw['error']);
  if (error !== undefined) return error;
  const failed = steps.filter((s) => s.status === 'failed').map((s) => s.key);
  return failed.length > 0 ? `Step(s) failed: ${failed.join(', ')}` : undefined;
}
