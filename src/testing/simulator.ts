import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError } from '../core/errors.js';
import { assertPositive, assertPositiveInteger, describe, fail } from '../core/options.js';
import type { RateLimitOptions } from '../core/budget.js';
import { drawChaos, malform, RequestWindows, resolveChaos, type ChaosOptions, type ResolvedChaos } from './chaos.js';
import { datalab } from './datalab.js';
import { eachlabsCurrent, eachlabsLegacy } from './eachlabs.js';
import { ExecutionStore, type SimulatedExecution } from './execution.js';
import { modelslab } from './modelslab.js';
import { OutputSigner, serveFile, serveOutput } from './outputs.js';
import { streams } from './random.js';
import { checkScript, type ExecutionScript, type SimulatedProvider } from './script.js';
import {
  bearer,
  header,
  judge,
  type AuthOutcome,
  type Dialect,
  type Reply,
  type RequestBody,
  type SimulatorEndpoint,
} from './wire.js';

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
  /** The fault chaos injected, if any. */
  chaos: 'drop' | 'error' | 'rate-limit' | 'malformed' | undefined;
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

const DEFAULT_API_KEY = 'runwatch-simulator-key';
const MAX_BODY_BYTES = 1_048_576;
const DIALECTS: readonly Dialect[] = [modelslab, eachlabsLegacy, eachlabsCurrent, datalab];
const CORS = {
  'access-control-allow-origin': '*',
  'access-control-expose-headers': 'X-Request-Id, Retry-After',
};
const PREFLIGHT = {
  ...CORS,
  'access-control-allow-methods': 'GET, POST, OPTIONS',
  'access-control-allow-headers': 'key, x-api-key, authorization, content-type, accept',
  'access-control-max-age': '600',
};
const SECRET_PARAM = /^(key|api[-_]?key|token|access[-_]?token|secret|signature|x-amz-signature|auth|authorization)$/i;
const REASONS: Record<number, string> = {
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

function checkOptions(options: unknown): SimulatorOptions {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError(`Expected simulator options to be an object, got ${describe(options)}`, {
      option: 'options',
    });
  }
  const o = options as SimulatorOptions;
  if (o.apiKey !== undefined && (typeof o.apiKey !== 'string' || o.apiKey.trim() === '')) {
    throw new ConfigError(`Expected \`apiKey\` to be a non-empty string, got ${typeof o.apiKey}`, { option: 'apiKey' });
  }
  if (o.seed !== undefined && (typeof o.seed !== 'number' || !Number.isFinite(o.seed)))
    fail('seed', 'a finite number', o.seed);
  if (o.now !== undefined && typeof o.now !== 'function') fail('now', 'a function', o.now);
  if (
    o.port !== undefined &&
    (typeof o.port !== 'number' || !Number.isInteger(o.port) || o.port < 0 || o.port > 65_535)
  ) {
    fail('port', 'a whole number from 0 to 65535', o.port);
  }
  if (o.outputUrlTtlMs !== undefined) assertPositive('outputUrlTtlMs', o.outputUrlTtlMs);
  if (o.defaultScript !== undefined && typeof o.defaultScript !== 'function')
    checkScript('modelslab', o.defaultScript, 'defaultScript');
  if (o.rateLimits !== undefined) {
    if (typeof o.rateLimits !== 'object' || o.rateLimits === null) fail('rateLimits', 'an object', o.rateLimits);
    for (const provider of ['modelslab', 'eachlabs', 'datalab'] as const) {
      const limit = o.rateLimits[provider];
      if (limit === undefined) continue;
      assertPositiveInteger(`rateLimits.${provider}.requests`, (limit as Partial<RateLimitOptions> | null)?.requests);
      assertPositive(`rateLimits.${provider}.intervalMs`, limit.intervalMs);
    }
  }
  return o;
}

function redact(params: URLSearchParams, apiKey: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of params)
    out[name] = SECRET_PARAM.test(name) || value.includes(apiKey) ? '[REDACTED]' : value;
  return out;
}

function segmentsOf(path: string): string[] | undefined {
  try {
    return path.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    return undefined;
  }
}

/** Reads the body; `undefined` when the client went away mid-body. */
async function readBody(req: IncomingMessage): Promise<RequestBody | 'too-large' | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    }
  } catch {
    return undefined;
  }
  if (size > MAX_BODY_BYTES) return 'too-large';
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return { kind: 'none' };
  try {
    return { kind: 'json', value: JSON.parse(text) as unknown };
  } catch {
    return { kind: 'invalid' };
  }
}

function write(res: ServerResponse, reply: Reply, malformed?: 'truncated' | 'invalid'): void {
  if (res.destroyed || res.headersSent) return;
  let payload: Buffer =
    reply.raw === undefined ? Buffer.from(JSON.stringify(reply.json ?? null)) : Buffer.from(reply.raw);
  if (reply.status === 204) payload = Buffer.alloc(0);
  else if (malformed && reply.raw === undefined) payload = malform(payload, malformed);
  res.writeHead(reply.status, {
    ...CORS,
    ...(reply.status === 204
      ? {}
      : { 'content-type': reply.contentType ?? 'application/json', 'content-length': String(payload.length) }),
    ...reply.headers,
  });
  res.end(payload);
}

/**
 * Starts a simulator of the ModelsLab, EachLabs and Datalab workflow APIs: a real HTTP server on
 * 127.0.0.1 that speaks each provider's documented endpoints and bodies under its own path
 * prefix, checks each provider's auth header, answers CORS, serves presigned Datalab outputs,
 * and injects seeded faults on demand. Executions advance on the (injectable) clock. Node only.
 *
 * @param options - the key, the seed, the clock, limits and chaos; see {@link SimulatorOptions}.
 * @returns the running simulator; `close()` it when done.
 *
 * @example
 * ```ts
 * import { startSimulator } from 'runwatch/testing';
 *
 * let now = Date.parse('2026-01-01T10:00:00Z');
 * const sim = await startSimulator({ now: () => now });
 * const run = sim.createExecution('modelslab', { queuedMs: 0, steps: [{ name: 'Text to Image', durationMs: 5_000 }] });
 * now += 6_000;
 * const res = await fetch(`${sim.baseUrls.modelslab}/${run.workflowId}/runs/${run.executionId}`, { headers: { key: sim.apiKey } });
 * const body = (await res.json()) as { execution: { status: string } };
 * console.log(body.execution.status);
 * await sim.close();
 * // Logs: completed
 * ```
 */
export async function startSimulator(options?: SimulatorOptions): Promise<Simulator> {
  const o = checkOptions(options);
  const apiKey = o.apiKey ?? DEFAULT_API_KEY;
  const seed = o.seed ?? 1;
  const now = o.now ?? Date.now;
  const random = streams(seed);
  const defaultScript = o.defaultScript;
  const store = new ExecutionStore({
    now,
    scripts: random.scripts,
    ids: random.ids,
    defaultScript: typeof defaultScript === 'function' ? defaultScript : () => defaultScript,
  });
  const signer = new OutputSigner(o.outputUrlTtlMs ?? 60_000);
  const windows = new RequestWindows();
  const rateLimits = o.rateLimits ?? {};
  let chaos: ResolvedChaos = resolveChaos(o.chaos);
  const requests: SimulatorRequest[] = [];
  const delays = new Set<{ timer: ReturnType<typeof setTimeout>; resolve: (ran: boolean) => void }>();
  let closed = false;
  let closing: Promise<void> | undefined;
  let sequence = 0;
  let origin = '';

  /** Waits `ms` of real time; `false` when the simulator closed meanwhile. */
  const delay = (ms: number): Promise<boolean> =>
    closed
      ? Promise.resolve(false)
      : new Promise((resolve) => {
          const entry = {
            timer: setTimeout(() => {
              delays.delete(entry);
              resolve(true);
            }, ms),
            resolve,
          };
          delays.add(entry);
        });

  const anyAuth = (headers: IncomingHttpHeaders): AuthOutcome =>
    judge([header(headers, 'key'), header(headers, 'x-api-key'), bearer(headers)], apiKey);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const time = now();
    const requestId = `req_${String(++sequence).padStart(6, '0')}`;
    const url = new URL(req.url ?? '/', origin);
    const method = (req.method ?? 'GET').toUpperCase();
    const entry: SimulatorRequest = {
      time,
      method,
      path: url.pathname,
      query: redact(url.searchParams, apiKey),
      provider: undefined,
      api: undefined,
      endpoint: 'unknown',
      executionId: undefined,
      status: 0,
      auth: anyAuth(req.headers),
      chaos: undefined,
      rateLimited: false,
      latencyMs: 0,
      requestId: undefined,
    };
    const answer = (reply: Reply, malformed?: 'truncated' | 'invalid'): void => {
      write(res, reply, malformed);
      entry.status = reply.status;
      entry.requestId = reply.headers?.['x-request-id'];
      requests.push(entry);
    };

    if (method === 'OPTIONS') {
      entry.endpoint = 'preflight';
      req.resume();
      answer({ status: 204, headers: PREFLIGHT });
      return;
    }

    const dialect = DIALECTS.find((d) => url.pathname === d.prefix || url.pathname.startsWith(`${d.prefix}/`));
    if (!dialect) {
      req.resume();
      const segments = segmentsOf(url.pathname) ?? [];
      const [root, provider] = segments;
      if (method === 'GET' && root === 'outputs') {
        entry.endpoint = 'output';
        entry.provider = provider === 'datalab' ? 'datalab' : undefined;
        const served = serveOutput(segments.slice(1), url.searchParams, url.pathname, time, store, signer);
        entry.executionId = served.executionId;
        answer(served.reply);
      } else if (method === 'GET' && root === 'files') {
        entry.endpoint = 'file';
        answer(serveFile());
      } else if (method === 'GET' && segments.length === 0) {
        entry.endpoint = 'index';
        answer({ status: 200, json: { name: 'runwatch simulator', baseUrls } });
      } else {
        answer({ status: 404, json: { error: 'not found' } });
      }
      return;
    }

    entry.provider = dialect.provider;
    entry.api = dialect.api;
    entry.auth = dialect.auth(req.headers, apiKey);
    const segments = segmentsOf(url.pathname.slice(dialect.prefix.length));
    const match = segments && dialect.match(method, segments);
    const body = await readBody(req);
    if (body === undefined) return; // the client went away: nobody to answer
    if (!match) {
      answer(dialect.error(404, 'Not Found', requestId));
      return;
    }
    if (!('handle' in match)) {
      const reply = dialect.error(405, 'Method Not Allowed', requestId);
      answer({ ...reply, headers: { ...reply.headers, allow: match.allow.join(', ') } });
      return;
    }
    entry.endpoint = match.endpoint;
    entry.executionId = match.executionId;

    const draw = drawChaos(random.chaos, chaos);
    entry.latencyMs = draw.latencyMs;
    if (draw.latencyMs > 0 && !(await delay(draw.latencyMs))) return;
    if (draw.drop) {
      entry.chaos = 'drop';
      requests.push(entry);
      req.socket.destroy();
      return;
    }
    let reply: Reply;
    let malformed: 'truncated' | 'invalid' | undefined;
    const limit = rateLimits[dialect.provider];
    const wait = entry.auth === 'ok' && !draw.error && limit ? windows.admit(match.rateKey, limit, time) : undefined;
    if (draw.error) {
      entry.chaos = 'error';
      reply = dialect.error(draw.error, REASONS[draw.error] ?? 'Server Error', requestId);
    } else if (entry.auth !== 'ok') {
      reply = dialect.unauthorized(entry.auth, requestId);
    } else if (wait !== undefined) {
      entry.rateLimited = true;
      reply = dialect.rateLimited(Math.max(1, Math.ceil(wait / 1000)), requestId);
    } else if (draw.rateLimit) {
      entry.chaos = 'rate-limit';
      reply = dialect.rateLimited(chaos.retryAfterSeconds, requestId);
    } else if (body === 'too-large') {
      reply = dialect.error(413, 'Request body too large', requestId);
    } else {
      const ctx = {
        now: time,
        origin,
        query: url.searchParams,
        body,
        store,
        signer,
        requestId,
        uuid: () => random.ids.uuid(),
      };
      try {
        reply = match.handle(ctx);
      } catch (error) {
        const message = error instanceof ConfigError ? error.message : 'Internal Server Error';
        reply = dialect.error(500, message, requestId);
      }
      if (draw.malformed && reply.status >= 200 && reply.status < 300) {
        entry.chaos = 'malformed';
        malformed = draw.malformed;
      }
    }
    answer(reply, malformed);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      // A bug in a handler must not take the test process down: answer like a crashed upstream.
      if (!res.headersSent) write(res, { status: 500, json: { error: 'simulator error' } });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const baseUrls: SimulatorBaseUrls = {
    modelslab: `${origin}${modelslab.prefix}`,
    eachlabs: `${origin}${eachlabsLegacy.prefix}`,
    eachlabsCurrent: `${origin}${eachlabsCurrent.prefix}`,
    datalab: `${origin}${datalab.prefix}`,
  };

  return {
    url: origin,
    baseUrls,
    apiKey,
    seed,
    requests,
    server,
    createExecution: (provider, script) => store.create(provider, script),
    execution: (provider, executionId) => store.get(provider, String(executionId)),
    executions: (provider) => store.all(provider),
    setChaos(next) {
      chaos = resolveChaos(next);
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        closed = true;
        for (const entry of delays) {
          clearTimeout(entry.timer);
          entry.resolve(false);
        }
        delays.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
