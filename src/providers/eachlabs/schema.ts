import * as z from 'zod/mini';

// EachLabs' bodies, on both hosts. Loose objects: a field EachLabs adds must not break a
// watch. Fields the adapter reads are typed strictly; documented fields it does not read are
// `unknown` in the types only (a loose object passes them through): they show up in `raw`'s
// type, a change in their shape fails no poll, and they cost a browser bundle nothing.

// Plain types, no `.check()`s: zod's check machinery costs 0.9 KB gzipped in a browser
// bundle (bench/size.mjs). An empty id still fails where it is used (requireId), and the
// list's counts are checked after parsing (isCount).

/**
 * One entry of an EachLabs execution's `step_outputs` map, as the API sends it.
 *
 * @example
 * ```ts
 * import { EachLabsStepOutput } from 'runwatch';
 *
 * const step = EachLabsStepOutput.parse({ step_id: 'step1', status: 'running' });
 * console.log(step.status);
 * // Logs: running
 * ```
 */
export const EachLabsStepOutput = z.looseObject({
  /** The step's id; the map key is used when it is missing. */
  step_id: z.nullish(z.string()),
  /** `queued | running | completed | failed | cancelled | skipped`. */
  status: z.string(),
  /** When the step started, ISO 8601 (`2025-12-04T11:48:10Z`). */
  started_at: z.nullish(z.string()),
  /** When the step ended, ISO 8601. */
  completed_at: z.nullish(z.string()),
});
/** The validated type of {@link EachLabsStepOutput}. */
export type EachLabsStepOutput = z.output<typeof EachLabsStepOutput> & {
  /** The step's output: text, a list of URLs, anything. */
  output?: unknown;
  /** The output's main value, e.g. its first URL. */
  primary?: unknown;
  /** About the step's model run, e.g. `model`, `version` and `params`. */
  metadata?: unknown;
  /** Current host only. */
  kind?: unknown;
  /** Current host only. */
  error?: unknown;
  /** Current host only. */
  error_cause?: unknown;
};

/**
 * The body of `GET /executions/{id}`, on either host.
 *
 * @example
 * ```ts
 * import { EachLabsExecution } from 'runwatch';
 *
 * const result = EachLabsExecution.safeParse({ execution_id: 'e1', status: 'running', step_outputs: {} });
 * console.log(result.success);
 * // Logs: true
 * ```
 */
export const EachLabsExecution = z.looseObject({
  /** The execution's UUID. */
  execution_id: z.string(),
  /** The workflow's UUID. */
  workflow_id: z.nullish(z.string()),
  /** `queued | running | completed | failed | cancelled`. */
  status: z.string(),
  /** When the execution started, ISO 8601 (`2025-12-04T11:48:10Z`). */
  started_at: z.nullish(z.string()),
  /** When the execution ended, ISO 8601; null while running. */
  completed_at: z.nullish(z.string()),
  /** Step id → step, in the workflow's order. */
  step_outputs: z.nullish(z.record(z.string(), EachLabsStepOutput)),
  /** The error type, only when failed. */
  error: z.nullish(z.string()),
  /** The detailed error message, only when failed. */
  error_cause: z.nullish(z.string()),
});
/** The validated type of {@link EachLabsExecution}. */
export type EachLabsExecution = z.output<typeof EachLabsExecution> & {
  /** The final output, only when completed. */
  output?: unknown;
  /** The bulk operation's id (a string, or null), when triggered by a bulk trigger. */
  bulk_id?: unknown;
  /** The input parameters used (an object). */
  inputs?: unknown;
  /** Current host only. */
  version_id?: unknown;
  /** Current host only. */
  workflow_output?: unknown;
  /** Current host only. */
  total_cost?: unknown;
};

/**
 * One execution in a list page (`GET …/executions` of a workflow).
 *
 * @example
 * ```ts
 * import { EachLabsExecutionSummary } from 'runwatch';
 *
 * const summary = EachLabsExecutionSummary.parse({ execution_id: 'exec-1', flow_id: 'wf-123', status: 'completed' });
 * console.log(summary.flow_id);
 * // Logs: wf-123
 * ```
 */
export const EachLabsExecutionSummary = z.looseObject({
  /** The execution's id. */
  execution_id: z.string(),
  /** The workflow's UUID. */
  flow_id: z.nullish(z.string()),
  /** The workflow's name. */
  flow_name: z.nullish(z.string()),
  /** The workflow version used. */
  version_id: z.nullish(z.string()),
  /** `running | completed | failed | cancelled`. */
  status: z.string(),
  /** When the execution started, ISO 8601 (`2025-12-20T10:00:00Z`). */
  started_at: z.nullish(z.string()),
  /** When the execution ended, ISO 8601; absent or null while running. */
  ended_at: z.nullish(z.string()),
  /** When the execution was created, ISO 8601. */
  created_at: z.nullish(z.string()),
  /** When the execution last changed, ISO 8601. */
  updated_at: z.nullish(z.string()),
});
/** The validated type of {@link EachLabsExecutionSummary}. */
export type EachLabsExecutionSummary = z.output<typeof EachLabsExecutionSummary>;

/**
 * The body of the list endpoint: a page of summaries, the next page's start, the total.
 *
 * @example
 * ```ts
 * import { EachLabsExecutionList } from 'runwatch';
 *
 * const page = EachLabsExecutionList.parse({ executions: [], offset: 0, total_count: 0 });
 * console.log(page.total_count);
 * // Logs: 0
 * ```
 */
export const EachLabsExecutionList = z.looseObject({
  /** This page's executions; null for an empty page (a Go backend serialises an empty slice as null). */
  executions: z.nullable(z.array(EachLabsExecutionSummary)),
  /** The NEXT page's start, not this page's. */
  offset: z.nullish(z.number()),
  /** How many executions match in all, an integer. */
  total_count: z.number(),
});
/** The validated type of {@link EachLabsExecutionList}. */
export type EachLabsExecutionList = z.output<typeof EachLabsExecutionList>;

/**
 * The 202 body of a trigger, on either host.
 *
 * @example
 * ```ts
 * import { EachLabsTriggerResponse } from 'runwatch';
 *
 * console.log(EachLabsTriggerResponse.parse({ execution_id: 'e1', status: 'queued' }).execution_id);
 * // Logs: e1
 * ```
 */
export const EachLabsTriggerResponse = z.looseObject({
  /** The new execution's id. */
  execution_id: z.string(),
});
/** The validated type of {@link EachLabsTriggerResponse}. */
export type EachLabsTriggerResponse = z.output<typeof EachLabsTriggerResponse> & {
  /** The new execution's status, e.g. `queued`. */
  status?: unknown;
  /** When the execution started (legacy host only). */
  started_at?: unknown;
};

/**
 * An EachLabs error body, `{"error": "..."}`.
 *
 * @example
 * ```ts
 * import { EachLabsErrorBody } from 'runwatch';
 *
 * console.log(EachLabsErrorBody.parse({ error: 'execution not found' }).error);
 * // Logs: execution not found
 * ```
 */
export const EachLabsErrorBody = z.looseObject({
  /** What went wrong, e.g. `execution not found`. */
  error: z.string(),
});
/** The validated type of {@link EachLabsErrorBody}. */
export type EachLabsErrorBody = z.output<typeof EachLabsErrorBody>;
