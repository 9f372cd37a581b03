import type { Observable } from 'rxjs';
import type { ExecutionUpdate } from '../../core/model.js';
import { fail, requireObject } from '../../core/options.js';
import type { WatchOptions } from '../../core/watch-options.js';
import { buildClient, keyFree, type ClientOptions } from '../client.js';
import { eachlabsEndpoints, parseId, parseList, parseTrigger } from './adapter.js';
import { fetchBulk } from './list.js';
import { toPage, type EachLabsBulkSnapshot, type EachLabsSnapshot, type ExecutionPage } from './normalize.js';

export {
  EachLabsErrorBody,
  EachLabsExecution,
  EachLabsExecutionList,
  EachLabsExecutionSummary,
  EachLabsStepOutput,
  EachLabsTriggerResponse,
} from './schema.js';
export {
  normalizeEachLabs,
  type EachLabsBulkSnapshot,
  type EachLabsSnapshot,
  type ExecutionPage,
  type ExecutionSummary,
} from './normalize.js';

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
  watchBulk(
    workflowId: string,
    bulkId: string,
    options?: WatchOptions,
  ): Observable<ExecutionUpdate<EachLabsBulkSnapshot>>;

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
  runAndWatch(
    workflowId: string,
    body: EachLabsTriggerBody,
    options?: WatchOptions,
  ): Observable<ExecutionUpdate<EachLabsSnapshot>>;
}

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
  return keyFree(options, () => makeEachLabs(options));
}

function makeEachLabs(options: EachLabsOptions): EachLabsClient {
  const { api = 'legacy', ...rest } = requireObject(
    'client options',
    options,
    'eachlabs',
  ) as unknown as EachLabsOptions;
  if (api !== 'legacy' && api !== 'current') {
    fail('api', "'legacy' or 'current'", api, 'eachlabs');
  }
  const endpoints = eachlabsEndpoints(api);
  const client = buildClient(endpoints.adapter, rest);
  return {
    watch: (executionId, watchOptions) => client.watch(executionId, watchOptions),
    get: (executionId, getOptions) => client.get(executionId, getOptions),
    list(workflowId, query) {
      const input = parseList(workflowId, query);
      return client.call(endpoints.list, input).then((body) => toPage(body, input.offset ?? 0));
    },
    watchBulk(workflowId, bulkId, watchOptions) {
      const workflow = parseId('workflowId', workflowId);
      const bulk = parseId('bulkId', bulkId);
      return client.watchList(bulk, (signal) => fetchBulk(client, endpoints, workflow, bulk, signal), watchOptions);
    },
    trigger(workflowId, body) {
      return client
        .call(endpoints.trigger, parseTrigger(api, workflowId, body))
        .then((executionId) => ({ executionId }));
    },
    runAndWatch(workflowId, body, watchOptions) {
      return client.runAndWatch(endpoints.trigger, parseTrigger(api, workflowId, body), watchOptions);
    },
  };
}
