import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError } from '../core/errors.js';
import { assertPositive, assertPositiveInteger, describe, fail } from '../core/options.js';
import type { RateLimitOptions } from '../core/budget.js';
import { drawChaos, malform, RequestWindows, resolveChaos, type ChaosDraw, type ResolvedChaos } from './chaos.js';
import { datalab } from './datalab.js';
import { eachlabsCurrent, eachlabsLegacy } from './eachlabs.js';
import { ExecutionStore } from './execution.js';
import { modelslab } from './modelslab.js';
import { OutputSigner, serveFile, serveOutput } from './outputs.js';
import { streams } from './random.js';
import { checkScript } from './script.js';
import { bearer, header, judge, type AuthOutcome, type Dialect, type Reply, type RequestBody } from './wire.js';

export type { Simulator, SimulatorBaseUrls, SimulatorOptions, SimulatorRequest } from './simulator-types.js';
import type { Simulator, SimulatorBaseUrls, SimulatorOptions, SimulatorRequest } from './simulator-types.js';

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

/**
 * Writes a reply, with the body fault chaos chose for a success: invalid or truncated JSON,
 * an empty body, or half the body and then a stall that lasts until the client gives up.
 */
function write(res: ServerResponse, reply: Reply, fault?: ChaosDraw['body']): void {
  if (res.destroyed || res.headersSent) return;
  let payload: Buffer =
    reply.raw === undefined ? Buffer.from(JSON.stringify(reply.json ?? null)) : Buffer.from(reply.raw);
  const length = payload.length;
  if (reply.status === 204 || fault === 'empty') payload = Buffer.alloc(0);
  else if ((fault === 'truncated' || fault === 'invalid') && reply.raw === undefined) payload = malform(payload, fault);
  res.writeHead(reply.status, {
    ...CORS,
    ...(reply.status === 204
      ? {}
      : {
          'content-type': reply.contentType ?? 'application/json',
          'content-length': String(fault === 'stall' ? length : payload.length),
        }),
    ...reply.headers,
  });
  if (fault === 'stall') res.write(payload.subarray(0, Math.floor(length / 2)));
  else res.end(payload);
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
    const answer = (reply: Reply, fault?: ChaosDraw['body']): void => {
      write(res, reply, fault);
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

    const draw = drawChaos(random.chaos, chaos, random.moreChaos);
    entry.latencyMs = draw.latencyMs;
    if (draw.latencyMs > 0 && !(await delay(draw.latencyMs))) return;
    if (draw.drop) {
      entry.chaos = 'drop';
      requests.push(entry);
      req.socket.destroy();
      return;
    }
    let reply: Reply;
    let fault: ChaosDraw['body'];
    const limit = rateLimits[dialect.provider];
    const wait = entry.auth === 'ok' && !draw.error && limit ? windows.admit(match.rateKey, limit, time) : undefined;
    if (draw.error) {
      entry.chaos = 'error';
      reply = dialect.error(draw.error, REASONS[draw.error] ?? 'Server Error', requestId);
    } else if (draw.redirect) {
      // Another origin (a host name for the same port), where nothing answers as the provider.
      entry.chaos = 'redirect';
      const location = `${origin.replace('127.0.0.1', 'localhost')}/elsewhere${url.pathname}${url.search}`;
      reply = { status: 302, json: { moved: location }, headers: { location } };
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
      if (draw.body && reply.status >= 200 && reply.status < 300) {
        entry.chaos = draw.body === 'truncated' || draw.body === 'invalid' ? 'malformed' : draw.body;
        fault = draw.body;
      }
    }
    answer(reply, fault);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      // A bug in a handler must not take the test process down: answer like a crashed upstream.
      if (!res.headersSent) write(res, { status: 500, json: { error: 'simulator error' } });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    const refused = (error: NodeJS.ErrnoException): void =>
      reject(
        error.code === 'EADDRINUSE' || error.code === 'EACCES'
          ? new ConfigError(
              `Expected \`port\` ${String(o.port)} to be free on 127.0.0.1; it is in use or not allowed`,
              {
                option: 'port',
                cause: error,
              },
            )
          : error,
      );
    server.once('error', refused);
    server.listen(o.port ?? 0, '127.0.0.1', () => {
      server.off('error', refused);
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
