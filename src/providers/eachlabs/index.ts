import type { Observable } from 'rxjs';
import type { WatchEvent } from '../../core/events.js';
import type { ExecutionUpdate } from '../../core/model.js';
import { fail, readOptions, requireObject } from '../../core/options.js';
import type { WatchOptions } from '../../core/watch-options.js';
import { buildClient, keyFree, type ClientOptions, type StartOptions } from '../client.js';
import { eachlabsEndpoints, parseId, parseList, parseTrigger } from './adapter.js';
import { bulkWithDetail, fetchBulk } from './list.js';
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
 * The options of `watchBulk`: a watch's, and whether to fetch step detail.
 *
 * @example
 * ```ts
 * import type { BulkWatchOptions } from 'runwatch';
 *
 * const summariesOnly: BulkWatchOptions = { steps: false };
 * console.log(summariesOnly.steps);
 * // Logs: false
 * ```
 */
export interface BulkWatchOptions extends WatchOptions {
  /**
   * Fetch the full body of each execution whose summary moved, for step-level changes.
   * @defaultValue true
   */
  steps?: boolean;
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
   * One event per request and per decision of this client's watches (`poll`, `retry`,
   * `wait`, with the reason): why a watch is quiet. Hot; free while nobody subscribes.
   */
  readonly events: Observable<WatchEvent>;
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
   * Watches every execution of a bulk trigger with one list request per poll (all pages of
   * 100), instead of one status request per execution, and fetches an execution's full body
   * only when its summary (status, `updated_at`) moved: so updates carry steps and outputs
   * (step-level changes) at a fraction of the requests. Completes once every execution seen
   * is terminal (and at least one was seen). With `steps: false`, updates carry the list
   * summaries alone (no steps, no output) and no full body is fetched. `since` does not
   * apply to a bulk.
   *
   * @param workflowId - the workflow's id.
   * @param bulkId - the `bulk_id` the bulk trigger returned.
   * @param options - backoff, `maxWaitMs`, scheduler; `steps: false` for summaries only.
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
    options: BulkWatchOptions & { steps: false },
  ): Observable<ExecutionUpdate<EachLabsBulkSnapshot>>;
  /**
   * Watches every execution of a bulk trigger with step detail (the default): the list once
   * per poll, a full body only for an execution whose summary moved.
   *
   * @param workflowId - the workflow's id.
   * @param bulkId - the `bulk_id` the bulk trigger returned.
   * @param options - backoff, `maxWaitMs`, scheduler.
   * @returns a cold observable of per-execution updates with steps and outputs.
   * @throws {@link ConfigError} at once, for an empty id, a bad option or a `since`.
   */
  watchBulk(
    workflowId: string,
    bulkId: string,
    options?: BulkWatchOptions,
  ): Observable<ExecutionUpdate<EachLabsSnapshot>>;

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
    options?: StartOptions<string>,
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
    events: client.events,
    watch: (executionId, watchOptions) => client.watch(executionId, watchOptions),
    get: (executionId, getOptions) => client.get(executionId, getOptions),
    list(workflowId, query) {
      const input = parseList(workflowId, query);
      return client.call(endpoints.list, input).then((body) => toPage(body, input.offset ?? 0));
    },
    watchBulk(workflowId: string, bulkId: string, watchOptions?: BulkWatchOptions) {
      const workflow = parseId('workflowId', workflowId);
      const bulk = parseId('bulkId', bulkId);
      const { steps = true, ...rest } = readOptions('watch options', watchOptions, 'eachlabs') as BulkWatchOptions;
      if (typeof steps !== 'boolean') fail('steps', 'a boolean', steps, 'eachlabs');
      if (!steps) return client.watchList(bulk, (signal) => fetchBulk(client, endpoints, workflow, bulk, signal), rest);
      // The overloads tie `steps: false` to summaries; one implementation serves both.
      return client.watchList(bulk, bulkWithDetail(client, endpoints, workflow, bulk), rest) as Observable<
        ExecutionUpdate<never>
      >;
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
