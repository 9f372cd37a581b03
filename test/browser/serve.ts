// A read-only static file server for the browser test: GET and HEAD of files under one
// directory (the repository), on 127.0.0.1, nothing else. It records each request's URL so
// the test can check that no secret ever reached it.
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve, sep } from 'node:path';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.cjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.txt': 'text/plain; charset=utf-8',
};

/** One request the server answered. */
export interface StaticRequest {
  method: string;
  /** The request target as sent: path and query. */
  url: string;
  status: number;
}

/** A running static server. */
export interface StaticServer {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** Every request answered so far, oldest first. */
  readonly requests: StaticRequest[];
  readonly server: Server;
  /**
   * Stops the server and ends every connection.
   * @returns a promise that resolves once it is closed.
   */
  close(): Promise<void>;
}

/** Options of {@link serveStatic}. */
export interface StaticOptions {
  /**
   * URL prefixes served from another directory instead, e.g. `{ '/dist/': '/tmp/build' }`.
   * @defaultValue none
   */
  mounts?: Record<string, string>;
}

/** Whether `path` is `dir` or inside it. */
function inside(dir: string, path: string): boolean {
  return path === dir || path.startsWith(dir.endsWith(sep) ? dir : dir + sep);
}

/**
 * Where a URL path lives on disk, or `undefined` when it must not be served: outside the
 * root (`..`, or a symlink out), or through a hidden segment (`.git`, `.env`).
 */
async function locate(pathname: string, root: string, mounts: [string, string][]): Promise<string | undefined> {
  let segments: string[];
  try {
    segments = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    return undefined;
  }
  if (segments.some((s) => s.startsWith('.') || s.includes('/') || s.includes('\\') || s.includes('\0')))
    return undefined;
  const mount = mounts.find(([prefix]) => pathname.startsWith(prefix));
  const base = mount ? mount[1] : root;
  const rest = mount ? segments.slice(mount[0].split('/').filter(Boolean).length) : segments;
  let file = resolve(base, ...rest);
  try {
    file = await realpath(file);
    if (!inside(base, file)) return undefined;
    if ((await stat(file)).isDirectory()) file = join(file, 'index.html');
    return (await stat(file)).isFile() ? file : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Serves the files under `root` on 127.0.0.1, at a free port, read-only.
 *
 * @param root - the directory to serve; a directory's `index.html` answers for it.
 * @param options - other directories to serve under URL prefixes.
 * @returns the running server; `close()` it when done.
 *
 * @example
 * ```ts
 * import { serveStatic } from './serve.js';
 *
 * const site = await serveStatic(process.cwd());
 * console.log((await fetch(`${site.url}/package.json`)).headers.get('content-type'));
 * await site.close();
 * // Logs: application/json; charset=utf-8
 * ```
 */
export async function serveStatic(root: string, options: StaticOptions = {}): Promise<StaticServer> {
  const realRoot = await realpath(root);
  const mounts = await Promise.all(
    Object.entries(options.mounts ?? {}).map(async ([prefix, dir]): Promise<[string, string]> => [
      prefix,
      await realpath(dir),
    ]),
  );
  const requests: StaticRequest[] = [];

  const server = createServer((req, res) => {
    const method = req.method ?? 'GET';
    const target = req.url ?? '/';
    const answer = (status: number, headers: Record<string, string> = {}, body?: string): void => {
      requests.push({ method, url: target, status });
      res.writeHead(status, { 'cache-control': 'no-store', ...headers });
      res.end(body);
    };
    req.resume();
    if (method !== 'GET' && method !== 'HEAD') {
      answer(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }, 'Method Not Allowed\n');
      return;
    }
    const { pathname } = new URL(target, 'http://localhost');
    locate(pathname, realRoot, mounts).then(
      (file) => {
        if (file === undefined) {
          answer(404, { 'content-type': 'text/plain; charset=utf-8' }, 'Not Found\n');
          return;
        }
        const type = CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
        requests.push({ method, url: target, status: 200 });
        res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
        if (method === 'HEAD') {
          res.end();
          return;
        }
        createReadStream(file)
          .on('error', () => res.destroy())
          .pipe(res);
      },
      () => answer(500),
    );
  });

  await new Promise<void>((ready, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', fail);
      ready();
    });
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let closing: Promise<void> | undefined;
  return {
    url,
    requests,
    server,
    close() {
      closing ??= new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
