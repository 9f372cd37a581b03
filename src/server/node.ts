// The relay on Node's `http` (and Express, which passes the same objects): the request made a
// Fetch `Request`, the `Response` piped back. Structural types, no import of a Node built-in,
// so the entry stays loadable in any runtime.

import { problem } from './route.js';

/**
 * The part of a Node `http.IncomingMessage` the relay reads; Express's `req` fits too.
 *
 * @example
 * ```ts
 * import type { NodeRequestLike } from 'runwatch/server';
 *
 * const req: NodeRequestLike = { method: 'GET', url: '/eachlabs/e1', headers: { 'last-event-id': 'k3x9-4' } };
 * console.log(req.headers['last-event-id']);
 * // Logs: k3x9-4
 * ```
 */
export interface NodeRequestLike {
  /** The method, upper case. */
  method?: string | undefined;
  /** The request target: path and query, relative to where the relay is mounted. */
  url?: string | undefined;
  /** The request headers, lower-case names. */
  headers: Record<string, string | string[] | undefined>;
}

/**
 * The part of a Node `http.ServerResponse` the relay writes to; Express's `res` fits too.
 *
 * @example
 * ```ts
 * import type { NodeResponseLike } from 'runwatch/server';
 * import { createServer } from 'node:http';
 *
 * createServer((req, res) => {
 *   const out: NodeResponseLike = res;
 *   out.writeHead(204, {});
 *   out.end();
 * });
 * console.log('ok');
 * // Logs: ok
 * ```
 */
export interface NodeResponseLike {
  /** Whether the status line and headers are out. */
  readonly headersSent: boolean;
  /** Whether the response (its socket) is gone. */
  readonly destroyed: boolean;
  /**
   * Sends the status and headers.
   * @param status - the HTTP status.
   * @param headers - the response headers.
   */
  writeHead(status: number, headers: Record<string, string>): unknown;
  /**
   * Sends headers now, before the first body chunk, where the runtime can.
   */
  flushHeaders?(): void;
  /**
   * Writes a body chunk.
   * @param chunk - the bytes.
   * @returns `false` when the chunk was queued in memory: wait for `drain`.
   */
  write(chunk: Uint8Array): boolean;
  /** Ends the response. */
  end(): unknown;
  /** Drops the connection. */
  destroy(): unknown;
  /**
   * Listens for `close` (the response is done or the connection gone) and `drain`.
   * @param event - `close` or `drain`.
   * @param listener - called once per event.
   */
  on(event: 'close' | 'drain', listener: () => void): unknown;
  /**
   * Stops listening.
   * @param event - `close` or `drain`.
   * @param listener - the listener given to `on`.
   */
  off(event: 'close' | 'drain', listener: () => void): unknown;
}

/** Turns a Node request into a Fetch `Request` whose signal aborts when the connection closes. */
export function toRequest(req: NodeRequestLike, signal: AbortSignal): Request {
  const target = req.url ?? '/';
  // The host is not the relay's business (the path is), and a Host header can be anything.
  const url = `http://relay.invalid${target.startsWith('/') ? target : `/${target}`}`;
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === 'string') headers.set(name, value);
    else if (Array.isArray(value)) for (const v of value) headers.append(name, v);
  }
  return new Request(url, { method: req.method ?? 'GET', headers, signal });
}

/** Writes a Fetch `Response` to a Node response, streaming its body with back-pressure. */
export async function writeResponse(response: Response, res: NodeResponseLike): Promise<void> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  res.writeHead(response.status, headers);
  if (response.body === null) {
    res.end();
    return;
  }
  res.flushHeaders?.();
  const reader = response.body.getReader();
  const gone = (): void => void reader.cancel().catch(() => undefined);
  res.on('close', gone);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done || res.destroyed) break;
      // Until the socket drains, or the stream errors (a viewer cut off for not reading).
      if (!res.write(value)) await Promise.race([drained(res), reader.closed]);
    }
    if (!res.destroyed) res.end();
  } catch {
    res.destroy();
  } finally {
    res.off('close', gone);
  }
}

function drained(res: NodeResponseLike): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/** The Node adapter of a Fetch handler: `(req, res) => void`, never throwing, never rejecting. */
export function nodeAdapter(
  handle: (request: Request) => Promise<Response>,
): (req: NodeRequestLike, res: NodeResponseLike) => void {
  return (req, res) => {
    const controller = new AbortController();
    res.on('close', () => controller.abort());
    let request: Request;
    try {
      request = toRequest(req, controller.signal);
    } catch {
      // A method or header a Fetch Request refuses (CONNECT, TRACE, a malformed value): the
      // JSON error the relay gives any refusal.
      const response =
        (req.method ?? 'GET') === 'GET'
          ? problem(400, 'The relay could not read the request: a header no Fetch Request can carry')
          : problem(405, 'Only GET: open the route with an EventSource', { allow: 'GET' });
      void writeResponse(response, res);
      return;
    }
    handle(request)
      .then((response) => writeResponse(response, res))
      .catch(() => {
        if (!res.headersSent) void writeResponse(new Response(null, { status: 500 }), res);
        else res.destroy();
      });
  };
}
