import type { Observable } from 'rxjs';
import type { WatchEvent } from '../../core/events.js';
import { ConfigError } from '../../core/errors.js';
import type { ExecutionUpdate, StepSnapshot } from '../../core/model.js';
import { describe, readOptions } from '../../core/options.js';
import type { WatchOptions } from '../../core/watch-options.js';
import { buildClient, keyFree, type ClientOptions, type StartOptions } from '../client.js';
import { datalabAdapter, execute, parseExecute } from './adapter.js';
import type { DatalabSnapshot } from './normalize.js';
import { resolveOutputs } from './outputs.js';

export { DatalabErrorBody, DatalabExecuteResponse, DatalabExecution, DatalabStep } from './schema.js';
export { normalizeDatalab, type DatalabSnapshot } from './normalize.js';

/**
 * Options of a Datalab watch.
 *
 * @example
 * ```ts
 * import type { DatalabWatchOptions } from 'runwatch';
 *
 * const options: DatalabWatchOptions = { resolveOutputs: true, maxWaitMs: 600_000 };
 * console.log(options.resolveOutputs);
 * // Logs: true
 * ```
 */
export interface DatalabWatchOptions extends WatchOptions {
  /**
   * Download each completed step's presigned output (once per step, without the API key)
   * and emit it as a `step-output` change with `step.output` set. A failed download does
   * not end the watch: the step's `output` stays unset and the next poll tries again with
   * the fresh URL (after the terminal poll there is none: `stepOutput` retries by hand).
   * @defaultValue false
   */
  resolveOutputs?: boolean;
}

/**
 * A client for Datalab workflow executions. Every observable is cold.
 *
 * @example
 * ```ts
 * import { datalab, type DatalabClient } from 'runwatch';
 *
 * const client: DatalabClient = datalab({ apiKey: process.env.DATALAB_API_KEY ?? '' });
 * console.log(typeof client.watch);
 * // Logs: function
 * ```
 */
export interface DatalabClient {
  /**
   * One event per request and per decision of this client's watches (`poll`, `retry`,
   * `wait`, with the reason): why a watch is quiet. Hot; free while nobody subscribes.
   */
  readonly events: Observable<WatchEvent>;
  /**
   * Watches one execution until `COMPLETED` or `FAILED`.
   *
   * @param executionId - the integer `execution_id`, as a number or a string.
   * @param options - backoff, `maxWaitMs`, `since`, `resolveOutputs`.
   * @returns a cold observable of updates; completes after the terminal one.
   * @throws {@link ConfigError} at once for an empty or non-string, non-number id or a bad option.
   */
  watch(executionId: string | number, options?: DatalabWatchOptions): Observable<ExecutionUpdate<DatalabSnapshot>>;
  /**
   * Fetches the execution's current state once.
   *
   * @param executionId - the integer `execution_id`.
   * @param options - `signal` to abort.
   * @returns the normalized snapshot; rejects with a typed error.
   */
  get(executionId: string | number, options?: { signal?: AbortSignal }): Promise<DatalabSnapshot>;
  /**
   * Starts a workflow: `POST /workflows/{workflow_id}/execute` with `{ input_config }`.
   *
   * @param workflowId - the integer `workflow_id`.
   * @param inputConfig - e.g. `{ type: 'single_file', file_url }` or `{ type: 'file_list', file_urls }`.
   * @param options - `signal` to abort.
   * @returns the new execution's id, as a string.
   */
  execute(
    workflowId: string | number,
    inputConfig: object,
    options?: { signal?: AbortSignal },
  ): Promise<{
    /** The new execution's integer `execution_id`, as a string. */
    executionId: string;
  }>;
  /**
   * Starts a workflow when subscribed, then watches the execution it started.
   *
   * @param workflowId - the integer `workflow_id`.
   * @param inputConfig - the `input_config` body.
   * @param options - as for {@link DatalabClient.watch}.
   * @returns a cold observable: each subscription starts its own execution.
   * @throws {@link ConfigError} at once for a bad id, input or option.
   */
  runAndWatch(
    workflowId: string | number,
    inputConfig: object,
    options?: DatalabWatchOptions & Pick<StartOptions<string>, 'onStart'>,
  ): Observable<ExecutionUpdate<DatalabSnapshot>>;
  /**
   * Downloads a step's presigned `outputUrl`: no API key, no provider headers. Parses JSON
   * when the content type says so and returns text otherwise.
   *
   * @param step - a step with an `outputUrl`.
   * @param options - `signal` to abort.
   * @returns the output; rejects with an {@link AuthenticationError} or {@link NotFoundError}
   * saying the URL has expired on 403/404 (get the execution again for a fresh URL).
   */
  stepOutput(step: StepSnapshot, options?: { signal?: AbortSignal }): Promise<unknown>;
}

/**
 * Creates a Datalab client. Requests go to `https://www.datalab.to/api/v1/workflows` with
 * the key in `X-API-Key`, within a budget of 200 requests per minute shared by every watch
 * of the client (`rateLimit` overrides it, `false` turns it off). A 429 without a
 * `Retry-After` header is retried after 60 s, as Datalab documents.
 *
 * @param options - the API key and transport options.
 * @returns the client.
 * @throws {@link ConfigError} at once for a missing key or a bad option.
 *
 * @example
 * ```ts
 * import { datalab } from 'runwatch';
 *
 * const client = datalab({ apiKey: process.env.DATALAB_API_KEY ?? '' });
 * client.watch(123, { resolveOutputs: true }).subscribe((update) => {
 *   for (const change of update.changes) if (change.type === 'step-output') console.log(change.step.key, typeof change.step.output);
 * });
 * // Logs: parse object
 * ```
 */
export function datalab(options: ClientOptions): DatalabClient {
  return keyFree(options, () => makeDatalab(options));
}

function makeDatalab(options: ClientOptions): DatalabClient {
  const client = buildClient(datalabAdapter, options);
  const outputs = resolveOutputs((url, signal, executionId) => client.download(url, { signal, executionId }));
  return {
    events: client.events,
    watch(executionId, watchOptions) {
      const { resolve, rest } = splitWatchOptions(watchOptions);
      return client.watch(executionId, rest, resolve ? outputs : undefined);
    },
    get: (executionId, getOptions) => client.get(executionId, getOptions),
    execute(workflowId, inputConfig, executeOptions) {
      return client
        .call(execute, parseExecute(workflowId, inputConfig), executeOptions)
        .then((executionId) => ({ executionId }));
    },
    runAndWatch(workflowId, inputConfig, watchOptions) {
      const input = parseExecute(workflowId, inputConfig);
      const { resolve, rest } = splitWatchOptions(watchOptions);
      return client.runAndWatch(execute, input, rest, resolve ? outputs : undefined);
    },
    stepOutput(step, outputOptions) {
      const url = (step as Partial<StepSnapshot> | null | undefined)?.outputUrl;
      if (typeof url !== 'string' || url === '') {
        throw new ConfigError(`Expected \`step.outputUrl\` to be a URL string, got ${describe(url)}`, {
          option: 'step',
          provider: 'datalab',
        });
      }
      return client.download(url, outputOptions);
    },
  };
}

/** Takes `resolveOutputs` out of a watch's options; the rest are the common watch options. */
function splitWatchOptions(options: DatalabWatchOptions | undefined): { resolve: boolean; rest: WatchOptions } {
  const { resolveOutputs, ...rest } = readOptions('watch options', options, 'datalab') as DatalabWatchOptions;
  if (resolveOutputs !== undefined && typeof resolveOutputs !== 'boolean') {
    throw new ConfigError(`Expected \`resolveOutputs\` to be a boolean, got ${describe(resolveOutputs)}`, {
      option: 'resolveOutputs',
      provider: 'datalab',
    });
  }
  return { resolve: resolveOutputs ?? false, rest };
}
