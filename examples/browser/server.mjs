// The browser example's server: it holds the provider keys, starts one workflow on each
// provider of a runwatch simulator, and mounts the relay (runwatch/server) at /relay/, so
// that the page watches the executions with fromRelay and holds no key at all. However many
// tabs are open, the simulator sees one poll per execution. It also serves the page, the
// built package (dist/) and the two dependencies the page imports.
//
//   npm run build && node examples/browser/server.mjs      then open the address it prints
//
// test/browser/browser.test.ts starts it (startExample) and opens the page in several tabs.
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { datalab, eachlabs, modelslab } from 'runwatch';
import { createRelay } from 'runwatch/server';
import { startSimulator } from 'runwatch/testing';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..', '..');
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
};
/** The page's own files: the rest of this directory (this server) is not served. */
const PAGE = new Set(['index.html', 'app.js', 'rxjs.js']);

/** What the demo runs: one workflow per provider, as a user's backend would start them. */
const RUNS = [
  {
    provider: 'ModelsLab',
    title: 'Lighthouse at dusk',
    start: (c) => c.modelslab.run('wf-lighthouse', { prompt: 'a lighthouse at dusk, oil painting' }),
    route: ({ workflowId, executionId }) => `/relay/modelslab/${executionId}?workflowId=${workflowId}`,
  },
  {
    provider: 'EachLabs',
    title: 'Mountain poster',
    start: (c) =>
      c.eachlabs.trigger('50741f40-8621-4d46-8a91-dff4d873be98', {
        inputs: { prompt: 'A majestic mountain landscape' },
        versionId: 'v1',
      }),
    route: ({ executionId }) => `/relay/eachlabs/${executionId}`,
  },
  {
    provider: 'Datalab',
    title: 'Invoice extraction',
    start: (c) => c.datalab.execute(42, { type: 'single_file', file_url: 'https://example.com/invoice.pdf' }),
    route: ({ executionId }) => `/relay/datalab/${executionId}`,
  },
];

/**
 * Starts the example: the clients (keys stay here), the runs, the relay and the web server.
 * @param {object} [options]
 * @param {{ apiKey: string, baseUrls: Record<string, string>, close(): Promise<void> }} [options.simulator]
 *   a running simulator (one is started, and closed with the server, when absent)
 * @param {string} [options.dist] where the built package is served from (default: dist/)
 * @param {number} [options.pollMs] the fixed poll delay against the simulator (default 250)
 * @param {number} [options.port] where to listen on 127.0.0.1 (default: a free port)
 */
export async function startExample({ simulator, dist = join(ROOT, 'dist'), pollMs = 250, port = 0 } = {}) {
  const sim = simulator ?? (await startSimulator());
  // The simulator has no request limits and its executions last seconds: a brisk, fixed
  // poll. Against the real APIs keep the defaults (ModelsLab allows 10 requests a minute).
  const common = {
    apiKey: sim.apiKey,
    rateLimit: false,
    backoff: { initialDelayMs: pollMs, maxDelayMs: pollMs, multiplier: 1, jitter: 'none' },
  };
  const clients = {
    modelslab: modelslab({ ...common, baseUrl: sim.baseUrls.modelslab }),
    eachlabs: eachlabs({ ...common, api: 'current', baseUrl: sim.baseUrls.eachlabsCurrent }),
    datalab: datalab({ ...common, baseUrl: sim.baseUrls.datalab }),
  };
  const started = await Promise.all(RUNS.map((run) => run.start(clients)));
  const executions = RUNS.map((run, i) => ({ provider: run.provider, title: run.title, url: run.route(started[i]) }));

  const relay = createRelay({
    clients,
    // A real app checks the viewer's session here; this one lets anyone watch what it started,
    // and nothing else.
    authorize: (request) => {
      const { pathname, search } = new URL(request.url);
      return executions.some((e) => e.url === pathname + search);
    },
    basePath: '/relay',
    secrets: [sim.apiKey],
  });

  const files = await roots(dist);
  const server = createServer((req, res) => {
    const { pathname } = new URL(req.url ?? '/', 'http://localhost');
    if (pathname.startsWith('/relay/')) return relay.node(req, res);
    req.resume();
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain; charset=utf-8', 'GET only\n');
    if (pathname === '/api/executions') return send(res, 200, TYPES['.json'], JSON.stringify(executions));
    serveFile(files, pathname).then(
      (file) => {
        if (file === undefined) return send(res, 404, 'text/plain; charset=utf-8', 'Not Found\n');
        res.writeHead(200, {
          'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
          'cache-control': 'no-store',
        });
        if (req.method === 'HEAD') return res.end();
        createReadStream(file)
          .on('error', () => res.destroy())
          .pipe(res);
      },
      () => send(res, 500, 'text/plain; charset=utf-8', 'Error\n'),
    );
  });
  await new Promise((ready) => server.listen(port, '127.0.0.1', ready));
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url,
    executions,
    async close() {
      relay.close();
      server.closeAllConnections();
      await new Promise((done) => server.close(done));
      if (simulator === undefined) await sim.close();
    },
  };
}

function send(res, status, type, body) {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

/** URL prefixes and the directories behind them: the page, the build, and two dependencies. */
async function roots(dist) {
  return Promise.all(
    [
      ['/dist/', dist],
      ['/node_modules/rxjs/dist/bundles/', join(ROOT, 'node_modules', 'rxjs', 'dist', 'bundles')],
      ['/node_modules/zod/', join(ROOT, 'node_modules', 'zod')],
      ['/', HERE],
    ].map(async ([prefix, dir]) => [prefix, await realpath(dir)]),
  );
}

/** The file a path names under one of the roots, or `undefined`: nothing outside them, nothing hidden. */
async function serveFile(files, pathname) {
  let segments;
  try {
    segments = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    return undefined;
  }
  if (segments.some((s) => s.startsWith('.') || s.includes('/') || s.includes('\\') || s.includes('\0')))
    return undefined;
  const [prefix, dir] = files.find(([p]) => pathname.startsWith(p)) ?? [];
  if (prefix === undefined) return undefined;
  let file = resolve(dir, ...segments.slice(prefix.split('/').filter(Boolean).length));
  if (prefix === '/') {
    if (file === dir) file = join(dir, 'index.html');
    if (segments.length > 1 || !PAGE.has(file.slice(dir.length + 1))) return undefined;
  }
  try {
    file = await realpath(file);
    return (file === dir || file.startsWith(dir + sep)) && (await stat(file)).isFile() ? file : undefined;
  } catch {
    return undefined;
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const example = await startExample({ port: Number(process.env.PORT ?? 8080) });
  console.log(`runwatch browser example: ${example.url}/  (open it in several tabs; Ctrl-C to stop)`);
}
