import type { Observable } from 'rxjs';
import { isConfigError } from '../core/error-guards.js';
import type { ExecutionSnapshot, ExecutionUpdate } from '../core/model.js';
import type { WatchOptions } from '../core/watch-options.js';
import { toWireError } from '../relay/wire.js';
import { Channel, isFinalId } from './channel.js';
import { nodeAdapter, type NodeRequestLike, type NodeResponseLike } from './node.js';
import { resolveRelayOptions, type RelayOptions } from './options.js';
import { channelKey, clientRef, parseRoute, problem, type RelayRef } from './route.js';
import { HEARTBEAT, OPENING, SSE_HEADERS, ViewerStream } from './stream.js';

/**
 * What the relay needs of a client: `watch`. Every provider client fits (`modelslab`,
 * `eachlabs`, `datalab`, `createClient`), and so does anything with a `watch(ref, options)`
 * that returns updates.
 *
 * @example
 * ```ts
 * import { eachlabs } from 'runwatch';
 * import type { RelayClient } from 'runwatch/server';
 *
 * const client: RelayClient = eachlabs({ apiKey: process.env.EACHLABS_API_KEY ?? '' });
 * console.log(typeof client.watch);
 * // Logs: function
 * ```
 */
export interface RelayClient {
  /**
   * Watches one execution. The relay checks a reference by calling this without subscribing
   * (a provider client throws a `ConfigError` at once for a bad one, and requests nothing).
   *
   * @param ref - the execution id, or `{ workflowId, executionId }` when the request names a workflow.
   * @param options - `since`, when the relay continues a watch it stopped.
   * @returns a cold observable of updates.
   */
  watch(ref: unknown, options?: WatchOptions): Observable<ExecutionUpdate>;
}

/**
 * A relay: a Fetch-API handler and a Node `http` adapter of the same routes.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { datalab } from 'runwatch';
 * import { createRelay, type Relay } from 'runwatch/server';
 *
 * const relay: Relay = createRelay({
 *   clients: { datalab: datalab({ apiKey: process.env.DATALAB_API_KEY ?? '' }) },
 *   authorize: () => true,
 * });
 * createServer(relay.node).listen(8787);
 * console.log(typeof relay.fetch);
 * // Logs: function
 * ```
 */
export interface Relay {
  /**
   * Answers one request: `GET /:provider/:executionId` (under `basePath`) with an event
   * stream, anything else with a JSON error. Never rejects.
   *
   * @param request - the request; its `signal` aborting (the viewer left) releases its share.
   * @returns the response.
   */
  fetch(request: Request): Promise<Response>;
  /**
   * The same, for Node's `http` module and Express: `createServer(relay.node)`, or
   * `app.use('/relay', relay.node)`.
   *
   * @param req - the incoming request.
   * @param res - the response to write.
   */
  node(req: NodeRequestLike, res: NodeResponseLike): void;
  /**
   * Ends every open stream and stops every watch; later requests get a 503. For a graceful
   * shutdown, and tests.
   */
  close(): void;
}

/** How many bytes may wait for one viewer before it is cut off (it reconnects and resumes). */
const MAX_BUFFERED_BYTES = 1_048_576;

/**
 * Creates a relay: browsers watch executions through your server, with no API key in the
 * page, and one poll at the provider however many viewers watch an execution.
 *
 * `GET /:provider/:executionId` (ModelsLab adds `?workflowId=`) answers `text/event-stream`:
 * an `update` event per `ExecutionUpdate` (JSON; `raw` left out unless `includeRaw`) with
 * increasing `id:`s, comment heartbeats, a `watch-error` event with a typed, key-free error,
 * and the end of the stream after the terminal update. In order, and before anything is
 * polled: a path that is no route or an unknown provider is a 404, a reference the client
 * refuses a 400 (JSON errors); then `authorize(request, ref)` runs, a refusal is a 403; then
 * `maxStreams`, over which a 503.
 *
 * Every viewer of one execution shares one `client.watch`: a new viewer gets the current
 * state as one update, then the shared updates. A viewer coming back with `Last-Event-ID`
 * gets exactly the events it missed, from a history bounded by `maxHistoryEvents` and
 * `maxHistoryBytes` (beyond it, the current state, which `fromRelay` diffs against what it has).
 * When the last viewer leaves, the watch stops and its request is aborted; the history is
 * retained (for `maxRetained` executions), and the next viewer continues the watch with
 * `since`, so nothing is repeated. An execution seen to its end is served from the history,
 * at no provider cost, and a viewer that already has the end gets a 204, which tells an
 * EventSource to stop reconnecting.
 *
 * @param options - the clients, `authorize`, and limits; see {@link RelayOptions}.
 * @returns the relay's `fetch` handler, Node adapter and `close`.
 * @throws `ConfigError` at once, for an invalid option.
 *
 * @example
 * ```ts
 * import { eachlabs, modelslab } from 'runwatch';
 * import { createRelay } from 'runwatch/server';
 *
 * const relay = createRelay({
 *   clients: {
 *     modelslab: modelslab({ apiKey: process.env.MODELSLAB_API_KEY ?? '' }),
 *     eachlabs: eachlabs({ apiKey: process.env.EACHLABS_API_KEY ?? '' }),
 *   },
 *   // Your own check: a session cookie, a signed token, a database lookup.
 *   authorize: (request, ref) => request.headers.get('cookie')?.includes('session=') === true && ref.provider !== '',
 *   basePath: '/relay',
 * });
 * const response = await relay.fetch(new Request('https://example.com/relay/nope/1'));
 * console.log(response.status);
 * // Logs: 404
 * ```
 */
export function createRelay(options: RelayOptions): Relay {
  const o = resolveRelayOptions(options);
  const instance = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  let sequence = 0;
  const live = new Map<string, Channel>();
  const retained = new Map<string, Channel>();
  const viewers = new Set<ViewerStream>();
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  let closed = false;

  const scrub = (text: string): string => {
    let out = text;
    for (const secret of o.secrets) out = out.split(secret).join('[REDACTED]');
    return out;
  };
  const keep = (snapshot: ExecutionSnapshot): ExecutionSnapshot => {
    if (o.includeRaw) return snapshot;
    const copy: Partial<ExecutionSnapshot> = { ...snapshot };
    delete copy.raw;
    return copy as ExecutionSnapshot;
  };

  const onIdle = (channel: Channel): void => {
    live.delete(channel.key);
    retained.delete(channel.key);
    if (o.maxRetained === 0) return;
    retained.set(channel.key, channel);
    for (const key of retained.keys()) {
      if (retained.size <= o.maxRetained) break;
      retained.delete(key);
    }
  };

  const channelFor = (ref: RelayRef, client: RelayClient, watchRef: unknown): Channel => {
    const key = channelKey(ref);
    const found = live.get(key) ?? retained.get(key);
    if (found !== undefined) return found;
    return new Channel(key, {
      watch: (since) => client.watch(watchRef, since === undefined ? undefined : { since }),
      nextId: () => `${instance}-${++sequence}`,
      keep,
      serializeUpdate: (update) => scrub(JSON.stringify(update)),
      serializeError: (error) => scrub(JSON.stringify(toWireError(error))),
      maxEvents: o.maxHistoryEvents,
      maxBytes: o.maxHistoryBytes,
      onIdle,
    });
  };

  const release = (viewer: ViewerStream, channel: Channel): void => {
    viewers.delete(viewer);
    channel.leave(viewer);
    if (viewers.size === 0 && heartbeat !== undefined) {
      clearInterval(heartbeat);
      heartbeat = undefined;
    }
  };

  const open = (request: Request, channel: Channel): Response => {
    const viewer = new ViewerStream(MAX_BUFFERED_BYTES, (v) => release(v, channel));
    viewers.add(viewer);
    heartbeat ??= startHeartbeat();
    viewer.send(OPENING);
    request.signal.addEventListener('abort', () => viewer.end(), { once: true });
    const lastEventId = request.headers.get('last-event-id')?.trim() || undefined;
    channel.join(viewer, lastEventId);
    if (channel.viewers.size > 0) {
      retained.delete(channel.key);
      live.set(channel.key, channel);
    }
    return new Response(viewer.stream, { status: 200, headers: SSE_HEADERS });
  };

  const startHeartbeat = (): ReturnType<typeof setInterval> => {
    const timer = setInterval(() => {
      for (const viewer of viewers) viewer.send(HEARTBEAT);
    }, o.heartbeatMs);
    // Node: heartbeats alone must not keep a process alive.
    (timer as { unref?: () => void }).unref?.();
    return timer;
  };

  const handle = async (request: Request): Promise<Response> => {
    if (closed) return problem(503, 'The relay is closed');
    if (request.method !== 'GET') return problem(405, 'Only GET: open the route with an EventSource', { allow: 'GET' });
    const ref = parseRoute(request.url, o.basePath);
    if (ref instanceof Response) return ref;
    const client = o.clients.get(ref.provider);
    if (client === undefined) {
      const known = [...o.clients.keys()].map((name) => JSON.stringify(name)).join(', ');
      return problem(404, `Unknown provider ${JSON.stringify(ref.provider)}; this relay serves ${known}`);
    }
    if (ref.provider === 'modelslab' && ref.workflowId === undefined) {
      return problem(400, 'A ModelsLab execution lives under its workflow: add ?workflowId=<workflow id>');
    }
    const watchRef = clientRef(ref);
    try {
      client.watch(watchRef); // checks the reference; not subscribed, so nothing is requested
    } catch (error) {
      if (!isConfigError(error)) return problem(500, 'The relay could not check the reference');
      // A client that takes no workflow is given `{ workflowId, executionId }` only when the
      // request names one: say that, not what the client makes of an object.
      const hint = ref.workflowId === undefined ? '' : ` (a ${ref.provider} execution takes no ?workflowId)`;
      return problem(400, scrub(error.message) + hint);
    }
    let allowed: unknown;
    try {
      allowed = await o.authorize(request, { ...ref });
    } catch {
      return problem(500, 'The relay could not authorize the request');
    }
    if (allowed !== true) return problem(403, 'Not allowed to watch this execution');
    if (closed) return problem(503, 'The relay is closed');
    const lastEventId = request.headers.get('last-event-id')?.trim();
    // Saw the end: a 204 tells an EventSource to stop reconnecting. Known by the id's mark,
    // not by the channel, which the relay may no longer keep (`maxRetained`).
    if (lastEventId && isFinalId(lastEventId)) return new Response(null, { status: 204 });
    const channel = channelFor(ref, client, watchRef);
    if (viewers.size >= o.maxStreams) {
      return problem(503, `The relay has ${o.maxStreams} streams open, its limit`, { 'retry-after': '5' });
    }
    if (request.signal.aborted) return new Response(null, { status: 204 });
    return open(request, channel);
  };

  const fetch = (request: Request): Promise<Response> =>
    handle(request).catch(() => problem(500, 'The relay failed to answer'));

  return {
    fetch,
    node: nodeAdapter(fetch),
    close() {
      closed = true;
      for (const channel of [...live.values()]) channel.close();
      for (const viewer of [...viewers]) viewer.end();
      live.clear();
      retained.clear();
    },
  };
}
