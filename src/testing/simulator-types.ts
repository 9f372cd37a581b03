import type { Server } from 'node:http';
import type { RateLimitOptions } from '../core/budget.js';
import type { ChaosOptions } from './chaos.js';
import type { SimulatedExecution } from './execution.js';
import type { ExecutionScript, SimulatedProvider } from './script.js';
import type { AuthOutcome, SimulatorEndpoint } from './wire.js';

/**
 * How the simulator is set up. Every field is optional.
 *
 * @example
 * ```ts
 * import { startSimulator, type SimulatorOptions } from 'runwatch/testing';
 *
 * let now = Date.parse('2026-01-01T00:00:00Z');
 * const options: SimulatorOptions = { seed: 42, now: () => now, rateLimits: { modelslab: { requests: 10, intervalMs: 60_000 } } };
 * const sim = await startSimulator(options);
 * now += 1_000;
 * console.log(sim.baseUrls.modelslab.endsWith('/modelslab/api/v1/workflows'));
 * await sim.close();
 * // Logs: true
 * ```
 */
export interface SimulatorOptions {
  /**
   * The API key the simulator accepts, for every provider.
   * @defaultValue `"runwatch-simulator-key"`
   */
  apiKey?: string;
  /**
   * Seeds generated scripts, EachLabs ids and chaos, so that a run replays.
   * @defaultValue 1
   */
  seed?: number;
  /**
   * The clock executions advance on, in epoch ms. Inject one to move time in tests without
   * sleeping; executions compute their state from it at each request.
   * @defaultValue `Date.now`
   */
  now?: () => number;
  /**
   * The port to listen on, on 127.0.0.1.
   * @defaultValue 0 (a free port)
   */
  port?: number;
  /**
   * The script of executions made by trigger, run and execute requests (and under a script
   * passed to `createExecution`); a function picks one per provider.
   * @defaultValue none: the seeded generator decides
   */
  defaultScript?: ExecutionScript | ((provider: SimulatedProvider) => ExecutionScript | undefined);
  /**
   * How long a Datalab `output_url` stays valid, in ms. Each status response signs it afresh.
   * @defaultValue 60000
   */
  outputUrlTtlMs?: number;
  /**
   * Per-provider request limits on the simulator's clock (sliding window; ModelsLab counts
   * per workflow, as documented). Over the limit: each provider's 429 and hint.
   * @defaultValue none
   */
  rateLimits?: {
    /** ModelsLab's limit, counted per workflow. */
    modelslab?: RateLimitOptions;
    /** EachLabs' limit, shared by both hosts. */
    eachlabs?: RateLimitOptions;
    /** Datalab's limit. */
    datalab?: RateLimitOptions;
  };
  /**
   * Faults to inject. Change them later with `setChaos`.
   * @defaultValue none
   */
  chaos?: ChaosOptions;
}

/**
 * One request the simulator answered (or dropped), in the order the answers went out.
 * Never holds the API key: query parameters that could carry a secret are redacted.
 *
 * @example
 * ```ts
 * import { startSimulator, type SimulatorRequest } from 'runwatch/testing';
 *
 * const sim = await startSimulator();
 * await fetch(`${sim.baseUrls.datalab}/executions/1`);
 * const [entry]: SimulatorRequest[] = sim.requests;
 * console.log(entry?.status, entry?.auth);
 * await sim.close();
 * // Logs: 401 missing
 * ```
 */
export interface SimulatorRequest {
  /** Arrival, epoch ms on the simulator's clock. */
  time: number;
  /** The HTTP method, upper case. */
  method: string;
  /** The path, without the query. */
  path: string;
  /** The query parameters; `signature`, `key`, `token` and the like read `[REDACTED]`. */
  query: Record<string, string>;
  /** The provider whose API or output URL was asked; `undefined` for the simulator's own pages. */
  provider: SimulatedProvider | undefined;
  /** Which EachLabs host, for EachLabs requests. */
  api: 'legacy' | 'current' | undefined;
  /** The endpoint the request matched; `unknown` when none did. */
  endpoint: SimulatorEndpoint;
  /** The execution id in the path, where there is one. */
  executionId: string | undefined;
  /** The status sent; 0 when chaos dropped the connection. */
  status: number;
  /**
   * The request's auth header judged by the provider's scheme. For output URLs and files,
   * which must be fetched without the key, `'missing'` is the right answer.
   */
  auth: AuthOutcome;
  /** The fault chaos injected, if any (see {@link ChaosOptions} for each). */
  chaos: 'drop' | 'error' | 'rate-limit' | 'malformed' | 'empty' | 'stall' | 'redirect' | undefined;
  /** Whether the configured `rateLimits` refused it. */
  rateLimited: boolean;
  /** The delay chaos added, in ms. */
  latencyMs: number;
  /** The `X-Request-Id` sent back, where the provider sends one (EachLabs errors). */
  requestId: string | undefined;
}

/**
 * The base URL of each provider API on the simulator: pass it as a client's `baseUrl`.
 *
 * @example
 * ```ts
 * import { startSimulator, type SimulatorBaseUrls } from 'runwatch/testing';
 *
 * const sim = await startSimulator();
 * const urls: SimulatorBaseUrls = sim.baseUrls;
 * console.log(new URL(urls.eachlabsCurrent).pathname);
 * await sim.close();
 * // Logs: /eachlabs-current/v1/workflows
 * ```
 */
export interface SimulatorBaseUrls {
  /** `${url}/modelslab/api/v1/workflows` (header `key`). */
  modelslab: string;
  /** `${url}/eachlabs/api/v1`, the legacy host of the docs pages (header `X-API-Key`). */
  eachlabs: string;
  /** `${url}/eachlabs-current/v1/workflows`, the current host (`Authorization: Bearer`, or `X-API-Key`). */
  eachlabsCurrent: string;
  /** `${url}/datalab/api/v1/workflows` (header `X-API-Key`). */
  datalab: string;
}

/**
 * A running simulator. Close it when done: `close()` ends every socket, keep-alive ones too.
 *
 * @example
 * ```ts
 * import { startSimulator, type Simulator } from 'runwatch/testing';
 *
 * const sim: Simulator = await startSimulator();
 * const execution = sim.createExecution('eachlabs');
 * console.log(sim.execution('eachlabs', execution.executionId) === execution);
 * await sim.close();
 * // Logs: true
 * ```
 */
export interface Simulator {
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** Where each provider API lives: a client's `baseUrl`. */
  readonly baseUrls: SimulatorBaseUrls;
  /** The key every provider API accepts. */
  readonly apiKey: string;
  /** The seed in use: pass it again to replay a run. */
  readonly seed: number;
  /** Every request answered so far, oldest first. Clear it with `requests.length = 0`. */
  readonly requests: SimulatorRequest[];
  /** The underlying node:http server. */
  readonly server: Server;
  /**
   * Creates an execution that advances on the simulator's clock from now.
   * @param provider - where it lives.
   * @param script - how it unfolds; what is missing comes from `defaultScript`, then the seeded generator.
   * @returns the execution, with its id to watch.
   */
  createExecution(provider: SimulatedProvider, script?: ExecutionScript): SimulatedExecution;
  /**
   * Finds an execution, however it was made.
   * @param provider - where it lives.
   * @param executionId - its id.
   * @returns the execution, or `undefined`.
   */
  execution(provider: SimulatedProvider, executionId: string | number): SimulatedExecution | undefined;
  /**
   * Lists the executions of a provider.
   * @param provider - which provider.
   * @returns every execution, oldest first.
   */
  executions(provider: SimulatedProvider): SimulatedExecution[];
  /**
   * Replaces the chaos settings from the next request on.
   * @param chaos - the new faults, or `undefined` for none.
   */
  setChaos(chaos?: ChaosOptions): void;
  /**
   * Ends every connection and stops the server; leaves no timer behind.
   * @returns a promise that resolves once the server is closed.
   */
  close(): Promise<void>;
}
