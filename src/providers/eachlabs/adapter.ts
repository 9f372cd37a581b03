import { ConfigError } from '../../core/errors.js';
import {
  checkKeys,
  fail,
  readOptions,
  requireObject,
  requirePlainObject,
  requireStringId,
} from '../../core/options.js';
import { parseHttpUrl } from '../../transport/checks.js';
import type { ErrorDetails } from '../../transport/http.js';
import type { Endpoint, ProviderAdapter, ProviderRequest } from '../adapter.js';
import { nonEmpty } from '../normalize.js';
import { answeredId } from '../parse.js';
import { normalizeEachLabs, type EachLabsSnapshot } from './normalize.js';
import { ExecutionBody, ListBody, TriggerBody } from './checks.js';
import type { EachLabsExecutionList, EachLabsTriggerResponse } from './schema.js';

const PROVIDER = 'eachlabs';

/** Which EachLabs host: the one of its reference pages, or `api.eachlabs.ai`. */
export type EachLabsApi = 'legacy' | 'current';

/** The list endpoint's documented page size limit. */
export const MAX_LIMIT = 100;

/** A checked list request. */
export interface ListInput {
  workflowId: string;
  bulkId?: string | undefined;
  offset?: number | undefined;
  limit?: number | undefined;
}

/** A checked trigger request. */
export interface TriggerInput {
  workflowId: string;
  inputs: object | undefined;
  versionId: string | undefined;
  webhookUrl: string | undefined;
}

/** EachLabs ids are UUIDs or slugs: strings only. */
export const parseId = (option: string, value: unknown): string => requireStringId(option, value, PROVIDER);

/** Reads `{"error": "..."}` ({@link EachLabsErrorBody}), with `error_cause` where there is one. */
function readError(body: unknown): ErrorDetails {
  const b: Partial<Record<'error' | 'error_cause', unknown>> = typeof body === 'object' && body !== null ? body : {};
  const error = nonEmpty(b.error);
  const cause = nonEmpty(b.error_cause);
  if (error !== undefined && cause !== undefined) return { message: `${error}: ${cause}`, code: error };
  return { message: error ?? cause };
}

/** The endpoints of one host. Paths are relative to the base, which `baseUrl` replaces. */
export interface EachLabsEndpoints {
  adapter: ProviderAdapter<string, EachLabsSnapshot>;
  list: Endpoint<ListInput, EachLabsExecutionList, EachLabsExecutionList>;
  trigger: Endpoint<TriggerInput, string, EachLabsTriggerResponse>;
}

function triggerRequest(api: EachLabsApi, t: TriggerInput): ProviderRequest {
  const webhook = t.webhookUrl === undefined ? {} : { webhook_url: t.webhookUrl };
  if (api === 'current') {
    return {
      method: 'POST',
      path: ['trigger', t.workflowId, t.versionId ?? ''],
      body: { ...(t.inputs === undefined ? {} : { inputs: t.inputs }), ...webhook },
    };
  }
  // The legacy host requires `inputs`.
  return {
    method: 'POST',
    path: [t.workflowId, 'trigger'],
    body: { ...(t.versionId === undefined ? {} : { version_id: t.versionId }), inputs: t.inputs ?? {}, ...webhook },
  };
}

/**
 * EachLabs as data, for one host: `'legacy'` (`X-API-Key`, the host of its reference pages)
 * or `'current'` (`Authorization: Bearer`). No request budget: EachLabs documents none, only
 * a cap on runs in flight (its 429, retried like any 429).
 */
export function eachlabsEndpoints(api: EachLabsApi): EachLabsEndpoints {
  const adapter: ProviderAdapter<string, EachLabsSnapshot> = {
    name: PROVIDER,
    baseUrl: api === 'current' ? 'https://api.eachlabs.ai/v1/workflows' : 'https://workflows.eachlabs.run/api/v1',
    authHeaders: (apiKey): Record<string, string> =>
      api === 'current' ? { authorization: `Bearer ${apiKey}` } : { 'x-api-key': apiKey },
    readError,
    parseRef: (value) => parseId('executionId', value),
    status: {
      what: 'execution',
      request: (id) => ({ path: ['executions', id], executionId: id }),
      schema: ExecutionBody,
      read: normalizeEachLabs,
    },
  };
  return {
    adapter,
    list: {
      what: 'execution list',
      request: ({ workflowId, bulkId, offset, limit }) => ({
        path: api === 'current' ? [workflowId, 'executions'] : ['workflows', workflowId, 'executions'],
        query: { bulk_id: bulkId, offset, limit },
      }),
      schema: ListBody,
      read: (body) => body,
    },
    trigger: {
      what: 'trigger',
      request: (t) => triggerRequest(api, t),
      schema: TriggerBody,
      read: (body) => answeredId(body.execution_id, 'execution_id', PROVIDER),
    },
  };
}

/** Checks `list`'s query: an optional bulk id, `offset` ≥ 0, `limit` from 1 to 100. */
export function parseList(workflowId: unknown, query: unknown): ListInput {
  const id = parseId('workflowId', workflowId);
  const q = readOptions('query', query, PROVIDER);
  checkKeys('query', q, ['bulkId', 'offset', 'limit'], PROVIDER);
  const { bulkId, offset, limit } = q;
  if (bulkId !== undefined) parseId('bulkId', bulkId);
  if (offset !== undefined && (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0)) {
    fail('offset', 'a whole number ≥ 0', offset, PROVIDER);
  }
  if (
    limit !== undefined &&
    (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT)
  ) {
    fail('limit', `a whole number from 1 to ${MAX_LIMIT}`, limit, PROVIDER);
  }
  return { workflowId: id, bulkId: bulkId as string | undefined, offset: offset, limit: limit };
}

/** Checks a trigger body: `inputs` an object, `versionId` a string (required on the current host), `webhookUrl` an http(s) URL. */
export function parseTrigger(api: EachLabsApi, workflowId: unknown, body: unknown): TriggerInput {
  const id = parseId('workflowId', workflowId);
  const b = requireObject('body', body, PROVIDER);
  checkKeys('body', b, ['inputs', 'versionId', 'webhookUrl'], PROVIDER);
  const { inputs, versionId, webhookUrl } = b;
  if (inputs !== undefined) requirePlainObject('inputs', inputs, PROVIDER);
  if (versionId !== undefined) parseId('versionId', versionId);
  if (api === 'current' && versionId === undefined) {
    throw new ConfigError(
      "Expected `versionId`: the current EachLabs API (`api: 'current'`) triggers a specific workflow version",
      {
        option: 'versionId',
        provider: PROVIDER,
      },
    );
  }
  if (webhookUrl !== undefined) parseHttpUrl('webhookUrl', webhookUrl, PROVIDER);
  return {
    workflowId: id,
    inputs: inputs as object | undefined,
    versionId: versionId as string | undefined,
    webhookUrl: webhookUrl as string | undefined,
  };
}
