import type { ExecutionSnapshot, ExecutionStatus, StepSnapshot, StepStatus } from '../../core/model.js';
import { nonEmpty, put, statusFrom, toIsoUtc, uniqueKeys } from '../normalize.js';
import type {
  EachLabsExecution,
  EachLabsExecutionList,
  EachLabsExecutionSummary,
  EachLabsStepOutput,
} from './schema.js';

/**
 * A normalized EachLabs execution, with the validated body as `raw`.
 *
 * @example
 * ```ts
 * import type { EachLabsSnapshot } from 'runwatch';
 *
 * declare const snapshot: EachLabsSnapshot;
 * console.log(snapshot.raw.execution_id === snapshot.executionId);
 * // Logs: true
 * ```
 */
export type EachLabsSnapshot = ExecutionSnapshot<EachLabsExecution> & {
  /** Always `'eachlabs'`: checking it narrows `raw` in a stream of several providers. */
  provider: 'eachlabs';
};

/**
 * One execution of a bulk as {@link EachLabsClient.watchBulk} sees it: built from a list
 * summary, so without steps or output.
 *
 * @example
 * ```ts
 * import type { EachLabsBulkSnapshot } from 'runwatch';
 *
 * declare const snapshot: EachLabsBulkSnapshot;
 * console.log(snapshot.steps.length);
 * // Logs: 0
 * ```
 */
export type EachLabsBulkSnapshot = ExecutionSnapshot<EachLabsExecutionSummary> & {
  /** Always `'eachlabs'`: checking it narrows `raw` in a stream of several providers. */
  provider: 'eachlabs';
};

/**
 * One execution in a list page, normalized.
 *
 * @example
 * ```ts
 * import type { ExecutionSummary } from 'runwatch';
 *
 * const summary: ExecutionSummary = { executionId: 'exec-1', status: 'running', rawStatus: 'running' };
 * console.log(summary.status);
 * // Logs: running
 * ```
 */
export interface ExecutionSummary {
  /** EachLabs `execution_id`. */
  executionId: string;
  /** EachLabs `flow_id`. */
  workflowId?: string;
  /** EachLabs `flow_name`. */
  workflowName?: string;
  /** EachLabs `version_id`: the workflow version used. */
  versionId?: string;
  /** The normalized status; `unknown` for a status the library does not know. */
  status: ExecutionStatus;
  /** The provider's own status string. */
  rawStatus: string;
  /** ISO 8601 UTC. */
  startedAt?: string;
  /** ISO 8601 UTC (EachLabs `ended_at`). */
  endedAt?: string;
  /** ISO 8601 UTC. */
  createdAt?: string;
  /** ISO 8601 UTC. */
  updatedAt?: string;
}

/**
 * One page of a workflow's executions.
 *
 * @example
 * ```ts
 * import { eachlabs } from 'runwatch';
 *
 * const client = eachlabs({ apiKey: process.env.EACHLABS_API_KEY ?? '' });
 * const page = await client.list('wf-123', { limit: 2 });
 * console.log(page.nextOffset, page.totalCount);
 * // Logs: 2 142
 * ```
 */
export interface ExecutionPage {
  /** This page's executions, in the provider's order. */
  executions: ExecutionSummary[];
  /** Where the next page starts; absent on the last page. */
  nextOffset?: number;
  /** How many executions match in all. */
  totalCount: number;
  /** The validated body. */
  raw: unknown;
}

const EXECUTION_STATUSES: readonly ExecutionStatus[] = ['queued', 'running', 'completed', 'failed', 'cancelled'];

const STEP_STATUSES: readonly StepStatus[] = [
  'pending',
  'queued',
  'running',
  'completed',
  'failed',
  'cancelled',
  'skipped',
];

function toSteps(map: Record<string, EachLabsStepOutput> | null | undefined): StepSnapshot[] {
  const steps: StepSnapshot[] = [];
  // Keys must be unique for diffing: a duplicated step_id gets a suffix rather than
  // silently shadowing its twin.
  const keyOf = uniqueKeys();
  for (const mapKey in map) {
    const raw = map[mapKey]!;
    const id = nonEmpty(raw.step_id) ?? mapKey;
    const step: StepSnapshot = {
      key: keyOf(id),
      name: id,
      status: statusFrom(STEP_STATUSES, raw.status),
      rawStatus: raw.status,
    };
    put(step, 'startedAt', toIsoUtc(raw.started_at));
    put(step, 'completedAt', toIsoUtc(raw.completed_at));
    put(step, 'output', raw.output === null ? undefined : raw.output);
    steps.push(step);
  }
  return steps;
}

/**
 * Turns a validated EachLabs execution body (`GET /executions/{id}`, either host) into a
 * snapshot. Pure: no I/O.
 *
 * Statuses are matched case-insensitively; one the library does not know becomes
 * `'unknown'` with the raw string kept. Steps come from the `step_outputs` map in its order,
 * keyed by `step_id` (or the map key). `error` and `error_cause` become
 * `error: { message: error_cause ?? error, code: error }`.
 *
 * @param body - a body validated by {@link EachLabsExecution}.
 * @returns the snapshot, with `body` as `raw`.
 *
 * @example
 * ```ts
 * import { normalizeEachLabs } from 'runwatch';
 *
 * const snapshot = normalizeEachLabs({
 *   execution_id: 'e1', status: 'failed', error: 'step_failed', error_cause: 'Model timed out', step_outputs: {},
 * });
 * console.log(snapshot.status, snapshot.error);
 * // Logs: failed { message: 'Model timed out', code: 'step_failed' }
 * ```
 */
export function normalizeEachLabs(body: EachLabsExecution): EachLabsSnapshot {
  const snapshot: EachLabsSnapshot = {
    provider: 'eachlabs',
    executionId: body.execution_id,
    status: statusFrom(EXECUTION_STATUSES, body.status),
    rawStatus: body.status,
    steps: toSteps(body.step_outputs),
    raw: body,
  };
  put(snapshot, 'workflowId', nonEmpty(body.workflow_id));
  put(snapshot, 'startedAt', toIsoUtc(body.started_at));
  put(snapshot, 'completedAt', toIsoUtc(body.completed_at));
  put(snapshot, 'output', body.output === null ? undefined : body.output);
  const code = nonEmpty(body.error);
  const message = nonEmpty(body.error_cause) ?? code;
  if (message !== undefined) snapshot.error = code === undefined ? { message } : { message, code };
  return snapshot;
}

function toSummary(raw: EachLabsExecutionSummary): ExecutionSummary {
  const summary: ExecutionSummary = {
    executionId: raw.execution_id,
    status: statusFrom(EXECUTION_STATUSES, raw.status),
    rawStatus: raw.status,
  };
  put(summary, 'workflowId', nonEmpty(raw.flow_id));
  put(summary, 'workflowName', nonEmpty(raw.flow_name));
  put(summary, 'versionId', nonEmpty(raw.version_id));
  put(summary, 'startedAt', toIsoUtc(raw.started_at));
  put(summary, 'endedAt', toIsoUtc(raw.ended_at));
  put(summary, 'createdAt', toIsoUtc(raw.created_at));
  put(summary, 'updatedAt', toIsoUtc(raw.updated_at));
  return summary;
}

export function toPage(body: EachLabsExecutionList, requestedOffset: number): ExecutionPage {
  const page: ExecutionPage = {
    executions: (body.executions ?? []).map(toSummary),
    totalCount: body.total_count,
    raw: body,
  };
  put(page, 'nextOffset', nextOffsetOf(body, requestedOffset));
  return page;
}

/**
 * `offset` is where the next page starts. A next start that does not move forward would make
 * a `while (page.nextOffset !== undefined)` loop spin, so it counts as the end too.
 */
export function nextOffsetOf(body: EachLabsExecutionList, requestedOffset: number): number | undefined {
  const next = body.offset;
  const more =
    typeof next === 'number' && (body.executions?.length ?? 0) > 0 && next < body.total_count && next > requestedOffset;
  return more ? next : undefined;
}

export function summaryToSnapshot(raw: EachLabsExecutionSummary, fallbackWorkflowId: string): EachLabsBulkSnapshot {
  const snapshot: EachLabsBulkSnapshot = {
    provider: 'eachlabs',
    executionId: raw.execution_id,
    workflowId: nonEmpty(raw.flow_id) ?? fallbackWorkflowId,
    status: statusFrom(EXECUTION_STATUSES, raw.status),
    rawStatus: raw.status,
    steps: [],
    raw,
  };
  put(snapshot, 'startedAt', toIsoUtc(raw.started_at));
  put(snapshot, 'completedAt', toIsoUtc(raw.ended_at));
  return snapshot;
}
