import { mergeMap, type Observable } from 'rxjs';
import * as z from 'zod/mini';
import { diff } from '../core/diff.js';
import { ConfigError, ResponseValidationError } from '../core/errors.js';
import { defaultErrorDetails, type ErrorDetails, type HttpRequest } from '../transport/http.js';
import { describe, readSignal, requireId, requireObject } from '../core/options.js';
import {
  isTerminal,
  type ExecutionSnapshot,
  type ExecutionStatus,
  type ExecutionUpdate,
  type StepSnapshot,
  type StepStatus,
} from '../core/model.js';
import type { SnapshotSource, WatchOptions } from '../core/poll.js';
import { ProviderCore, nonEmpty, parseWith, put, statusFrom, toIsoUtc, type ClientOptions } from './shared.js';

const PROVIDER = 'eachlabs';

/** The documented bases; `baseUrl` replaces them, path included. */
const BASE_URLS = {
  legacy: 'https://workflows.eachlabs.run/api/v1',
  current: 'https://api.eachlabs.ai/v1/workflows',
} as const;

/** The list endpoint's documented page size limits. */
const MAX_LIMIT = 100;

/**
 * A bulk is at most ten executions (bulk-trigger takes 1..10 inputs); this only stops a
 * server that never stops paging from holding a watch forever.
 */
const MAX_BULK_PAGES = 1_000;

// ---------------------------------------------------------------------------------------
// Schemas. Loose objects: a field EachLabs adds must not break a watch. Fields the adapter
// reads are typed strictly; documented fields it does not read are `unknown`, so they show
// up in `raw`'s type without a change in their shape ever failing a poll.
// ---------------------------------------------------------------------------------------

// Plain types, no `.check()`s: zod's check machinery costs 0.9 KB gzipped in a browser
// bundle (bench/size.mjs). An empty id still fails where it is used (requireId), and the
// list's counts are checked after parsing (isCount).
const idString = () => z.string();

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
  /** The step's output: text, a list of URLs, anything. */
  output: z.optional(z.unknown()),
  /** The output's main value, e.g. its first URL. */
  primary: z.optional(z.unknown()),
  /** About the step's model run, e.g. `model`, `version` and `params`. */
  metadata: z.optional(z.unknown()),
  /** Current host only. */
  kind: z.optional(z.unknown()),
  /** Current host only. */
  error: z.optional(z.unknown()),
  /** Current host only. */
  error_cause: z.optional(z.unknown()),
});
/** The validated type of {@link EachLabsStepOutput}. */
export type EachLabsStepOutput = z.output<typeof EachLabsStepOutput>;

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
  execution_id: idString(),
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
  /** The final output, only when completed. */
  output: z.optional(z.unknown()),
  /** The error type, only when failed. */
  error: z.nullish(z.string()),
  /** The detailed error message, only when failed. */
  error_cause: z.nullish(z.string()),
  /** The bulk operation's id (a string, or null), when triggered by a bulk trigger. */
  bulk_id: z.optional(z.unknown()),
  /** The input parameters used (an object). */
  inputs: z.optional(z.unknown()),
  /** Current host only. */
  version_id: z.optional(z.unknown()),
  /** Current host only. */
  workflow_output: z.optional(z.unknown()),
  /** Current host only. */
  total_cost: z.optional(z.unknown()),
});
/** The validated type of {@link EachLabsExecution}. */
export type EachLabsExecution = z.output<typeof EachLabsExecution>;

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
  execution_id: idString(),
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
  execution_id: idString(),
  /** The new execution's status, e.g. `queued`. */
  status: z.optional(z.unknown()),
  /** When the execution started (legacy host only). */
  started_at: z.optional(z.unknown()),
});
/** The validated type of {@link EachLabsTriggerResponse}. */
export type EachLabsTriggerResponse = z.output<typeof EachLabsTriggerResponse>;

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

// ---------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------

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
export type EachLabsSnapshot = ExecutionSnapshot<EachLabsExecution>;

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
export type EachLabsBulkSnapshot = ExecutionSnapshot<EachLabsExecutionSummary>;

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

/**
 * The options of {@link eachlabs}: the common {@link ClientOptions} and which host to talk to.
 *
 * @example
 * ```ts
 * import type { EachLabsOptions } from 'runwatch';
 *
 * const options: EachLabsOptions = { apiKey: process.env.EACHLABS_API_KEY ?? '', api: 'current' };
 * console.log(options.api);
 * // Logs: current
 * ```
 */
export interface EachLabsOptions extends ClientOptions {
  /**
   * `'legacy'`: `https://workflows.eachlabs.run/api/v1` with an `X-API-Key` header (the
   * host of the provider's reference pages). `'current'`: `https://api.eachlabs.ai/v1/workflows`
   * with `Authorization: Bearer`; its trigger needs a `versionId`.
   * @defaultValue 'legacy'
   */
  api?: 'legacy' | 'current';
}

/**
 * What {@link EachLabsClient.trigger} sends.
 *
 * @example
 * ```ts
 * import type { EachLabsTriggerBody } from 'runwatch';
 *
 * const body: EachLabsTriggerBody = { inputs: { prompt: 'A majestic mountain landscape' }, versionId: 'v1' };
 * console.log(body.versionId);
 * // Logs: v1
 * ```
 */
export interface EachLabsTriggerBody {
  /**
   * The workflow's inputs.
   * @defaultValue `{}` on the legacy host (where the field is required); left out on the current one
   */
  inputs?: object;
  /**
   * The workflow version to run. Required with `api: 'current'`.
   * @defaultValue the workflow's default version (legacy host)
   */
  versionId?: string;
  /** Where EachLabs posts the result when the execution ends. */
  webhookUrl?: string;
}

/**
 * Which page of a workflow's executions {@link EachLabsClient.list} asks for.
 *
 * @example
 * ```ts
 * import type { EachLabsListQuery } from 'runwatch';
 *
 * const query: EachLabsListQuery = { offset: 50, limit: 50 };
 * console.log(query.offset);
 * // Logs: 50
 * ```
 */
export interface EachLabsListQuery {
  /** Only the executions of this bulk trigger. */
  bulkId?: string;
  /**
   * How many executions to skip; a whole number ≥ 0.
   * @defaultValue 0
   */
  offset?: number;
  /**
   * The page size, a whole number from 1 to 100.
   * @defaultValue 50 (the provider's default)
   */
  limit?: number;
}

/**
 * An EachLabs client: watch, read, list, trigger. Every observable is cold.
 *
 * @example
 * ```ts
 * import { eachlabs, type EachLabsClient } from 'runwatch';
 *
 * const client: EachLabsClient = eachlabs({ apiKey: process.env.EACHLABS_API_KEY ?? '' });
 * console.log(typeof client.watch);
 * // Logs: function
 * ```
 */
export interface EachLabsClient {
  /**
   * Watches one execution until it is `completed`, `failed` or `cancelled`.
   *
   * @param executionId - the execution's id.
   * @param options - backoff, `maxWaitMs`, `since`, scheduler.
   * @returns a cold observable of updates that completes after the terminal one.
   * @throws {@link ConfigError} at once, for an empty or non-string id or a bad option.
   *
   * @example
   * ```ts
   * import { eachlabs } from 'runwatch';
   *
   * eachlabs({ apiKey: process.env.EACHLABS_API_KEY ?? '' })
   *   .watch('69ae8c7b-7500-4a45-b7c0-348b8cc2665b')
   *   .subscribe((u) => console.log(u.snapshot.status));
   * // Logs: completed
   * ```
   */
  watch(executionId: string, options?: WatchOptions): Observable<ExecutionUpdate<EachLabsSnapshot>>;

  /**
   * Reads an execution once.
   *
   * @param executionId - the execution's id.
   * @param options - a `signal` to abort the request.
   * @returns the normalized snapshot.
   * @throws {@link ConfigError} at once, for an empty or non-string id.
   *
   * @example
   * ```ts
   * import { eachlabs } from 'runwatch';
   *
   * const snapshot = await eachlabs({ apiKey: process.env.EACHLABS_API_KEY ?? '' }).get('69ae8c7b-7500-4a45-b7c0-348b8cc2665b');
   * console.log(snapshot.steps.map((s) => s.key));
   * // Logs: [ 'step1', 'step2' ]
   * ```
   */
  get(executionId: string, options?: { signal?: AbortSignal }): Promise<EachLabsSnapshot>;

  /**
   * Reads one page of a workflow's executions, optionally of one bulk trigger.
   *
   * @param workflowId - the workflow's id or slug.
   * @param query - `bulkId`, `offset`, `limit` (1 to 100).
   * @returns the page, with `nextOffset` unless it is the last.
   * @throws {@link ConfigError} at once, for an empty id or an out-of-range `offset`/`limit`.
   *
   * @example
   * ```ts
   * import { eachlabs } from 'runwatch';
   *
   * const page = await eachlabs({ apiKey: process.env.EACHLABS_API_KEY ?? '' }).list('wf-123', { limit: 2 });
   * console.log(page.executions.map((e) => e.status));
   * // Logs: [ 'completed', 'running' ]
   * ```
   */
  list(workflowId: string, query?: EachLabsListQuery): Promise<ExecutionPage>;

  /**
   * Watches every execution of a bulk trigger with one list request per poll (all pages),
   * instead of one status request per execution. Emits an update per execution that
   * changed; completes once every execution seen is terminal (and at least one was seen).
   * Updates carry list summaries: no steps, no output. `since` does not apply to a bulk.
   *
   * @param workflowId - the workflow's id.
   * @param bulkId - the `bulk_id` the bulk trigger returned.
   * @param options - backoff, `maxWaitMs`, scheduler.
   * @returns a cold observable of per-execution updates.
   * @throws {@link ConfigError} at once, for an empty id, a bad option or a `since`.
   *
   * @example
   * ```ts
   * import { eachlabs } from 'runwatch';
   *
   * eachlabs({ apiKey: process.env.EACHLABS_API_KEY ?? '' })
   *   .watchBulk('wf-123', 'b1')
   *   .subscribe((u) => console.log(u.snapshot.executionId, u.snapshot.status));
   * // Logs: exec-1 completed
   * ```
   */
  watchBulk(workflowId: string, bulkId: string, options?: WatchOptions): Observable<ExecutionUpdate<EachLabsBulkSnapshot>>;

  /**
   * Starts an execution. Not retried: a trigger is not idempotent.
   *
   * @param workflowId - the workflow's id.
   * @param body - `inputs`, `versionId` (required with `api: 'current'`), `webhookUrl`.
   * @returns the new execution's id.
   * @throws {@link ConfigError} at once, for an empty id, a bad body or a missing `versionId` on the current host.
   *
   * @example
   * ```ts
   * import { eachlabs } from 'runwatch';
   *
   * const { executionId } = await eachlabs({ apiKey: process.env.EACHLABS_API_KEY ?? '' })
   *   .trigger('50741f40-8621-4d46-8a91-dff4d873be98', { inputs: { prompt: 'A majestic mountain landscape' } });
   * console.log(executionId.length);
   * // Logs: 36
   * ```
   */
  trigger(
    workflowId: string,
    body: EachLabsTriggerBody,
  ): Promise<{
    /** The new execution's id. */
    executionId: string;
  }>;

  /**
   * Triggers an execution when subscribed to, then watches it.
   *
   * @param workflowId - the workflow's id.
   * @param body - as for {@link EachLabsClient.trigger}.
   * @param options - as for {@link EachLabsClient.watch}.
   * @returns a cold observable: each subscription starts a new execution.
   * @throws {@link ConfigError} at once, as {@link EachLabsClient.trigger} would.
   *
   * @example
   * ```ts
   * import { eachlabs, untilTerminal } from 'runwatch';
   *
   * eachlabs({ apiKey: process.env.EACHLABS_API_KEY ?? '' })
   *   .runAndWatch('50741f40-8621-4d46-8a91-dff4d873be98', { inputs: { prompt: 'A lake' } })
   *   .pipe(untilTerminal())
   *   .subscribe((u) => console.log(u.snapshot.status));
   * // Logs: completed
   * ```
   */
  runAndWatch(workflowId: string, body: EachLabsTriggerBody, options?: WatchOptions): Observable<ExecutionUpdate<EachLabsSnapshot>>;
}

// ---------------------------------------------------------------------------------------
// Normalization (pure)
// ---------------------------------------------------------------------------------------

const EXECUTION_STATUSES = new Map<string, ExecutionStatus>([
  ['queued', 'queued'],
  ['running', 'running'],
  ['completed', 'completed'],
  ['failed', 'failed'],
  ['cancelled', 'cancelled'],
]);

const STEP_STATUSES = new Map<string, StepStatus>([
  ['pending', 'pending'],
  ['queued', 'queued'],
  ['running', 'running'],
  ['completed', 'completed'],
  ['failed', 'failed'],
  ['cancelled', 'cancelled'],
  ['skipped', 'skipped'],
]);

function toSteps(map: Record<string, EachLabsStepOutput> | null | undefined): StepSnapshot[] {
  const steps: StepSnapshot[] = [];
  const used = new Set<string>();
  for (const [mapKey, raw] of Object.entries(map ?? {})) {
    const id = nonEmpty(raw.step_id) ?? mapKey;
    // Keys must be unique for diffing; a duplicated step_id gets a suffix rather than
    // silently shadowing its twin.
    let key = id;
    for (let n = 2; used.has(key); n++) key = `${id}#${n}`;
    used.add(key);
    const step: StepSnapshot = { key, name: id, status: statusFrom(STEP_STATUSES, raw.status), rawStatus: raw.status };
    put(step, 'startedAt', toIsoUtc(raw.started_at));
    put(step, 'completedAt', toIsoUtc(raw.completed_at));
    put(step, 'output', raw.output === null ? undefined : raw.output);
    steps.push(step);
  }
  return steps;
}

function toSnapshot(body: EachLabsExecution): EachLabsSnapshot {
  const snapshot: EachLabsSnapshot = {
    provider: PROVIDER,
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

function parseExecution(body: unknown, context: { executionId?: string | undefined; status?: number | undefined } = {}): EachLabsSnapshot {
  return toSnapshot(parseWith(EachLabsExecution, body, { provider: PROVIDER, what: 'execution', ...context }));
}

/**
 * Validates and normalizes an EachLabs execution body (`GET /executions/{id}`, either host)
 * into a snapshot. Pure: no I/O.
 *
 * Statuses are matched case-insensitively; one the library does not know becomes
 * `'unknown'` with the raw string kept. Steps come from the `step_outputs` map in its order,
 * keyed by `step_id` (or the map key). `error` and `error_cause` become
 * `error: { message: error_cause ?? error, code: error }`.
 *
 * @param body - the parsed JSON body.
 * @returns the snapshot, with the validated body as `raw`.
 * @throws {@link ResponseValidationError} when the body does not fit {@link EachLabsExecution}.
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
export function normalizeEachLabs(body: unknown): EachLabsSnapshot {
  return parseExecution(body);
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

function toPage(body: EachLabsExecutionList, requestedOffset: number): ExecutionPage {
  const page: ExecutionPage = { executions: (body.executions ?? []).map(toSummary), totalCount: body.total_count, raw: body };
  put(page, 'nextOffset', nextOffsetOf(body, requestedOffset));
  return page;
}

/**
 * `offset` is where the next page starts. A next start that does not move forward would make
 * a `while (page.nextOffset !== undefined)` loop spin, so it counts as the end too.
 */
function nextOffsetOf(body: EachLabsExecutionList, requestedOffset: number): number | undefined {
  const next = body.offset;
  const more = typeof next === 'number' && (body.executions?.length ?? 0) > 0 && next < body.total_count && next > requestedOffset;
  return more ? next : undefined;
}

function summaryToSnapshot(raw: EachLabsExecutionSummary, fallbackWorkflowId: string): EachLabsBulkSnapshot {
  const snapshot: EachLabsBulkSnapshot = {
    provider: PROVIDER,
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

/**
 * The whole bulk as one snapshot, so the poll engine's backoff, retries and timers apply
 * unchanged: each execution is a "step" keyed by its id, and the bulk is `completed` once
 * every execution seen is terminal.
 */
type BulkSnapshot = ExecutionSnapshot<{ executions: EachLabsBulkSnapshot[] }>;

function toBulkSnapshot(bulkId: string, workflowId: string, executions: EachLabsBulkSnapshot[]): BulkSnapshot {
  const done = executions.length > 0 && executions.every((e) => isTerminal(e.status));
  const status: ExecutionStatus = done ? 'completed' : 'running';
  return {
    provider: PROVIDER,
    executionId: bulkId,
    workflowId,
    status,
    rawStatus: status,
    steps: executions.map((e) => ({ key: e.executionId, name: e.executionId, status: e.status, rawStatus: e.rawStatus })),
    raw: { executions },
  };
}

/**
 * Turns one update of the whole bulk into an update per execution that changed. The engine
 * has already diffed the bulk (a step per execution), so only the executions its changes
 * name are diffed again, for their own execution-level changes.
 */
function splitBulkUpdate(update: ExecutionUpdate<BulkSnapshot>): ExecutionUpdate<EachLabsBulkSnapshot>[] {
  const changed = new Set<string>();
  for (const change of update.changes) if ('step' in change) changed.add(change.step.key);
  const before = new Map((update.previous?.raw.executions ?? []).map((e) => [e.executionId, e]));
  const updates: ExecutionUpdate<EachLabsBulkSnapshot>[] = [];
  for (const snapshot of update.snapshot.raw.executions) {
    if (!changed.has(snapshot.executionId)) continue;
    const previous = before.get(snapshot.executionId);
    updates.push({ snapshot, previous, changes: diff(previous, snapshot) });
  }
  return updates;
}

// ---------------------------------------------------------------------------------------
// Argument checks: all synchronous, so a mistake throws where the call is written.
// ---------------------------------------------------------------------------------------

function requireString(option: string, value: unknown): string {
  // EachLabs ids are UUIDs or slugs; a number is a mistake here, unlike ModelsLab's ids.
  if (typeof value !== 'string') {
    throw new ConfigError(`Expected \`${option}\` to be a non-empty string, got ${describe(value)}`, { option, provider: PROVIDER });
  }
  return requireId(option, value);
}

interface ListArgs {
  bulkId?: string | undefined;
  offset?: number | undefined;
  limit?: number | undefined;
}

function checkListQuery(query: unknown): ListArgs {
  const q = query === undefined ? {} : requireObject('query', query, PROVIDER);
  const { bulkId, offset, limit } = q;
  if (bulkId !== undefined) requireString('bulkId', bulkId);
  if (offset !== undefined && (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0)) {
    throw new ConfigError(`Expected \`offset\` to be a whole number ≥ 0, got ${describe(offset)}`, { option: 'offset', provider: PROVIDER });
  }
  if (limit !== undefined && (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT)) {
    throw new ConfigError(`Expected \`limit\` to be a whole number from 1 to ${MAX_LIMIT}, got ${describe(limit)}`, {
      option: 'limit',
      provider: PROVIDER,
    });
  }
  return { bulkId: bulkId as string | undefined, offset: offset as number | undefined, limit: limit as number | undefined };
}

interface TriggerArgs {
  inputs: object | undefined;
  versionId: string | undefined;
  webhookUrl: string | undefined;
}

function checkTriggerBody(body: unknown, api: 'legacy' | 'current'): TriggerArgs {
  const b = requireObject('body', body, PROVIDER);
  const { inputs, versionId, webhookUrl } = b;
  if (inputs !== undefined) requireObject('inputs', inputs, PROVIDER);
  if (versionId !== undefined) requireString('versionId', versionId);
  if (api === 'current' && versionId === undefined) {
    throw new ConfigError("Expected `versionId`: the current EachLabs API (`api: 'current'`) triggers a specific workflow version", {
      option: 'versionId',
      provider: PROVIDER,
    });
  }
  if (webhookUrl !== undefined) {
    let url: URL | undefined;
    try {
      url = typeof webhookUrl === 'string' ? new URL(webhookUrl) : undefined;
    } catch {
      url = undefined;
    }
    if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
      throw new ConfigError(`Expected \`webhookUrl\` to be an absolute http(s) URL, got ${describe(webhookUrl)}`, {
        option: 'webhookUrl',
        provider: PROVIDER,
      });
    }
  }
  return { inputs: inputs as object | undefined, versionId: versionId as string | undefined, webhookUrl: webhookUrl as string | undefined };
}

function eachLabsErrorDetails(body: unknown): ErrorDetails {
  const parsed = EachLabsErrorBody.safeParse(body);
  if (parsed.success && parsed.data.error.trim() !== '') return { message: parsed.data.error };
  return defaultErrorDetails(body);
}

// ---------------------------------------------------------------------------------------
// The client
// ---------------------------------------------------------------------------------------

/**
 * Creates an EachLabs client. The default host is the one of the provider's reference pages
 * (`api: 'legacy'`, `X-API-Key`); `api: 'current'` talks to `api.eachlabs.ai` with a bearer
 * token. There is no request budget unless `rateLimit` sets one: EachLabs documents no
 * request rate, only a cap on runs in flight (its 429, retried like any 429).
 *
 * @param options - the API key, `api`, and the common {@link ClientOptions}.
 * @returns the client.
 * @throws {@link ConfigError} at once, for a missing key or an invalid option.
 *
 * @example
 * ```ts
 * import { eachlabs, untilTerminal } from 'runwatch';
 *
 * const client = eachlabs({ apiKey: process.env.EACHLABS_API_KEY ?? '' });
 * client.watch('69ae8c7b-7500-4a45-b7c0-348b8cc2665b')
 *   .pipe(untilTerminal())
 *   .subscribe((u) => console.log(u.snapshot.status, u.snapshot.steps.length));
 * // Logs: completed 2
 * ```
 */
export function eachlabs(options: EachLabsOptions): EachLabsClient {
  const api = (options as Partial<EachLabsOptions> | null | undefined)?.api ?? 'legacy';
  if (api !== 'legacy' && api !== 'current') {
    throw new ConfigError(`Expected \`api\` to be 'legacy' or 'current', got ${describe(api)}`, { option: 'api', provider: PROVIDER });
  }
  const core = new ProviderCore(
    {
      provider: PROVIDER,
      defaultBaseUrl: BASE_URLS[api],
      authHeaders: (apiKey): Record<string, string> =>
        api === 'current' ? { authorization: `Bearer ${apiKey}` } : { 'x-api-key': apiKey },
      errorDetails: eachLabsErrorDetails,
    },
    options,
  );

  const fetchExecution = async (executionId: string, signal: AbortSignal | undefined): Promise<EachLabsSnapshot> => {
    await core.budget(signal);
    const response = await core.http.request({ path: ['executions', executionId], signal, executionId });
    return parseExecution(response.body, { executionId, status: response.status });
  };

  const fetchList = async (workflowId: string, query: ListArgs, signal?: AbortSignal): Promise<EachLabsExecutionList> => {
    await core.budget(signal);
    const response = await core.http.request({
      path: api === 'current' ? [workflowId, 'executions'] : ['workflows', workflowId, 'executions'],
      query: { bulk_id: query.bulkId, offset: query.offset, limit: query.limit },
      signal,
    });
    const list = parseWith(EachLabsExecutionList, response.body, { provider: PROVIDER, what: 'execution list', status: response.status });
    // Counts are checked here rather than with zod's int() (0.45 KB gzipped in a browser bundle).
    const bad = !isCount(list.total_count) ? 'total_count' : list.offset != null && !isCount(list.offset) ? 'offset' : undefined;
    if (bad !== undefined) {
      throw new ResponseValidationError(`${PROVIDER}: unexpected execution list body at ${bad}: expected a whole number ≥ 0`, {
        provider: PROVIDER,
        status: response.status,
        issues: [{ path: [bad], message: 'expected a whole number ≥ 0', code: 'invalid_type' }],
      });
    }
    return list;
  };

  const fetchBulk = async (workflowId: string, bulkId: string, signal: AbortSignal): Promise<BulkSnapshot> => {
    // Keyed by id: if executions shift between pages, one seen twice is counted once.
    const seen = new Map<string, EachLabsBulkSnapshot>();
    let offset = 0;
    for (let page = 1; ; page++) {
      const body = await fetchList(workflowId, { bulkId, offset, limit: MAX_LIMIT }, signal);
      for (const summary of body.executions ?? []) {
        if (!seen.has(summary.execution_id)) seen.set(summary.execution_id, summaryToSnapshot(summary, workflowId));
      }
      const next = nextOffsetOf(body, offset);
      if (next === undefined || page >= MAX_BULK_PAGES) break;
      offset = next;
    }
    return toBulkSnapshot(bulkId, workflowId, [...seen.values()]);
  };

  const triggerWith = async (workflowId: string, args: TriggerArgs, signal?: AbortSignal): Promise<{ executionId: string }> => {
    await core.budget(signal);
    const { inputs, versionId, webhookUrl } = args;
    const request: HttpRequest =
      api === 'current'
        ? {
            method: 'POST',
            path: ['trigger', workflowId, versionId as string],
            body: { ...(inputs === undefined ? {} : { inputs }), ...(webhookUrl === undefined ? {} : { webhook_url: webhookUrl }) },
          }
        : {
            method: 'POST',
            path: [workflowId, 'trigger'],
            body: {
              ...(versionId === undefined ? {} : { version_id: versionId }),
              inputs: inputs ?? {},
              ...(webhookUrl === undefined ? {} : { webhook_url: webhookUrl }),
            },
          };
    const response = await core.http.request({ ...request, signal });
    const body = parseWith(EachLabsTriggerResponse, response.body, { provider: PROVIDER, what: 'trigger', status: response.status });
    return { executionId: body.execution_id };
  };

  const sourceFor = (executionId: string): SnapshotSource<EachLabsSnapshot> => ({
    id: executionId,
    fetchSnapshot: (signal) => fetchExecution(executionId, signal),
  });

  return {
    watch(executionId, watchOptions = {}) {
      return core.watch(sourceFor(requireString('executionId', executionId)), watchOptions);
    },

    get(executionId, getOptions) {
      const id = requireString('executionId', executionId);
      return fetchExecution(id, readSignal(getOptions, PROVIDER));
    },

    list(workflowId, query) {
      const id = requireString('workflowId', workflowId);
      const args = checkListQuery(query);
      return fetchList(id, args).then((body) => toPage(body, args.offset ?? 0));
    },

    watchBulk(workflowId, bulkId, watchOptions = {}) {
      const workflow = requireString('workflowId', workflowId);
      const bulk = requireString('bulkId', bulkId);
      if (typeof watchOptions === 'object' && watchOptions !== null && watchOptions.since !== undefined) {
        throw new ConfigError('Expected no `since` for watchBulk: it is a snapshot of one execution, not of a bulk', {
          option: 'since',
          provider: PROVIDER,
        });
      }
      const source: SnapshotSource<BulkSnapshot> = { id: bulk, fetchSnapshot: (signal) => fetchBulk(workflow, bulk, signal) };
      return core.watch(source, watchOptions).pipe(mergeMap(splitBulkUpdate));
    },

    trigger(workflowId, body) {
      const id = requireString('workflowId', workflowId);
      return triggerWith(id, checkTriggerBody(body, api));
    },

    runAndWatch(workflowId, body, watchOptions = {}) {
      const id = requireString('workflowId', workflowId);
      const args = checkTriggerBody(body, api);
      return core.runAndWatch(async (signal) => sourceFor((await triggerWith(id, args, signal)).executionId), watchOptions);
    },
  };
}

function isCount(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}
