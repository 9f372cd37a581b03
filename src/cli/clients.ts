import type { Observable } from 'rxjs';
import type { ExecutionUpdate, WatchOptions } from '../index.js';
import type { ClientOptions } from '../index.js';
import { datalab } from '../index.js';
import { eachlabs } from '../index.js';
import { modelslab } from '../index.js';
import type { ConnectionArgs } from './args.js';

/**
 * The two things the command does with a provider, the same way for all three.
 *
 * @example
 * ```ts
 * import { openClient, type CliClient } from './clients.js';
 *
 * const client: CliClient = openClient({ provider: 'datalab', apiKey: 'k', baseUrl: undefined, api: undefined, maxWaitMs: undefined, json: false });
 * client.watch('123', undefined, {}).subscribe((update) => console.log(update.snapshot.status));
 * // Logs: completed
 * ```
 */
export interface CliClient {
  /** Watches one execution (ModelsLab needs `workflowId`). */
  watch(executionId: string, workflowId: string | undefined, options: WatchOptions): Observable<ExecutionUpdate>;
  /** Starts a workflow and watches the execution it started. */
  run(
    workflowId: string,
    inputs: Record<string, unknown>,
    versionId: string | undefined,
    options: WatchOptions,
  ): Observable<ExecutionUpdate>;
}

/**
 * Makes the provider's client from the command line's connection flags, through the public
 * factories (`modelslab()`, `eachlabs()`, `datalab()`).
 *
 * @param args - provider, key, base URL, EachLabs API flavour.
 * @returns a client with `watch` and `run`.
 * @throws the library's `ConfigError` for an option it refuses.
 *
 * @example
 * ```ts
 * import { openClient } from './clients.js';
 *
 * const client = openClient({ provider: 'eachlabs', apiKey: 'k', baseUrl: undefined, api: undefined, maxWaitMs: undefined, json: false });
 * console.log(typeof client.watch);
 * // Logs: function
 * ```
 */
export function openClient(args: ConnectionArgs): CliClient {
  const options: ClientOptions = {
    apiKey: args.apiKey,
    ...(args.baseUrl === undefined ? {} : { baseUrl: args.baseUrl }),
  };
  switch (args.provider) {
    case 'modelslab': {
      const client = modelslab(options);
      return {
        // parseArgs guarantees the workflow for modelslab; '' would be refused by the client anyway.
        watch: (executionId, workflowId, o) => client.watch({ workflowId: workflowId ?? '', executionId }, o),
        run: (workflowId, inputs, _versionId, o) => client.runAndWatch(workflowId, inputs, o),
      };
    }
    case 'eachlabs': {
      const client = eachlabs({ ...options, ...(args.api === undefined ? {} : { api: args.api }) });
      return {
        watch: (executionId, _workflowId, o) => client.watch(executionId, o),
        run: (workflowId, inputs, versionId, o) =>
          client.runAndWatch(workflowId, { inputs, ...(versionId === undefined ? {} : { versionId }) }, o),
      };
    }
    case 'datalab': {
      const client = datalab(options);
      return {
        watch: (executionId, _workflowId, o) => client.watch(executionId, o),
        // Datalab's body is {input_config}; the inputs are its fields (type, file_url…).
        run: (workflowId, inputs, _versionId, o) => client.runAndWatch(workflowId, inputs, o),
      };
    }
  }
}
