// EachLabs, both hosts: the legacy one of the docs pages and the current one of NOTES.md.
import type { ExecutionRecord } from './execution.js';
import type { ExecutionState, Phase, StepPhase } from './timeline.js';
import {
  bearer,
  fileUrl,
  header,
  isUuid,
  isoSeconds,
  judge,
  objectBody,
  type Dialect,
  type Reply,
  type RequestContext,
  type Route,
} from './wire.js';

type Api = 'legacy' | 'current';

const STATUS: Record<Phase, string> = {
  queued: 'queued',
  running: 'running',
  completed: 'completed',
  failed: 'failed',
  cancelled: 'cancelled',
};
// EachLabs has no "pending" step: a step that has not started yet is "queued".
const STEP_STATUS: Record<StepPhase, string> = {
  pending: 'queued',
  running: 'running',
  completed: 'completed',
  failed: 'failed',
  cancelled: 'cancelled',
};
const MODELS = ['openai-chatgpt-5', 'flux-1-1-pro', 'topaz-upscale', 'kling-v2'];

function error(status: number, message: string, requestId: string): Reply {
  return { status, json: { error: message }, headers: { 'x-request-id': requestId } };
}

/** A step's output once it completed: the script's, or text for the first step and an image after. */
function stepOutput(record: ExecutionRecord, index: number, origin: string): unknown {
  const step = record.script.steps[index]!;
  if (step.hasOutput) return step.output;
  return index === 0
    ? `Simulated output of ${step.name}`
    : [fileUrl(origin, 'eachlabs', record.executionId, `${step.name}.png`)];
}

function primary(output: unknown): unknown {
  return Array.isArray(output) ? (output[0] ?? null) : output;
}

function finalOutput(record: ExecutionRecord, origin: string): unknown {
  if (record.script.hasOutput) return record.script.output;
  const last = record.script.steps.length - 1;
  return last < 0 ? null : stepOutput(record, last, origin);
}

/** The `GET /executions/{id}` body at the request's time: the docs page's fields, plus the current host's additions. */
function eachlabsBody(record: ExecutionRecord, { now, origin }: RequestContext, api: Api): Record<string, unknown> {
  const state = record.at(now);
  const current = api === 'current';
  const stepOutputs: Record<string, unknown> = {};
  for (const step of state.steps) {
    const output = step.phase === 'completed' ? stepOutput(record, step.index, origin) : null;
    const failed = step.phase === 'failed';
    stepOutputs[step.name] = {
      step_id: step.name,
      ...(current ? { kind: 'model' } : {}),
      status: STEP_STATUS[step.phase],
      started_at: step.startedAt === undefined ? null : isoSeconds(step.startedAt),
      completed_at: step.completedAt === undefined ? null : isoSeconds(step.completedAt),
      output,
      primary: primary(output),
      metadata: { model: MODELS[step.index % MODELS.length], version: '0.0.1' },
      ...(current && failed ? { error: 'step_failed', error_cause: record.script.steps[step.index]!.error } : {}),
    };
  }
  const body: Record<string, unknown> = {
    execution_id: record.executionId,
    workflow_id: record.workflowId,
    ...(current ? { version_id: record.versionId } : {}),
    ...(record.bulkId === undefined ? {} : { bulk_id: record.bulkId }),
    status: STATUS[state.phase],
    started_at: isoSeconds(state.createdAt),
    completed_at: state.completedAt === undefined ? null : isoSeconds(state.completedAt),
    inputs: record.script.inputs,
    step_outputs: stepOutputs,
  };
  if (state.phase === 'completed') {
    body['output'] = finalOutput(record, origin);
    if (current) body['workflow_output'] = body['output'];
  }
  if (state.phase === 'failed') {
    body['error'] = 'step_failed';
    body['error_cause'] = state.error;
  }
  if (current) body['total_cost'] = Math.round(state.steps.filter((s) => s.phase === 'completed').length * 12) / 1000;
  return body;
}

/** One row of `GET …/executions`. */
function summary(record: ExecutionRecord, state: ExecutionState): Record<string, unknown> {
  return {
    execution_id: record.executionId,
    flow_id: record.workflowId,
    flow_name: record.script.workflowName,
    version_id: record.versionId,
    status: STATUS[state.phase],
    started_at: isoSeconds(state.createdAt),
    ...(state.completedAt === undefined ? {} : { ended_at: isoSeconds(state.completedAt) }),
    created_at: isoSeconds(state.createdAt),
    updated_at: isoSeconds(state.updatedAt),
  };
}

function status(api: Api, executionId: string): Route {
  return {
    endpoint: 'status',
    rateKey: 'eachlabs',
    executionId,
    handle(ctx) {
      const record = ctx.store.get('eachlabs', executionId);
      if (!record) return error(404, 'execution not found', ctx.requestId);
      return { status: 200, json: eachlabsBody(record, ctx, api) };
    },
  };
}

function whole(value: string | null, fallback: number, min: number, max: number): number | undefined {
  if (value === null || value === '') return fallback;
  if (!/^\d+$/.test(value)) return undefined;
  const n = Number(value);
  return n >= min && n <= max ? n : undefined;
}

function list(workflowId: string): Route {
  return {
    endpoint: 'list',
    rateKey: 'eachlabs',
    handle(ctx) {
      const limit = whole(ctx.query.get('limit'), 50, 1, 100);
      if (limit === undefined) return error(400, 'limit must be an integer between 1 and 100', ctx.requestId);
      const offset = whole(ctx.query.get('offset'), 0, 0, Number.MAX_SAFE_INTEGER);
      if (offset === undefined) return error(400, 'offset must be a non-negative integer', ctx.requestId);
      const bulkId = ctx.query.get('bulk_id');
      const all = ctx.store.all('eachlabs');
      if (bulkId !== null && !isUuid(bulkId) && !all.some((e) => e.bulkId === bulkId)) {
        return error(400, 'invalid bulk_id format', ctx.requestId);
      }
      if (!ctx.store.hasWorkflow('eachlabs', workflowId)) return error(404, 'workflow not found', ctx.requestId);
      const matching = all.filter((e) => e.workflowId === workflowId && (bulkId === null || e.bulkId === bulkId));
      const page = matching.slice(offset, offset + limit);
      return {
        status: 200,
        json: {
          executions: page.map((e) => summary(e, e.at(ctx.now))),
          offset: offset + page.length,
          total_count: matching.length,
        },
      };
    },
  };
}

/** Reads `{inputs?, version_id?, webhook_url?}`; a string when the body is wrong. */
function triggerBody(ctx: RequestContext): { inputs?: Record<string, unknown>; versionId?: string } | string {
  if (ctx.body.kind === 'invalid') return 'invalid request body';
  const body = objectBody(ctx.body);
  if (!body) return 'request body must be a JSON object';
  const inputs = body['inputs'];
  if (inputs !== undefined && (typeof inputs !== 'object' || inputs === null || Array.isArray(inputs)))
    return 'inputs must be an object';
  const versionId = body['version_id'];
  if (versionId !== undefined && (typeof versionId !== 'string' || versionId === ''))
    return 'version_id must be a string';
  return {
    ...(inputs === undefined ? {} : { inputs: inputs as Record<string, unknown> }),
    ...(versionId === undefined ? {} : { versionId }),
  };
}

function trigger(api: Api, workflowId: string, versionId?: string): Route {
  return {
    endpoint: 'trigger',
    rateKey: 'eachlabs',
    handle(ctx) {
      const parsed = triggerBody(ctx);
      if (typeof parsed === 'string') return error(400, parsed, ctx.requestId);
      const version = versionId ?? parsed.versionId;
      const record = ctx.store.create('eachlabs', undefined, {
        workflowId,
        ...(version === undefined ? {} : { versionId: version }),
        ...(parsed.inputs === undefined ? {} : { inputs: parsed.inputs }),
      });
      if (api === 'current') return { status: 202, json: { execution_id: record.executionId, status: 'queued' } };
      const state = record.at(ctx.now);
      return {
        status: 202,
        json: {
          execution_id: record.executionId,
          status: STATUS[state.phase],
          started_at: isoSeconds(state.createdAt),
        },
      };
    },
  };
}

function bulkTrigger(workflowId: string, versionId?: string): Route {
  return {
    endpoint: 'bulk-trigger',
    rateKey: 'eachlabs',
    handle(ctx) {
      if (ctx.body.kind === 'invalid') return error(400, 'invalid request body', ctx.requestId);
      const body = objectBody(ctx.body);
      const inputs = body?.['inputs'];
      const ok =
        Array.isArray(inputs) &&
        inputs.length >= 1 &&
        inputs.length <= 10 &&
        inputs.every((i) => typeof i === 'object' && i !== null && !Array.isArray(i));
      if (!ok) return error(400, 'inputs must be an array of 1 to 10 objects', ctx.requestId);
      const version = versionId ?? (typeof body?.['version_id'] === 'string' ? body['version_id'] : undefined);
      const bulkId = ctx.uuid();
      const executions = (inputs as Record<string, unknown>[]).map((input) => {
        const record = ctx.store.create('eachlabs', undefined, {
          workflowId,
          bulkId,
          inputs: input,
          ...(version === undefined ? {} : { versionId: version }),
        });
        return { execution_id: record.executionId, status: 'queued' };
      });
      return { status: 202, json: { bulk_id: bulkId, executions } };
    },
  };
}

function dialect(api: Api, prefix: string): Dialect {
  return {
    provider: 'eachlabs',
    api,
    prefix,
    auth: (headers, apiKey) =>
      judge(
        api === 'current' ? [header(headers, 'x-api-key'), bearer(headers)] : [header(headers, 'x-api-key')],
        apiKey,
      ),
    unauthorized: (_outcome, requestId) => error(401, 'Invalid or missing API key', requestId),
    error,
    // EachLabs documents no hint header; the simulator adds Retry-After so clients have one to honour.
    rateLimited: (retryAfterSeconds, requestId) => ({
      status: 429,
      json: { error: 'rate limit exceeded' },
      headers: { 'x-request-id': requestId, 'retry-after': String(retryAfterSeconds) },
    }),
    match(method, s) {
      const [a, b, c] = s;
      const only = (allowed: string, route: () => Route): Route | { allow: string[] } =>
        method === allowed ? route() : { allow: [allowed] };
      if (s.length === 2 && a === 'executions' && b !== undefined) return only('GET', () => status(api, b));
      if (api === 'legacy') {
        if (s.length === 3 && a === 'workflows' && b !== undefined && c === 'executions')
          return only('GET', () => list(b));
        if (s.length === 2 && a !== undefined && b === 'trigger') return only('POST', () => trigger(api, a));
        if (s.length === 2 && a !== undefined && b === 'bulk-trigger') return only('POST', () => bulkTrigger(a));
        return undefined;
      }
      if (s.length === 2 && a !== undefined && b === 'executions') return only('GET', () => list(a));
      if (s.length === 3 && a === 'trigger' && b !== undefined && c !== undefined)
        return only('POST', () => trigger(api, b, c));
      if (s.length === 3 && a === 'bulk-trigger' && b !== undefined && c !== undefined)
        return only('POST', () => bulkTrigger(b, c));
      return undefined;
    },
  };
}

/** EachLabs legacy host (`X-API-Key`), the one the docs pages describe. */
export const eachlabsLegacy: Dialect = dialect('legacy', '/eachlabs/api/v1');

/** EachLabs current host (`Authorization: Bearer`, `X-API-Key` also accepted). */
export const eachlabsCurrent: Dialect = dialect('current', '/eachlabs-current/v1/workflows');
