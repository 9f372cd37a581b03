// ModelsLab's workflow API, as its docs page and NOTES.md describe it.
import { isTerminal } from '../core/model.js';
import type { ExecutionRecord } from './execution.js';
import type { Phase } from './timeline.js';
import {
  fileUrl,
  header,
  isoSeconds,
  judge,
  objectBody,
  type Dialect,
  type Reply,
  type RequestContext,
  type Route,
} from './wire.js';

const PREFIX = '/modelslab/api/v1/workflows';

const STATUS: Record<Phase, string> = {
  queued: 'pending',
  running: 'running',
  completed: 'completed',
  failed: 'failed',
  cancelled: 'cancelled',
};

function error(status: number, message: string): Reply {
  return { status, json: { status: 'error', message } };
}

const notFound = (): Reply => error(404, 'Execution not found');

/** The `GET /{workflow_id}/runs/{execution_id}` body at the request's time, key order as on the docs page. */
function modelslabBody(record: ExecutionRecord, { now, origin }: RequestContext): Record<string, unknown> {
  const state = record.at(now);
  const seconds = (from: number | undefined, to: number | undefined): number | null =>
    from === undefined || to === undefined ? null : Math.round(to - from) / 1000;
  const body: Record<string, unknown> = {
    status: 'success',
    execution: {
      id: Number(record.executionId),
      workflow_id: record.workflowId,
      status: STATUS[state.phase],
      started_at: state.startedAt === undefined ? null : isoSeconds(state.startedAt),
      completed_at: state.completedAt === undefined ? null : isoSeconds(state.completedAt),
      execution_time: seconds(state.startedAt, state.completedAt),
    },
  };
  if (state.phase === 'completed') {
    const output = record.script.hasOutput
      ? record.script.output
      : [fileUrl(origin, 'modelslab', record.executionId, 'image1.png')];
    body['output'] = {
      output,
      proxy_links: Array.isArray(output)
        ? (output as unknown[]).map((u) => (typeof u === 'string' ? u.replace('/files/', '/files/proxy/') : u))
        : [],
      status: 'success',
    };
  }
  if (state.phase === 'failed') body['error'] = state.error;
  body['steps'] = state.steps.map((step) => ({
    name: step.name,
    status: step.phase,
    started_at: step.startedAt === undefined ? null : isoSeconds(step.startedAt),
    completed_at: step.completedAt === undefined ? null : isoSeconds(step.completedAt),
  }));
  return body;
}

function find(ctx: RequestContext, workflowId: string, executionId: string): ExecutionRecord | undefined {
  if (!/^\d+$/.test(executionId)) return undefined;
  const record = ctx.store.get('modelslab', String(Number(executionId)));
  return record?.workflowId === workflowId ? record : undefined;
}

function status(workflowId: string, executionId: string): Route {
  return {
    endpoint: 'status',
    rateKey: `modelslab:${workflowId}`,
    executionId,
    handle(ctx) {
      const record = find(ctx, workflowId, executionId);
      return record ? { status: 200, json: modelslabBody(record, ctx) } : notFound();
    },
  };
}

function run(workflowId: string): Route {
  return {
    endpoint: 'run',
    rateKey: `modelslab:${workflowId}`,
    handle(ctx) {
      if (ctx.body.kind === 'invalid') return error(400, 'Invalid JSON body');
      const params = objectBody(ctx.body);
      if (!params) return error(400, 'The request body must be a JSON object of workflow parameters');
      const record = ctx.store.create('modelslab', undefined, { workflowId, inputs: params });
      const webhook = params['webhook_url'] ?? params['webhook'];
      return {
        status: 202,
        json: {
          status: 'success',
          message: 'Workflow execution started',
          execution_id: Number(record.executionId),
          workflow_id: workflowId,
          status_url: `${ctx.origin}${PREFIX}/${encodeURIComponent(workflowId)}/runs/${record.executionId}`,
          webhook_url: typeof webhook === 'string' ? webhook : null,
        },
      };
    },
  };
}

function cancel(workflowId: string, executionId: string): Route {
  return {
    endpoint: 'cancel',
    rateKey: `modelslab:${workflowId}`,
    executionId,
    handle(ctx) {
      const record = find(ctx, workflowId, executionId);
      if (!record) return notFound();
      const phase = record.at(ctx.now).phase;
      if (isTerminal(phase)) return error(400, `Execution has already finished (${STATUS[phase]})`);
      record.cancelledAt = ctx.now;
      return { status: 200, json: { status: 'success', message: 'Execution cancelled successfully' } };
    },
  };
}

/** ModelsLab: header `key`, `{"status":"error","message"}` errors, `retry_after` in the 429 body. */
export const modelslab: Dialect = {
  provider: 'modelslab',
  prefix: PREFIX,
  auth: (headers, apiKey) => judge([header(headers, 'key')], apiKey),
  unauthorized: (outcome) => error(401, outcome === 'missing' ? 'API key is required' : 'Invalid API key'),
  error: (status, message) => error(status, message),
  rateLimited: (retryAfterSeconds) => ({
    status: 429,
    json: { status: 'error', message: 'Rate limit exceeded. Please try again later.', retry_after: retryAfterSeconds },
  }),
  match(method, s) {
    const [workflowId, a, executionId, b] = s;
    if (workflowId === undefined) return undefined;
    if (s.length === 2 && a === 'run') return method === 'POST' ? run(workflowId) : { allow: ['POST'] };
    if (s.length === 3 && a === 'runs' && executionId !== undefined) {
      return method === 'GET' ? status(workflowId, executionId) : { allow: ['GET'] };
    }
    if (s.length === 4 && a === 'runs' && executionId !== undefined && b === 'cancel') {
      return method === 'POST' ? cancel(workflowId, executionId) : { allow: ['POST'] };
    }
    return undefined;
  },
};
