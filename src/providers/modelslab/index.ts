import type { Observable } from 'rxjs';
import type { WatchEvent } from '../../core/events.js';
import type { ExecutionUpdate } from '../../core/model.js';
import type { WatchOptions } from '../../core/watch-options.js';
import { buildClient, keyFree, type ClientOptions, type StartOptions } from '../client.js';
import { cancel, modelslabAdapter, parseRef, parseRun, run, type ModelsLabRef } from './adapter.js';
import type { ModelsLabSnapshot } from './normalize.js';

export { ModelsLabCancelResponse, ModelsLabErrorBody, ModelsLabExecution, ModelsLabRunResponse } from './schema.js';
export { normalizeModelsLab, type ModelsLabSnapshot } from './normalize.js';
export type { ModelsLabRef } from './adapter.js';

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
   * One event per request and per decision of this client's watches (`poll`, `retry`,
   * `wait`, with the reason): why a watch is quiet. Hot; free while nobody subscribes.
   */
  readonly events: Observable<WatchEvent>;
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
    options?: StartOptions<ModelsLabRef>,
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
  return keyFree(options, (): ModelsLabClient => {
    const client = buildClient(modelslabAdapter, options);
    return {
      events: client.events,
      watch: (ref, watchOptions) => client.watch(ref, watchOptions),
      get: (ref, getOptions) => client.get(ref, getOptions),
      run: (workflowId, params, runOptions) => client.call(run, parseRun(workflowId, params), runOptions),
      runAndWatch: (workflowId, params, watchOptions) =>
        client.runAndWatch(run, parseRun(workflowId, params), watchOptions),
      cancel: (ref, cancelOptions) => client.call(cancel, parseRef(ref), cancelOptions),
    };
  });
}
