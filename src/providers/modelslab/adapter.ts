import type { RateLimitOptions } from '../../core/budget.js';
import { ConfigError } from '../../core/errors.js';
import { describe, requireId, requirePlainObject } from '../../core/options.js';
import { secondsToMs, type ErrorDetails } from '../../transport/http.js';
import type { Endpoint, ProviderAdapter } from '../adapter.js';
import { nonEmpty } from '../normalize.js';
import { answeredId } from '../parse.js';
import { normalizeModelsLab, type ModelsLabSnapshot } from './normalize.js';
import { CancelBody, ExecutionBody, RunBody } from './checks.js';
import type {
  ModelsLabCancelResponse,
  ModelsLabErrorBody,
  ModelsLabExecution,
  ModelsLabRunResponse,
} from './schema.js';

const PROVIDER = 'modelslab';

/** ModelsLab's documented default: 10 requests per minute per workflow. */
const BUDGET: RateLimitOptions = { requests: 10, intervalMs: 60_000 };

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

/** A checked {@link ModelsLabRef}: both ids as strings. */
export interface Ref {
  workflowId: string;
  executionId: string;
}

/** A run request: the workflow and its parameters. */
export interface RunInput {
  workflowId: string;
  params: Record<string, unknown>;
}

/** Every request spends its workflow's budget: ModelsLab counts per workflow. */
const status: Endpoint<Ref, ModelsLabSnapshot, ModelsLabExecution> = {
  what: 'execution status',
  request: (ref) => ({
    path: [ref.workflowId, 'runs', ref.executionId],
    scope: ref.workflowId,
    executionId: ref.executionId,
  }),
  schema: ExecutionBody,
  read: (body, ref) => {
    const snapshot = normalizeModelsLab(body);
    return snapshot.workflowId === undefined ? { ...snapshot, workflowId: ref.workflowId } : snapshot;
  },
};

/** `POST /{workflow_id}/run`. The id we were given, not the body's echo: the status path must match the POST's. */
export const run: Endpoint<RunInput, Ref, ModelsLabRunResponse> = {
  what: 'run response',
  request: ({ workflowId, params }) => ({ method: 'POST', path: [workflowId, 'run'], body: params, scope: workflowId }),
  schema: RunBody,
  read: (body, { workflowId }) => ({
    workflowId,
    executionId: answeredId(body.execution_id, 'execution_id', PROVIDER),
  }),
};

/** `POST /{workflow_id}/runs/{execution_id}/cancel`; an empty success (a proxy's 204) is still a success. */
export const cancel: Endpoint<Ref, void, ModelsLabCancelResponse | undefined> = {
  what: 'cancel response',
  request: (ref) => ({
    method: 'POST',
    path: [ref.workflowId, 'runs', ref.executionId, 'cancel'],
    scope: ref.workflowId,
    executionId: ref.executionId,
  }),
  schema: CancelBody,
  read: () => undefined,
  emptyOk: true,
};

/**
 * Reads ModelsLab's error bodies ({@link ModelsLabErrorBody}): `message` (or the legacy
 * `messege`) and a 429's `retry_after` seconds. Field by field, not through the schema: a
 * malformed `retry_after` must not cost the message. ModelsLab answers a missing or wrong key
 * with this envelope at HTTP 200 too: a message about the key stands for a 401.
 */
function readError(body: unknown): ErrorDetails {
  const b: Partial<Record<keyof ModelsLabErrorBody, unknown>> = typeof body === 'object' && body !== null ? body : {};
  const message = nonEmpty(b.message) ?? nonEmpty(b.messege);
  const retryAfterMs = secondsToMs(b.retry_after);
  // "Rate limit exceeded for this API key" asks to wait: a hint makes it a 429, not a 401.
  const auth = retryAfterMs === undefined && /\b(api[ _-]?key|unauthori[sz]ed|unauthenticated)\b/i.test(message ?? '');
  return { message, retryAfterMs, status: auth ? 401 : undefined };
}

/** Checks `{ workflowId, executionId }`. */
export function parseRef(value: unknown): Ref {
  if (typeof value !== 'object' || value === null) {
    throw new ConfigError(`Expected \`ref\` to be { workflowId, executionId }, got ${describe(value)}`, {
      option: 'ref',
      provider: PROVIDER,
    });
  }
  const { workflowId, executionId } = value as { workflowId?: unknown; executionId?: unknown };
  return {
    workflowId: requireId('workflowId', workflowId, PROVIDER),
    executionId: requireId('executionId', executionId, PROVIDER),
  };
}

/** Checks a run request: a workflow id and parameters that are a JSON object. */
export function parseRun(workflowId: unknown, params: unknown): RunInput {
  const id = requireId('workflowId', workflowId, PROVIDER);
  const p = requirePlainObject('params', params, PROVIDER);
  try {
    JSON.stringify(p);
  } catch {
    throw new ConfigError('Expected `params` to be JSON-serializable', { option: 'params', provider: PROVIDER });
  }
  return { workflowId: id, params: p };
}

/**
 * ModelsLab as data: the `key` header, a budget of 10 per minute per workflow, the
 * `status: "error"` envelope that is an error even at HTTP 200, and a 429's `retry_after`.
 */
export const modelslabAdapter: ProviderAdapter<Ref, ModelsLabSnapshot, ModelsLabRef> = {
  name: PROVIDER,
  baseUrl: 'https://modelslab.com/api/v1/workflows',
  authHeaders: (apiKey) => ({ key: apiKey }),
  budget: BUDGET,
  readError,
  isErrorBody: (body) => typeof body === 'object' && body !== null && (body as { status?: unknown }).status === 'error',
  parseRef,
  status,
};
