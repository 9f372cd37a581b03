import * as z from 'zod/mini';
import type { Observable } from 'rxjs';
import { ConfigError } from '../core/errors.js';
import type { HttpRequest, HttpResponse } from '../transport/http.js';
import { describe, requireId, requireObject } from '../core/options.js';
import { isTerminal, type ExecutionSnapshot, type ExecutionStatus, type ExecutionUpdate, type StepSnapshot, type StepStatus } from '../core/model.js';
import type { SnapshotSource, WatchOptions } from '../core/poll.js';
import { ProviderCore, nonEmpty, parseWith, put, statusFrom, toIsoUtc, type ClientOptions } from './shared.js';

const PROVIDER = 'datalab';

/** The documented base; `baseUrl` replaces it, path included. */
const DEFAULT_BASE_URL = 'https://www.datalab.to/api/v1/workflows';

/** Datalab's documented default: 200 requests per minute. */
const DEFAULT_RATE_LIMIT = { requests: 200, intervalMs: 60_000 };

/**
 * Datalab documents "on 429 wait up to 60 s" and no header. Waiting the whole window means
 * one retry gets through, where a short backoff would spend every retry inside the same
 * window and end the watch; a `Retry-After` header, if one is ever sent, still wins.
 */
const RATE_LIMIT_WAIT_MS = 60_000;

/** Presigned outputs fetched at once per poll with `resolveOutputs`. */
const OUTPUT_CONCURRENCY = 4;

const Id = z.union([z.int(), z.string().check(z.minLength(1))]);
const Timestamp = z.optional(z.nullable(z.string()));

/**
 * One step's state in a Datalab execution body (the flat form), or one input file's state
 * of a step (the nested form). Times are zone-less UTC (`"2025-10-22T10:00:00"`).
 *
 * @example
 * ```ts
 * import { DatalabStep } from 'runwatch';
 *
 * const step = DatalabStep.parse({ status: 'COMPLETED', output_url: 'https://bucket.example/out.json?sig=1' });
 * console.log(step.status);
 * // Logs: COMPLETED
 * ```
 */
export const DatalabStep = z.looseObject({
  /** `QUEUED | PENDING | IN_PROGRESS | COMPLETED | FAILED`. */
  status: z.string(),
  /** When the step started, if known: zone-less ISO time, read as UTC. */
  started_at: Timestamp,
  /** When the step ended, if known: zone-less ISO time, read as UTC. */
  completed_at: Timestamp,
  /** A presigned URL of the step's output, for completed or failed steps; fetch it without the API key. It expires. */
  output_url: z.optional(z.nullable(z.string())),
});
/** The validated type of {@link DatalabStep}. */
export type DatalabStep = z.output<typeof DatalabStep>;

/** The nested form: one entry per input file (or `aggregated`), keyed by file. */
const DatalabFileSteps = z.record(z.string(), DatalabStep);

/**
 * The body of `GET /executions/{execution_id}`. `steps` maps each step's `unique_name`
 * either to a {@link DatalabStep} (flat form) or to a map of file keys to steps (nested form).
 * Loose: fields Datalab adds later pass through into `raw`.
 *
 * @example
 * ```ts
 * import { DatalabExecution } from 'runwatch';
 *
 * const body = DatalabExecution.parse({ execution_id: 123, workflow_id: 456, status: 'IN_PROGRESS', steps: {} });
 * console.log(body.execution_id);
 * // Logs: 123
 * ```
 */
export const DatalabExecution = z.looseObject({
  /** The execution's id, an integer. */
  execution_id: Id,
  /** The workflow's id, an integer. */
  workflow_id: z.optional(z.nullable(Id)),
  /** `QUEUED | PENDING | IN_PROGRESS | COMPLETED | FAILED`. */
  status: z.string(),
  /** When the execution was created: zone-less ISO time, read as UTC. */
  created: Timestamp,
  /** When the execution last changed: zone-less ISO time, read as UTC. */
  updated: Timestamp,
  /** Step `unique_name` → its step (flat form), or → file key → step (nested form). */
  steps: z.optional(z.nullable(z.record(z.string(), z.union([DatalabStep, DatalabFileSteps])))),
});
/** The validated type of {@link DatalabExecution}. */
export type DatalabExecution = z.output<typeof DatalabExecution>;

/**
 * The body of `POST /workflows/{workflow_id}/execute`: at least `execution_id`, often a whole
 * execution body.
 *
 * @example
 * ```ts
 * import { DatalabExecuteResponse } from 'runwatch';
 *
 * console.log(DatalabExecuteResponse.parse({ execution_id: 789, status: 'QUEUED' }).execution_id);
 * // Logs: 789
 * ```
 */
export const DatalabExecuteResponse = z.looseObject({
  /** The new execution's id, an integer. */
  execution_id: Id,
});
/** The validated type of {@link DatalabExecuteResponse}. */
export type DatalabExecuteResponse = z.output<typeof DatalabExecuteResponse>;

/**
 * A Datalab (FastAPI) error body: `{"detail": "..."}`, or for a 422 a list of
 * `{loc, msg, type}`. The client reads these into error messages; exported for users who
 * inspect raw responses.
 *
 * @example
 * ```ts
 * import { DatalabErrorBody } from 'runwatch';
 *
 * const body = DatalabErrorBody.parse({ detail: [{ loc: ['path', 'execution_id'], msg: 'Input should be a valid integer', type: 'int_parsing' }] });
 * console.log(Array.isArray(body.detail));
 * // Logs: true
 * ```
 */
export const DatalabErrorBody = z.looseObject({
  /** The error message, or for a 422 the list of validation errors. */
  detail: z.union([
    z.string(),
    z.array(
      z.looseObject({
        /** Where the error is: path segments and indexes, e.g. `['path', 'execution_id']`. */
        loc: z.array(z.union([z.string(), z.number()])),
        /** The error message. */
        msg: z.string(),
        /** The error type, e.g. `int_parsing`. */
        type: z.string(),
      }),
    ),
  ]),
});
/** The validated type of {@link DatalabErrorBody}. */
export type DatalabErrorBody = z.output<typeof DatalabErrorBody>;

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
export type DatalabSnapshot = ExecutionSnapshot<DatalabExecution>;

/**
 * Options of a Datalab watch.
 *
 * @example
 * ```ts
 * import type { DatalabWatchOptions } from 'runwatch';
 *
 * const options: DatalabWatchOptions = { resolveOutputs: true, maxWaitMs: 600_000 };
 * console.log(options.resolveOutputs);
 * // Logs: true
 * ```
 */
export interface DatalabWatchOptions extends WatchOptions {
  /**
   * Download each completed step's presigned output (once per step, without the API key)
   * and emit it as a `step-output` change with `step.output` set. A failed download does
   * not end the watch: the step's `output` stays unset and the next poll tries again with
   * the fresh URL.
   * @defaultValue false
   */
  resolveOutputs?: boolean;
}

/**
 * A client for Datalab workflow executions. Every observable is cold.
 *
 * @example
 * ```ts
 * import { datalab, type DatalabClient } from 'runwatch';
 *
 * const client: DatalabClient = datalab({ apiKey: process.env.DATALAB_API_KEY ?? '' });
 * console.log(typeof client.watch);
 * // Logs: function
 * ```
 */
export interface DatalabClient {
  /**
   * Watches one execution until `COMPLETED` or `FAILED`.
   *
   * @param executionId - the integer `execution_id`, as a number or a string.
   * @param options - backoff, `maxWaitMs`, `since`, `resolveOutputs`.
   * @returns a cold observable of updates; completes after the terminal one.
   * @throws {@link ConfigError} at once for an empty or non-string, non-number id or a bad option.
   */
  watch(executionId: string | number, options?: DatalabWatchOptions): Observable<ExecutionUpdate<DatalabSnapshot>>;
  /**
   * Fetches the execution's current state once.
   *
   * @param executionId - the integer `execution_id`.
   * @param options - `signal` to abort.
   * @returns the normalized snapshot; rejects with a typed error.
   */
  get(executionId: string | number, options?: { signal?: AbortSignal }): Promise<DatalabSnapshot>;
  /**
   * Starts a workflow: `POST /workflows/{workflow_id}/execute` with `{ input_config }`.
   *
   * @param workflowId - the integer `workflow_id`.
   * @param inputConfig - e.g. `{ type: 'single_file', file_url }` or `{ type: 'file_list', file_urls }`.
   * @param options - `signal` to abort.
   * @returns the new execution's id, as a string.
   */
  execute(
    workflowId: string | number,
    inputConfig: object,
    options?: { signal?: AbortSignal },
  ): Promise<{
    /** The new execution's integer `execution_id`, as a string. */
    executionId: string;
  }>;
  /**
   * Starts a workflow when subscribed, then watches the execution it started.
   *
   * @param workflowId - the integer `workflow_id`.
   * @param inputConfig - the `input_config` body.
   * @param options - as for {@link DatalabClient.watch}.
   * @returns a cold observable: each subscription starts its own execution.
   * @throws {@link ConfigError} at once for a bad id, input or option.
   */
  runAndWatch(
    workflowId: string | number,
    inputConfig: object,
    options?: DatalabWatchOptions,
  ): Observable<ExecutionUpdate<DatalabSnapshot>>;
  /**
   * Downloads a step's presigned `outputUrl`: no API key, no provider headers. Parses JSON
   * when the content type says so and returns text otherwise.
   *
   * @param step - a step with an `outputUrl`.
   * @param options - `signal` to abort.
   * @returns the output; rejects with an {@link AuthenticationError} or {@link NotFoundError}
   * saying the URL has expired on 403/404 (get the execution again for a fresh URL).
   */
  stepOutput(step: StepSnapshot, options?: { signal?: AbortSignal }): Promise<unknown>;
}

/**
 * Creates a Datalab client. Requests go to `https://www.datalab.to/api/v1/workflows` with
 * the key in `X-API-Key`, within a budget of 200 requests per minute shared by every watch
 * of the client (`rateLimit` overrides it, `false` turns it off). A 429 without a
 * `Retry-After` header is retried after 60 s, as Datalab documents.
 *
 * @param options - the API key and transport options.
 * @returns the client.
 * @throws {@link ConfigError} at once for a missing key or a bad option.
 *
 * @example
 * ```ts
 * import { datalab } from 'runwatch';
 *
 * const client = datalab({ apiKey: process.env.DATALAB_API_KEY ?? '' });
 * client.watch(123, { resolveOutputs: true }).subscribe((update) => {
 *   for (const change of update.changes) if (change.type === 'step-output') console.log(change.step.key, typeof change.step.output);
 * });
 * // Logs: parse object
 * ```
 */
export function datalab(options: ClientOptions): DatalabClient {
  const core = new ProviderCore(
    {
      provider: PROVIDER,
      defaultBaseUrl: DEFAULT_BASE_URL,
      authHeaders: (apiKey) => ({ 'X-API-Key': apiKey }),
      defaultRateLimit: DEFAULT_RATE_LIMIT,
      defaultRetryAfterMs: RATE_LIMIT_WAIT_MS,
    },
    options,
  );

  const send = async (req: HttpRequest): Promise<HttpResponse> => {
    await core.budget(req.signal);
    return core.http.request(req);
  };

  const fetchExecution = async (executionId: string, signal?: AbortSignal): Promise<DatalabSnapshot> => {
    const response = await send({ path: ['executions', executionId], signal, executionId });
    return normalizeBody(response.body, { executionId, status: response.status });
  };

  const start = async (workflowId: string, inputConfig: object, signal?: AbortSignal): Promise<{ executionId: string }> => {
    const response = await send({
      method: 'POST',
      path: ['workflows', workflowId, 'execute'],
      body: { input_config: inputConfig },
      signal,
    });
    const body = parseWith(DatalabExecuteResponse, response.body, {
      provider: PROVIDER,
      what: 'execute response',
      status: response.status,
    });
    return { executionId: String(body.execution_id) };
  };

  const fetchOutput = (url: string, signal?: AbortSignal, executionId?: string): Promise<unknown> =>
    core.http.fetchForeign(url, { signal, executionId });

  const source = (executionId: string, resolveOutputs: boolean): SnapshotSource<DatalabSnapshot> => {
    // Shared by every subscription of one watch: an output is the same for all of them.
    const outputs = new Map<string, Promise<unknown>>();
    return {
      id: executionId,
      fetchSnapshot: async (signal) => {
        const snapshot = await fetchExecution(executionId, signal);
        if (!resolveOutputs) return snapshot;
        return withOutputs(snapshot, outputs, signal, (url) => fetchOutput(url, signal, executionId));
      },
    };
  };

  return {
    watch(executionId, watchOptions = {}) {
      const id = requireId('executionId', executionId);
      const { resolveOutputs, rest } = splitWatchOptions(watchOptions);
      return core.watch(source(id, resolveOutputs), rest);
    },

    async get(executionId, getOptions = {}) {
      const id = requireId('executionId', executionId);
      return fetchExecution(id, getOptions.signal);
    },

    async execute(workflowId, inputConfig, executeOptions = {}) {
      const id = requireId('workflowId', workflowId);
      requireInputConfig(inputConfig);
      return start(id, inputConfig, executeOptions.signal);
    },

    runAndWatch(workflowId, inputConfig, watchOptions = {}) {
      const id = requireId('workflowId', workflowId);
      requireInputConfig(inputConfig);
      const { resolveOutputs, rest } = splitWatchOptions(watchOptions);
      return core.runAndWatch(async (signal) => {
        const { executionId } = await start(id, inputConfig, signal);
        return source(executionId, resolveOutputs);
      }, rest);
    },

    async stepOutput(step, outputOptions = {}) {
      const url = (step as Partial<StepSnapshot> | null | undefined)?.outputUrl;
      if (typeof url !== 'string' || url === '') {
        throw new ConfigError(`Expected \`step.outputUrl\` to be a URL string, got ${describe(url)}`, {
          option: 'step',
          provider: PROVIDER,
        });
      }
      return fetchOutput(url, outputOptions.signal);
    },
  };
}

/**
 * Validates a Datalab execution body and normalizes it. Pure: no I/O.
 *
 * Execution statuses: `QUEUED`/`PENDING` → `queued`, `IN_PROGRESS` → `running`, `COMPLETED`,
 * `FAILED`; step statuses map to the same names (`PENDING` → `pending`). Matching ignores
 * case; anything else is `unknown`, with the raw string kept. Zone-less times are read as
 * UTC. `startedAt` is `created`; `completedAt` is `updated`, once terminal. Flat steps are
 * keyed by `unique_name`; nested ones (one per input file) by `unique_name/file_key`.
 *
 * @param body - a parsed JSON body of `GET /executions/{execution_id}`.
 * @returns the snapshot.
 * @throws {@link ResponseValidationError} when the body does not fit {@link DatalabExecution}.
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
export function normalizeDatalab(body: unknown): DatalabSnapshot {
  return normalizeBody(body, {});
}

function normalizeBody(body: unknown, context: { executionId?: string; status?: number }): DatalabSnapshot {
  const raw = parseWith(ExecutionParser, body, { provider: PROVIDER, what: 'execution', ...context });
  const status = statusFrom(EXECUTION_STATUS, raw.status);
  const steps = normalizeSteps(raw.steps);
  const snapshot: DatalabSnapshot = {
    provider: PROVIDER,
    executionId: String(raw.execution_id),
    status,
    rawStatus: raw.status,
    steps,
    raw,
  };
  if (raw.workflow_id != null) snapshot.workflowId = String(raw.workflow_id);
  put(snapshot, 'startedAt', toIsoUtc(raw.created));
  if (isTerminal(status)) put(snapshot, 'completedAt', toIsoUtc(raw.updated));
  if (status === 'failed') {
    const message = failureMessage(raw, steps);
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

/**
 * Fills `output` of completed steps from the cache, downloading the missing ones. Keyed by
 * step and URL without its query: the URL is re-signed on every poll, the object is not.
 */
async function withOutputs(
  snapshot: DatalabSnapshot,
  cache: Map<string, Promise<unknown>>,
  signal: AbortSignal,
  download: (url: string) => Promise<unknown>,
): Promise<DatalabSnapshot> {
  const wanted = snapshot.steps.filter((s) => s.status === 'completed' && s.outputUrl !== undefined);
  if (wanted.length === 0) return snapshot;
  const outputs = new Map<string, unknown>();
  await eachLimited(wanted, OUTPUT_CONCURRENCY, async (step) => {
    const url = step.outputUrl!;
    const key = `${step.key}\u0000${url.split(/[?#]/, 1)[0]}`;
    let pending = cache.get(key);
    if (pending === undefined) {
      pending = download(url);
      cache.set(key, pending);
      // A failed download is forgotten, so the next poll tries again with a fresh URL.
      pending.catch(() => {
        if (cache.get(key) === pending) cache.delete(key);
      });
    }
    try {
      outputs.set(step.key, await pending);
    } catch (error) {
      if (signal.aborted) throw error;
      // Not fatal: the step keeps its outputUrl and the watch goes on.
    }
  });
  return {
    ...snapshot,
    steps: snapshot.steps.map((s) => (outputs.has(s.key) ? { ...s, output: outputs.get(s.key) } : s)),
  };
}

async function eachLimited<T>(items: readonly T[], limit: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await run(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

function splitWatchOptions(options: DatalabWatchOptions): { resolveOutputs: boolean; rest: WatchOptions } {
  const { resolveOutputs, ...rest } = requireObject('options', options, PROVIDER) as DatalabWatchOptions;
  if (resolveOutputs !== undefined && typeof resolveOutputs !== 'boolean') {
    throw new ConfigError(`Expected \`resolveOutputs\` to be a boolean, got ${describe(resolveOutputs)}`, {
      option: 'resolveOutputs',
    });
  }
  return { resolveOutputs: resolveOutputs ?? false, rest };
}

function requireInputConfig(value: unknown): asserts value is object {
  requireObject('inputConfig', value, PROVIDER);
}

interface Issue {
  code: string;
  path: PropertyKey[];
  message: string;
  errors?: Issue[][];
}

/**
 * zod reports a failed union as one opaque "invalid union" issue; report the issues of the
 * branch the value was meant for instead, so the error names the field at fault.
 */
const ExecutionParser = {
  safeParse(data: unknown) {
    const result = DatalabExecution.safeParse(data);
    if (result.success) return result;
    const issues = (result.error.issues as unknown as Issue[]).flatMap((issue) => narrowUnion(issue, data));
    return { success: false as const, error: { issues } };
  },
};

function narrowUnion(issue: Issue, data: unknown): Issue[] {
  if (issue.code !== 'invalid_union' || !Array.isArray(issue.errors) || issue.errors.length === 0) return [issue];
  const value = valueAt(data, issue.path);
  const branch = issue.errors[unionBranch(issue.path, value)] ?? issue.errors[0]!;
  return branch.flatMap((inner) => narrowUnion({ ...inner, path: [...issue.path, ...inner.path] }, data));
}

/** Which union member a value was meant as: a step entry with a scalar `status` is a flat step; an id that is a number is the integer. */
function unionBranch(path: PropertyKey[], value: unknown): number {
  if (path[0] === 'steps') {
    const status = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)['status'] : undefined;
    return status !== undefined && (typeof status !== 'object' || status === null) ? 0 : 1;
  }
  return typeof value === 'number' ? 0 : 1;
}

function valueAt(data: unknown, path: PropertyKey[]): unknown {
  let value = data;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}
