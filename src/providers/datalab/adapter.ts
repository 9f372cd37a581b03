import type { RateLimitOptions } from '../../core/budget.js';
import { requireId, requirePlainObject } from '../../core/options.js';
import type { ErrorDetails } from '../../transport/http.js';
import type { Endpoint, ProviderAdapter } from '../adapter.js';
import { normalizeDatalab, type DatalabSnapshot } from './normalize.js';
import { ExecuteBody, ExecutionBody } from './checks.js';
import type { DatalabErrorBody, DatalabExecuteResponse } from './schema.js';
import { nonEmpty } from '../normalize.js';
import { answeredId } from '../parse.js';

const PROVIDER = 'datalab';

/** Datalab's documented default: 200 requests per minute. */
const BUDGET: RateLimitOptions = { requests: 200, intervalMs: 60_000 };

/**
 * Datalab documents "on 429 wait up to 60 s" and no header. Waiting the whole window means
 * one retry gets through, where a short backoff would spend every retry inside the same
 * window and end the watch; a `Retry-After` header, if one is ever sent, still wins.
 */
const RATE_LIMIT_WAIT_MS = 60_000;

/** A checked execute request. */
export interface ExecuteInput {
  workflowId: string;
  inputConfig: object;
}

/**
 * Reads FastAPI's `{"detail": "..."}` ({@link DatalabErrorBody}), and a 422's list of
 * `{loc, msg, type}` as `loc: msg; …`. Item by item: one odd item must not cost the rest.
 */
function readError(body: unknown): ErrorDetails {
  const detail = (
    typeof body === 'object' && body !== null ? (body as Partial<Record<keyof DatalabErrorBody, unknown>>) : {}
  ).detail;
  if (!Array.isArray(detail)) return { message: nonEmpty(detail) };
  const parts = detail.map((d: unknown) => {
    const item = (typeof d === 'object' && d !== null ? d : {}) as { loc?: unknown; msg?: unknown };
    const loc = Array.isArray(item.loc) ? item.loc.join('.') : '';
    return `${loc ? `${loc}: ` : ''}${nonEmpty(item.msg) ?? 'invalid'}`;
  });
  return parts.length > 0 ? { message: parts.join('; '), code: 'validation_error' } : {};
}

/** `POST /workflows/{workflow_id}/execute` with `{ input_config }`. */
export const execute: Endpoint<ExecuteInput, string, DatalabExecuteResponse> = {
  what: 'execute response',
  request: ({ workflowId, inputConfig }) => ({
    method: 'POST',
    path: ['workflows', workflowId, 'execute'],
    body: { input_config: inputConfig },
  }),
  schema: ExecuteBody,
  read: (body) => answeredId(body.execution_id, 'execution_id', PROVIDER),
};

/** Datalab's ids are integers: a number or a string works. */
export const parseRef = (value: unknown): string => requireId('executionId', value, PROVIDER);

/** Checks an execute request. */
export function parseExecute(workflowId: unknown, inputConfig: unknown): ExecuteInput {
  return {
    workflowId: requireId('workflowId', workflowId, PROVIDER),
    inputConfig: requirePlainObject('inputConfig', inputConfig, PROVIDER),
  };
}

/**
 * Datalab as data: `X-API-Key`, 200 requests per minute, FastAPI error bodies, and a 60 s
 * wait after a 429 that names none.
 */
export const datalabAdapter: ProviderAdapter<string, DatalabSnapshot, string | number> = {
  name: PROVIDER,
  baseUrl: 'https://www.datalab.to/api/v1/workflows',
  authHeaders: (apiKey) => ({ 'X-API-Key': apiKey }),
  budget: BUDGET,
  readError,
  rateLimitWaitMs: RATE_LIMIT_WAIT_MS,
  parseRef,
  status: {
    what: 'execution',
    request: (id) => ({ path: ['executions', id], executionId: id }),
    schema: ExecutionBody,
    read: normalizeDatalab,
  },
};
