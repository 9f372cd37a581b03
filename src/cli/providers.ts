import type { Observable } from 'rxjs';
import {
  datalab,
  eachlabs,
  modelslab,
  type ClientOptions,
  type ExecutionUpdate,
  type WatchEvent,
  type WatchOptions,
} from '../index.js';
import type { SimulatorBaseUrls } from '../testing/index.js';

/**
 * The two things the command does with a provider, the same way for all three.
 *
 * @example
 * ```ts
 * import { provider, type CliClient } from './providers.js';
 *
 * const client: CliClient = provider('datalab').open({ apiKey: 'k' }, undefined);
 * client.watch('123', undefined, {}).subscribe((update) => console.log(update.snapshot.status));
 * // Logs: completed
 * ```
 */
export interface CliClient {
  /** Why the client's watches poll, retry or wait (for the board's "waiting for budget"). */
  events: Observable<WatchEvent>;
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
 * The flags that only some providers take. The command accepts each on the commands that have
 * it, and refuses it, naming the providers it applies to, for a provider that does not list it.
 */
export type ProviderFlag = 'workflow' | 'api' | 'version-id';

/**
 * What a command line gave of the provider-specific flags, for {@link ProviderEntry.check}.
 *
 * @example
 * ```ts
 * import type { ProviderFlags } from './providers.js';
 *
 * const flags: ProviderFlags = { workflow: 'wf-1' };
 * console.log(flags.workflow);
 * // Logs: wf-1
 * ```
 */
export type ProviderFlags = { readonly [F in ProviderFlag]?: string | undefined };

/**
 * One of a provider's APIs: the base URL of the real one is the client's default; the
 * simulator serves each under its own path.
 *
 * @example
 * ```ts
 * import type { ProviderApi } from './providers.js';
 *
 * const api: ProviderApi = { name: 'current', simulator: (urls) => urls.eachlabsCurrent };
 * console.log(api.name);
 * // Logs: current
 * ```
 */
export interface ProviderApi {
  /** Its `--api` value; `undefined` for a provider with one API. */
  readonly name: string | undefined;
  /** Its base URL on a running simulator. */
  simulator(urls: SimulatorBaseUrls): string;
}

/**
 * Everything the command knows about one provider. The rest of the command loops over
 * {@link PROVIDERS}; a new provider is a new row.
 *
 * @example
 * ```ts
 * import { PROVIDERS } from './providers.js';
 *
 * console.log(PROVIDERS.map((p) => p.apiKeyEnv).join(' '));
 * // Logs: MODELSLAB_API_KEY EACHLABS_API_KEY DATALAB_API_KEY
 * ```
 */
export interface ProviderEntry {
  /** Its name on the command line, as in its snapshots' `provider`. */
  readonly name: string;
  /** Where its key is read from when `--api-key` is not given. */
  readonly apiKeyEnv: string;
  /** The provider-specific flags it takes. */
  readonly flags: readonly ProviderFlag[];
  /** Its APIs, the default first; `--api` picks one by name where there are several. */
  readonly apis: readonly [ProviderApi, ...ProviderApi[]];
  /**
   * What the command line lacks for this provider (ModelsLab watches need the workflow, say).
   *
   * @returns the usage message, or `undefined` when nothing is missing.
   */
  check(command: 'watch' | 'run', flags: ProviderFlags): string | undefined;
  /** Makes its client through the public factory, for the API named by `--api`. */
  open(options: ClientOptions, api: string | undefined): CliClient;
}

const EACHLABS_APIS = ['legacy', 'current'] as const;

/** The providers the command knows, in the order the help lists them. */
export const PROVIDERS = [
  {
    name: 'modelslab',
    apiKeyEnv: 'MODELSLAB_API_KEY',
    flags: ['workflow'],
    apis: [{ name: undefined, simulator: (urls) => urls.modelslab }],
    // Its status path has both ids: /{workflow_id}/runs/{execution_id}.
    check: (command, flags) =>
      command === 'watch' && flags.workflow === undefined
        ? 'ModelsLab needs the workflow: --workflow <workflow-id>'
        : undefined,
    open(options) {
      const client = modelslab(options);
      return {
        events: client.events,
        // check() guarantees the workflow; '' would be refused by the client anyway.
        watch: (executionId, workflowId, o) => client.watch({ workflowId: workflowId ?? '', executionId }, o),
        run: (workflowId, inputs, _versionId, o) => client.runAndWatch(workflowId, inputs, o),
      };
    },
  },
  {
    name: 'eachlabs',
    apiKeyEnv: 'EACHLABS_API_KEY',
    flags: ['api', 'version-id'],
    apis: [
      { name: 'legacy', simulator: (urls) => urls.eachlabs },
      { name: 'current', simulator: (urls) => urls.eachlabsCurrent },
    ],
    check: (command, flags) =>
      command === 'run' && flags.api === 'current' && flags['version-id'] === undefined
        ? 'The current EachLabs API runs a specific version: add --version-id <id>'
        : undefined,
    open(options, api) {
      const flavour = EACHLABS_APIS.find((name) => name === api);
      const client = eachlabs({ ...options, ...(flavour === undefined ? {} : { api: flavour }) });
      return {
        events: client.events,
        watch: (executionId, _workflowId, o) => client.watch(executionId, o),
        run: (workflowId, inputs, versionId, o) =>
          client.runAndWatch(workflowId, { inputs, ...(versionId === undefined ? {} : { versionId }) }, o),
      };
    },
  },
  {
    name: 'datalab',
    apiKeyEnv: 'DATALAB_API_KEY',
    flags: [],
    apis: [{ name: undefined, simulator: (urls) => urls.datalab }],
    check: () => undefined,
    open(options) {
      const client = datalab(options);
      return {
        events: client.events,
        watch: (executionId, _workflowId, o) => client.watch(executionId, o),
        // Datalab's body is {input_config}; the inputs are its fields (type, file_url…).
        run: (workflowId, inputs, _versionId, o) => client.runAndWatch(workflowId, inputs, o),
      };
    },
  },
] as const satisfies readonly ProviderEntry[];

/** One of the providers the command knows. */
export type ProviderName = (typeof PROVIDERS)[number]['name'];

/**
 * The table's row for a provider.
 *
 * @param name - a provider the command knows.
 * @returns its entry.
 *
 * @example
 * ```ts
 * import { provider } from './providers.js';
 *
 * console.log(provider('eachlabs').apis.map((api) => api.name));
 * // Logs: [ 'legacy', 'current' ]
 * ```
 */
export function provider(name: ProviderName): ProviderEntry {
  const entry: ProviderEntry | undefined = PROVIDERS.find((p) => p.name === name);
  // Unreachable: every name comes from the table.
  if (entry === undefined) throw new Error(`No provider '${name}' in the table`);
  return entry;
}

/**
 * Makes the provider's client from the command line's connection flags.
 *
 * @param args - provider, key, base URL, API flavour.
 * @returns a client with `watch` and `run`.
 * @throws the library's `ConfigError` for an option it refuses.
 *
 * @example
 * ```ts
 * import { openClient } from './providers.js';
 *
 * const client = openClient({ provider: 'eachlabs', apiKey: 'k', baseUrl: undefined, api: undefined });
 * console.log(typeof client.watch);
 * // Logs: function
 * ```
 */
export function openClient(args: {
  provider: ProviderName;
  apiKey: string;
  baseUrl: string | undefined;
  api: string | undefined;
}): CliClient {
  const options: ClientOptions = {
    apiKey: args.apiKey,
    ...(args.baseUrl === undefined ? {} : { baseUrl: args.baseUrl }),
  };
  return provider(args.provider).open(options, args.api);
}
