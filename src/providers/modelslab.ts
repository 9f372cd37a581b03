import type { Observable } from 'rxjs';
import * as z from 'zod/mini';
import { ConfigError, HttpError } from '../core/errors.js';
import { defaultErrorDetails, type ErrorDetails, type HttpRequest, type HttpResponse } from '../transport/http.js';
import { describe, readSignal, requireId, requireObject } from '../core/options.js';
import type { ExecutionSnapshot, ExecutionStatus, ExecutionUpdate, StepSnapshot, StepStatus } from '../core/model.js';
import type { SnapshotSource, WatchOptions } from '../core/poll.js';
import type { RateLimitOptions } from '../core/budget.js';
import { ProviderCore, nonEmpty, parseWith, put, statusFrom, toIsoUtc, type ClientOptions } from './shared.js';

const PROVIDER = 'modelslab';
const BASE_URL = 'https://modelslab.com/api/v1/workflows';
/** ModelsLab's documented default: 10 requests per minute per workflow. */
const DEFAULT_RATE_LIMIT: RateLimitOptions = { requests: 10, intervalMs: 60_000 };

const Timestamp = z.nullish(z.string());
const Id = z.union([z.int(), z.string().check(z.minLength(1))]);

/** One entry of a ModelsLab `steps` array. Steps carry no id: the name is all there is. */
const ModelsLabStep = z.looseObject({
  /** The step's name; names can repeat. */
  name: z.string(),
  /** The step's state, e.g. `running`, `completed` or `failed`. */
  status: z.string(),
  /** When the step started, ISO 8601 (`2024-01-15T10:30:00Z`). */
  started_at: Timestamp,
  /** When the step ended, ISO 8601; null while running. */
  completed_at: Timestamp,
});

/**
 * The body of `GET /{workflow_id}/runs/{execution_id}`, validated. The top-level `status`
 * is the envelope (`"success"`); the execution's own state is `execution.status`. Unknown
 * fields are kept, and `null` timestamps, `error` and `output` are accepted.
 *
 * @example
 * ```ts
 * import { ModelsLabExecution } from 'runwatch';
 *
 * const result = ModelsLabExecution.safeParse({
 *   status: 'success',
 *   execution: { id: 12345, workflow_id: 'uuid-string', status: 'running', started_at: '2024-01-15T10:30:00Z', completed_at: null },
 *   steps: [],
 * });
 * console.log(result.success && result.data.execution.status);
 * // Logs: running
 * ```
 */
export const ModelsLabExecution = z.looseObject({
  /** The envelope, `"success"`; not the execution's state. */
  status: z.optional(z.string()),
  /** The execution itself. */
  execution: z.looseObject({
    /** The execution's id, an integer. */
    id: Id,
    /** The workflow's UUID. */
    workflow_id: z.nullish(z.string()),
    /** `pending | running | completed | failed | cancelled`. */
    status: z.string(),
    /** When the execution started, ISO 8601 (`2024-01-15T10:30:00Z`). */
    started_at: Timestamp,
    /** When the execution ended, ISO 8601; null until it ends. */
    completed_at: Timestamp,
  }),
  /** The result, once completed. */
  output: z.nullish(
    z.looseObject({
      /** The workflow's output, e.g. a list of file URLs. */
      output: z.optional(z.unknown()),
    }),
  ),
  /** The error message, when failed. */
  error: z.nullish(z.string()),
  /** The steps, in order. They carry no id: a step is known by its name. */
  steps: z.nullish(z.array(ModelsLabStep)),
});
/** The validated body of a ModelsLab execution status response. */
export type ModelsLabExecution = z.output<typeof ModelsLabExecution>;

/**
 * The body of `POST /{workflow_id}/run` (HTTP 202): the new execution's integer id, plus
 * the envelope and links runwatch does not need.
 *
 * @example
 * ```ts
 * import { ModelsLabRunResponse } from 'runwatch';
 *
 * const body = ModelsLabRunResponse.parse({ status: 'success', message: 'Workflow execution started', execution_id: 12345 });
 * console.log(body.execution_id);
 * // Logs: 12345
 * ```
 */
export const ModelsLabRunResponse = z.looseObject({
  /** The envelope, `"success"`. */
  status: z.optional(z.string()),
  /** A human-readable message, e.g. `Workflow execution started`. */
  message: z.nullish(z.string()),
  /** The new execution's id, an integer. */
  execution_id: Id,
  /** The workflow's UUID. */
  workflow_id: z.nullish(z.string()),
});
/** The validated body of a ModelsLab run response. */
export type ModelsLabRunResponse = z.output<typeof ModelsLabRunResponse>;

/**
 * The body of `POST /{workflow_id}/runs/{execution_id}/cancel`: `{status: "success", message}`.
 *
 * @example
 * ```ts
 * import { ModelsLabCancelResponse } from 'runwatch';
 *
 * console.log(ModelsLabCancelResponse.safeParse({ status: 'success', message: 'Execution cancelled' }).success);
 * // Logs: true
 * ```
 */
export const ModelsLabCancelResponse = z.looseObject({
  /** The envelope, `"success"`. */
  status: z.optional(z.string()),
  /** A human-readable message. */
  message: z.nullish(z.string()),
});
/** The validated body of a ModelsLab cancel response. */
export type ModelsLabCancelResponse = z.output<typeof ModelsLabCancelResponse>;

/**
 * A ModelsLab error body: `{"status": "error", "message": "..."}`, with the legacy spelling
 * `messege` on some endpoints, and `retry_after` (seconds) on a 429.
 *
 * @example
 * ```ts
 * import { ModelsLabErrorBody } from 'runwatch';
 *
 * const body = ModelsLabErrorBody.parse({ status: 'error', message: 'Rate limit exceeded', retry_after: 30 });
 * console.log(body.retry_after);
 * // Logs: 30
 * ```
 */
export const ModelsLabErrorBody = z.looseObject({
  /** The envelope, `"error"`. */
  status: z.optional(z.string()),
  /** What went wrong. */
  message: z.nullish(z.string()),
  /** The legacy spelling of `message`, on some endpoints. */
  messege: z.nullish(z.string()),
  /** On a 429: how long to wait before retrying, in seconds. */
  retry_after: z.nullish(z.union([z.number(), z.string()])),
});
/** The validated body of a ModelsLab error response. */
export type ModelsLabErrorBody = z.output<typeof ModelsLabErrorBody>;

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
export type ModelsLabSnapshot = ExecutionSnapshot<ModelsLabExecution>;

/**
 * Names one ModelsLab execution: executions live under their workflow.
 *
 * @example
 * ```ts
 * import type { ModelsLabRef } from 'runwatch';
 *
 * const ref: ModelsLabRef = { workflowId: 'uuid-string', executionId: 12345 };
 * console.log(String(ref.executionId));
 * // Logs: 12345
 * ```
 */
export interface ModelsLabRef {
  /** The workflow's UUID. */
  workflowId: string;
  /** The execution's id; ModelsLab uses integers, a string of digits works as well. */
  executionId: string | number;
}

/**
 * A ModelsLab workflows client; every method may be called detached from the object.
 *
 * @example
 * ```ts
 * import { modelslab, type ModelsLabClient } from 'runwatch';
 *
 * const client: ModelsLabClient = modelslab({ apiKey: process.env.MODELSLAB_API_KEY ?? '' });
 * console.log(typeof client.watch);
 * // Logs: function
 * ```
 */
export interface ModelsLabClient {
  /**
   * Watches one execution until it is completed, failed or cancelled. Cold: the first
   * request goes out at subscription.
   *
   * @param ref - the workflow and execution ids.
   * @param options - backoff, `maxWaitMs`, `since`, scheduler.
   * @returns updates, completing after the terminal one.
   * @throws {@link ConfigError} at once, for an empty or malformed id or an invalid option.
   */
  watch(ref: ModelsLabRef, options?: WatchOptions): Observable<ExecutionUpdate<ModelsLabSnapshot>>;
  /**
   * Fetches an execution's current state once.
   *
   * @param ref - the workflow and execution ids.
   * @param options - `signal` aborts the request (and the wait for budget).
   * @returns the normalized snapshot.
   * @throws {@link ConfigError} at once, for an empty or malformed id.
   */
  get(ref: ModelsLabRef, options?: { signal?: AbortSignal }): Promise<ModelsLabSnapshot>;
  /**
   * Starts a workflow (`POST /{workflow_id}/run`). Not retried: a retry could start it twice.
   *
   * @param workflowId - the workflow's UUID.
   * @param params - the workflow's parameters, sent as a flat JSON object.
   * @param options - `signal` aborts the request (and the wait for budget).
   * @returns the workflow id and the new execution's id, as a string.
   * @throws {@link ConfigError} at once, for an empty id or params that are not a JSON object.
   */
  run(
    workflowId: string,
    params: Record<string, unknown>,
    options?: { signal?: AbortSignal },
  ): Promise<{
    /** The workflow's UUID, as given. */
    workflowId: string;
    /** The new execution's id, as a string. */
    executionId: string;
  }>;
  /**
   * Starts a workflow at subscription and watches the execution it started. Unsubscribing
   * before the run response arrives aborts the POST.
   *
   * @param workflowId - the workflow's UUID.
   * @param params - the workflow's parameters.
   * @param options - as for `watch`.
   * @returns updates of the new execution, completing after the terminal one.
   * @throws {@link ConfigError} at once, for an invalid argument or option.
   */
  runAndWatch(
    workflowId: string,
    params: Record<string, unknown>,
    options?: WatchOptions,
  ): Observable<ExecutionUpdate<ModelsLabSnapshot>>;
  /**
   * Cancels an execution. ModelsLab answers 400 when it has already finished (rejected
   * with an {@link HttpError}) and 404 when it does not know it ({@link NotFoundError}).
   *
   * @param ref - the workflow and execution ids.
   * @param options - `signal` aborts the request (and the wait for budget).
   * @returns a promise that resolves once ModelsLab accepted the cancellation.
   * @throws {@link ConfigError} at once, for an empty or malformed id.
   */
  cancel(ref: ModelsLabRef, options?: { signal?: AbortSignal }): Promise<void>;
}

/**
 * Creates a ModelsLab workflows client. Auth is the `key` header; requests go to
 * `https://modelslab.com/api/v1/workflows` (or `baseUrl`) and wait for a budget of 10 per
 * minute per workflow, ModelsLab's documented limit, shared by every call of this client.
 * A 429's `retry_after` (seconds) becomes the error's `retryAfterMs`, so a watch waits at
 * least that long; a body with `status: "error"` is an error even at HTTP 200.
 *
 * @param options - the API key and transport options; `rateLimit` replaces the default budget.
 * @returns the client.
 * @throws {@link ConfigError} at once, for a missing key or an invalid option.
 *
 * @example
 * ```ts
 * import { modelslab, untilTerminal } from 'runwatch';
 *
 * const client = modelslab({ apiKey: process.env.MODELSLAB_API_KEY ?? '' });
 * client
 *   .runAndWatch('uuid-string', { prompt: 'a lighthouse at dusk' })
 *   .subscribe((update) => console.log(update.snapshot.status));
 * // Logs: queued
 * // Logs: running
 * // Logs: completed
 * ```
 */
export function modelslab(options: ClientOptions): ModelsLabClient {
  const core = new ProviderCore(
    {
      provider: PROVIDER,
      defaultBaseUrl: BASE_URL,
      authHeaders: (apiKey) => ({ key: apiKey }),
      defaultRateLimit: DEFAULT_RATE_LIMIT,
      errorDetails: modelslabErrorDetails,
      // `status: "error"` is an error even at HTTP 200.
      isErrorBody: (body) => typeof body === 'object' && body !== null && (body as { status?: unknown }).status === 'error',
    },
    options,
  );

  /** Every request waits for its workflow's budget first. */
  const call = async (workflowId: string, req: HttpRequest): Promise<HttpResponse> => {
    await core.budget(req.signal, workflowId);
    return core.http.request(req);
  };

  const fetchSnapshot = async (ref: Ref, signal?: AbortSignal): Promise<ModelsLabSnapshot> => {
    const response = await call(ref.workflowId, {
      path: [ref.workflowId, 'runs', ref.executionId],
      signal,
      executionId: ref.executionId,
    });
    const body = parseWith(ModelsLabExecution, response.body, {
      provider: PROVIDER,
      what: 'execution status',
      executionId: ref.executionId,
      status: response.status,
    });
    const snapshot = normalizeModelsLab(body);
    return snapshot.workflowId === undefined ? { ...snapshot, workflowId: ref.workflowId } : snapshot;
  };

  const source = (ref: Ref): SnapshotSource<ModelsLabSnapshot> => ({
    id: ref.executionId,
    fetchSnapshot: (signal) => fetchSnapshot(ref, signal),
  });

  const start = async (workflowId: string, params: Record<string, unknown>, signal?: AbortSignal): Promise<Ref> => {
    const response = await call(workflowId, { method: 'POST', path: [workflowId, 'run'], body: params, signal });
    const body = parseWith(ModelsLabRunResponse, response.body, {
      provider: PROVIDER,
      what: 'run response',
      status: response.status,
    });
    // The id we were given, not the body's echo: the status path must match what the POST used.
    return { workflowId, executionId: String(body.execution_id) };
  };

  return {
    watch: (ref, watchOptions) => core.watch(source(refOf(ref)), watchOptions),
    get: (ref, getOptions) => {
      const r = refOf(ref);
      return fetchSnapshot(r, readSignal(getOptions, PROVIDER));
    },
    run: (workflowId, params, runOptions) => {
      const id = requireId('workflowId', workflowId);
      checkParams(params);
      return start(id, params, readSignal(runOptions, PROVIDER));
    },
    runAndWatch: (workflowId, params, watchOptions) => {
      const id = requireId('workflowId', workflowId);
      checkParams(params);
      return core.runAndWatch(async (signal) => source(await start(id, params, signal)), watchOptions);
    },
    cancel: (ref, cancelOptions) => {
      const r = refOf(ref);
      const signal = readSignal(cancelOptions, PROVIDER);
      return (async () => {
        const response = await call(r.workflowId, {
          method: 'POST',
          path: [r.workflowId, 'runs', r.executionId, 'cancel'],
          signal,
          executionId: r.executionId,
        });
        // An empty success (a proxy's 204) is still a success.
        if (response.body !== undefined) {
          parseWith(ModelsLabCancelResponse, response.body, {
            provider: PROVIDER,
            what: 'cancel response',
            executionId: r.executionId,
            status: response.status,
          });
        }
      })();
    },
  };
}

const EXECUTION_STATUSES: ReadonlyMap<string, ExecutionStatus> = new Map([
  ['pending', 'queued'],
  ['running', 'running'],
  ['completed', 'completed'],
  ['failed', 'failed'],
  ['cancelled', 'cancelled'],
  ['canceled', 'cancelled'],
]);

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
    provider: PROVIDER,
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

function stepsOf(steps: readonly z.output<typeof ModelsLabStep>[]): StepSnapshot[] {
  const seen = new Map<string, number>(); // name → occurrences so far
  const used = new Set<string>();
  return steps.map((step) => {
    // A key depends only on the steps before it, so it survives later steps being appended.
    let n = (seen.get(step.name) ?? 0) + 1;
    let key = n === 1 ? step.name : `${step.name}#${n}`;
    // A literal "Upscale#2" earlier in the list must not be shadowed by a generated one.
    while (used.has(key)) key = `${step.name}#${++n}`;
    seen.set(step.name, n);
    used.add(key);
    const snapshot: StepSnapshot = {
      key,
      name: step.name,
      status: statusFrom(STEP_STATUSES, step.status),
      rawStatus: step.status,
    };
    put(snapshot, 'startedAt', toIsoUtc(step.started_at));
    put(snapshot, 'completedAt', toIsoUtc(step.completed_at));
    return snapshot;
  });
}

/** Reads ModelsLab's error bodies: `message` (or `messege`) and a 429's `retry_after` seconds. */
function modelslabErrorDetails(body: unknown): ErrorDetails {
  const parsed = ModelsLabErrorBody.safeParse(body);
  const details = defaultErrorDetails(body);
  if (!parsed.success) return details;
  const seconds = parsed.data.retry_after;
  const n = typeof seconds === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(seconds) ? Number(seconds) : seconds;
  return typeof n === 'number' && Number.isFinite(n) && n >= 0 ? { ...details, retryAfterMs: n * 1000 } : details;
}

interface Ref {
  workflowId: string;
  executionId: string;
}

function refOf(ref: unknown): Ref {
  if (typeof ref !== 'object' || ref === null) {
    throw new ConfigError(`Expected \`ref\` to be { workflowId, executionId }, got ${describe(ref)}`, { option: 'ref' });
  }
  const { workflowId, executionId } = ref as { workflowId?: unknown; executionId?: unknown };
  return { workflowId: requireId('workflowId', workflowId), executionId: requireId('executionId', executionId) };
}

function checkParams(params: unknown): asserts params is Record<string, unknown> {
  requireObject('params', params, PROVIDER);
  try {
    JSON.stringify(params);
  } catch {
    throw new ConfigError('Expected `params` to be JSON-serializable', { option: 'params' });
  }
}
