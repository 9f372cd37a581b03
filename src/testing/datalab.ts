// Datalab's workflow API: FastAPI errors, upper-case statuses, zone-less times, presigned outputs.
import type { ExecutionRecord } from './execution.js';
import { datalabOutputPath } from './outputs.js';
import type { Phase, StepPhase, StepState } from './timeline.js';
import {
  header,
  judge,
  objectBody,
  zoneless,
  type Dialect,
  type Reply,
  type RequestContext,
  type Route,
} from './wire.js';

// Datalab has no cancelled state: a cancelled execution (or step) shows as FAILED.
const STATUS: Record<Phase, string> = {
  queued: 'QUEUED',
  running: 'IN_PROGRESS',
  completed: 'COMPLETED',
  failed: 'FAILED',
  cancelled: 'FAILED',
};
const STEP_STATUS: Record<StepPhase, string> = {
  pending: 'PENDING',
  running: 'IN_PROGRESS',
  completed: 'COMPLETED',
  failed: 'FAILED',
  cancelled: 'FAILED',
};

const detail = (status: number, message: string): Reply => ({ status, json: { detail: message } });

/** FastAPI's 422: `{"detail": [{type, loc, msg, input}]}`. */
function invalid(loc: (string | number)[], type: string, msg: string, input: unknown): Reply {
  return { status: 422, json: { detail: [{ type, loc, msg, input }] } };
}

const notInteger = (where: 'path' | 'body', name: string, input: unknown): Reply =>
  invalid([where, name], 'int_parsing', 'Input should be a valid integer, unable to parse string as an integer', input);

function hasOutput(step: StepState): boolean {
  return step.phase === 'completed' || step.phase === 'failed' || step.phase === 'cancelled';
}

/** The `GET /executions/{id}` body at the request's time; output URLs are signed afresh then. */
function datalabBody(record: ExecutionRecord, { now, origin, signer }: RequestContext): Record<string, unknown> {
  const state = record.at(now);
  const steps: Record<string, unknown> = {};
  const nested = record.script.nested;
  for (const step of state.steps) {
    const url = (fileKey?: string): string =>
      signer.sign(origin, datalabOutputPath(record.executionId, step.name, fileKey), now);
    if (nested) {
      steps[step.name] = Object.fromEntries(
        nested.map((fileKey) => [
          fileKey,
          { status: STEP_STATUS[step.phase], ...(hasOutput(step) ? { output_url: url(fileKey) } : {}) },
        ]),
      );
      continue;
    }
    steps[step.name] = {
      status: STEP_STATUS[step.phase],
      ...(step.startedAt === undefined ? {} : { started_at: zoneless(step.startedAt) }),
      ...(step.completedAt === undefined ? {} : { completed_at: zoneless(step.completedAt) }),
      ...(hasOutput(step) ? { output_url: url() } : {}),
    };
  }
  return {
    execution_id: Number(record.executionId),
    workflow_id: Number(record.workflowId),
    status: STATUS[state.phase],
    created: zoneless(state.createdAt),
    updated: zoneless(state.updatedAt),
    steps,
  };
}

function status(executionId: string): Route {
  return {
    endpoint: 'status',
    rateKey: 'datalab',
    executionId,
    handle(ctx) {
      if (!/^-?\d+$/.test(executionId)) return notInteger('path', 'execution_id', executionId);
      const record = ctx.store.get('datalab', String(Number(executionId)));
      if (!record) return detail(404, 'Execution not found');
      return { status: 200, json: datalabBody(record, ctx) };
    },
  };
}

/** Checks `{"input_config": {"type": "single_file", "file_url"} | {"type": "file_list", "file_urls"}}`; a 422 when wrong. */
function inputError(ctx: RequestContext): Reply | undefined {
  if (ctx.body.kind === 'invalid') return invalid(['body', 0], 'json_invalid', 'JSON decode error', {});
  const body = objectBody(ctx.body);
  const notObject = 'Input should be a valid dictionary or object to extract fields from';
  if (!body)
    return invalid(['body'], 'model_attributes_type', notObject, ctx.body.kind === 'json' ? ctx.body.value : null);
  const config = body['input_config'];
  if (config === undefined) return invalid(['body', 'input_config'], 'missing', 'Field required', body);
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    return invalid(['body', 'input_config'], 'model_attributes_type', notObject, config);
  }
  const c = config as Record<string, unknown>;
  if (c['type'] === 'single_file') {
    return typeof c['file_url'] === 'string'
      ? undefined
      : invalid(['body', 'input_config', 'file_url'], 'missing', 'Field required', c);
  }
  if (c['type'] === 'file_list') {
    const urls = c['file_urls'];
    const ok = Array.isArray(urls) && urls.length > 0 && urls.every((u) => typeof u === 'string');
    return ok
      ? undefined
      : invalid(
          ['body', 'input_config', 'file_urls'],
          'list_type',
          'Input should be a non-empty list of strings',
          urls ?? null,
        );
  }
  return invalid(
    ['body', 'input_config', 'type'],
    'literal_error',
    "Input should be 'single_file' or 'file_list'",
    c['type'] ?? null,
  );
}

function execute(workflowId: string): Route {
  return {
    endpoint: 'execute',
    rateKey: 'datalab',
    handle(ctx) {
      if (!/^\d+$/.test(workflowId) || Number(workflowId) < 1) return notInteger('path', 'workflow_id', workflowId);
      const problem = inputError(ctx);
      if (problem) return problem;
      const inputs = objectBody(ctx.body) ?? {};
      const record = ctx.store.create('datalab', undefined, { workflowId: String(Number(workflowId)), inputs });
      return { status: 200, json: datalabBody(record, ctx) };
    },
  };
}

/** Datalab: header `X-API-Key`, FastAPI `{"detail": ...}` errors. */
export const datalab: Dialect = {
  provider: 'datalab',
  prefix: '/datalab/api/v1/workflows',
  auth: (headers, apiKey) => judge([header(headers, 'x-api-key')], apiKey),
  unauthorized: (outcome) => detail(401, outcome === 'missing' ? 'Not authenticated' : 'Invalid API key'),
  error: (status, message) => detail(status, message),
  // No hint is documented ("wait up to 60 s"); the simulator adds Retry-After so clients have one to honour.
  rateLimited: (retryAfterSeconds) => ({
    status: 429,
    json: { detail: 'Rate limit exceeded' },
    headers: { 'retry-after': String(retryAfterSeconds) },
  }),
  match(method, s) {
    const [a, b, c] = s;
    if (s.length === 2 && a === 'executions' && b !== undefined)
      return method === 'GET' ? status(b) : { allow: ['GET'] };
    if (s.length === 3 && a === 'workflows' && b !== undefined && c === 'execute')
      return method === 'POST' ? execute(b) : { allow: ['POST'] };
    return undefined;
  },
};
