// The browser example (examples/browser/) in real headless Chromium, in several tabs at once:
// its server (server.mjs) holds the simulator's key, starts a workflow on each provider and
// mounts the relay; each tab imports the built ESM package, zod/mini and rxjs (its UMD bundle,
// re-exported) through an import map and watches the executions with fromRelay. The
// simulator's clock is frozen and moved by the test, so what every tab shows at each stage is
// known, however fast the machine is. Every byte between the browser and the page's server
// goes through a recording proxy: the key is in none of them, and the simulator sees one
// poll stream per execution, not one per tab.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build, type Options } from 'tsup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startSimulator,
  type ExecutionScript,
  type SimulatedProvider,
  type Simulator,
} from '../../src/testing/index.js';
import tsupConfig from '../../tsup.config.js';
import { ensureBuilt } from '../helpers/dist.js';
import { startRecordingProxy, type RecordingProxy } from './proxy.js';
import { serveStatic, type StaticServer } from './serve.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CHROMIUM = '/usr/bin/chromium';
const SIM_KEY = 'sim-key-browser-5b0e71c2d9';
const T0 = Date.parse('2026-01-01T10:00:00Z');
/** Tabs open at once, each in its own browser context (HTTP/1.1 allows 6 connections per host per context). */
const TABS = 4;
/** The example server's fixed poll delay against the simulator. */
const POLL_MS = 200;

/** examples/browser/server.mjs, as the test uses it. */
interface Example {
  url: string;
  executions: { provider: string; title: string; url: string }[];
  close(): Promise<void>;
}
type StartExample = (options: { simulator: Simulator; dist: string; pollMs: number }) => Promise<Example>;

const SCRIPTS: Record<SimulatedProvider, ExecutionScript> = {
  modelslab: {
    queuedMs: 200,
    steps: [
      { name: 'Text to Image', durationMs: 700 },
      { name: 'Image Upscaler', durationMs: 700 },
    ],
  },
  eachlabs: {
    queuedMs: 200,
    steps: [
      { name: 'prompt-enhancer', durationMs: 500 },
      { name: 'flux-schnell', durationMs: 600 },
      { name: 'upscale', durationMs: 500 },
    ],
  },
  datalab: {
    queuedMs: 200,
    steps: [
      { name: 'parse', durationMs: 600 },
      { name: 'extract', durationMs: 700, fails: true, error: 'Could not read page 3' },
      { name: 'summarize', durationMs: 500 },
    ],
  },
};

/** Installs Chromium where this machine allows (scripts/ensure-chromium.sh); why not, if not. */
function ensureChromium(): string | undefined {
  const run = spawnSync('bash', [join(ROOT, 'scripts', 'ensure-chromium.sh')], { encoding: 'utf8', timeout: 600_000 });
  const said = (run.stdout ?? '').trim();
  if (said !== '') console.log(said);
  if (run.status === 0) return undefined;
  return ((run.stderr ?? '').trim() || run.error?.message) ?? `ensure-chromium.sh exited with ${String(run.status)}`;
}

const missing = ensureChromium();
// On CI the browser test must run: a missing Chromium fails it (in beforeAll) instead of skipping.
const skip = missing !== undefined && !process.env['CI'];
if (skip) console.warn(`Skipping the browser test: Chromium is not available.\n${missing}`);

interface Card {
  provider: string | undefined;
  status: string | undefined;
  executionId: string | undefined;
  error: string;
  steps: { name: string; status: string | undefined; mark: string }[];
}

/** What the page shows, card by card. */
function readCards(page: Page): Promise<Card[]> {
  return page.$$eval('.execution', (sections) =>
    sections.map((section) => {
      const el = section as HTMLElement;
      return {
        provider: el.dataset['provider'],
        status: el.dataset['status'],
        executionId: el.dataset['executionId'],
        error: el.querySelector('.error')?.textContent ?? '',
        steps: [...el.querySelectorAll<HTMLElement>('.step')].map((row) => ({
          name: row.querySelector('.step-name')?.textContent ?? '',
          status: row.dataset['status'],
          mark: row.querySelector('.mark')?.textContent ?? '',
        })),
      };
    }),
  );
}

/** Waits until the cards show exactly these step statuses, provider by provider. */
async function waitForSteps(page: Page, expected: Record<string, string[]>, problems: string[]): Promise<void> {
  await page
    .waitForFunction(
      (want) =>
        Object.entries(want).every(([provider, statuses]) => {
          const rows = [...document.querySelectorAll<HTMLElement>(`.execution[data-provider="${provider}"] .step`)];
          return rows.map((row) => row.dataset['status']).join() === statuses.join();
        }),
      expected,
      { timeout: 10_000, polling: 50 },
    )
    .catch(async (error: unknown) => {
      const shows = JSON.stringify(await readCards(page));
      const logged = JSON.stringify(problems);
      throw new Error(`The page never showed ${JSON.stringify(expected)}; it shows ${shows} and logged ${logged}`, {
        cause: error,
      });
    });
}

describe.skipIf(skip)('the browser example in headless Chromium', () => {
  let now = T0;
  let sim: Simulator;
  let example: Example;
  let proxy: RecordingProxy;
  let site: StaticServer;
  let browser: Browser;
  let outDir = '';
  const problems: string[] = [];
  /** When each request reached the simulator, in real time (its own log has only its frozen clock). */
  const arrivals: { method: string; url: string; at: number }[] = [];

  const watchProblems = (page: Page, tab: number): void => {
    page.on('pageerror', (error) => problems.push(`tab ${tab} pageerror: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`tab ${tab} console.error: ${message.text()}`);
    });
    page.on('requestfailed', (request) => {
      // An EventSource a finished stream no longer needs is closed by fromRelay: not a failure.
      if (!request.url().includes('/relay/')) problems.push(`tab ${tab} request failed: ${request.url()}`);
    });
  };

  beforeAll(async () => {
    if (missing !== undefined) throw new Error(`Chromium is required on CI and could not be installed:\n${missing}`);
    // The ESM half of `npm run build` (tsup.config.ts's first config, no .d.ts), written to a
    // private directory and served as /dist/: another test building dist/ at the same time
    // cannot hand the browser a half-written file.
    outDir = mkdtempSync(join(tmpdir(), 'runwatch-browser-dist-'));
    const configs = (Array.isArray(tsupConfig) ? tsupConfig : [tsupConfig]) as Options[];
    const esm = configs.find((c) => c.bundle === false && c.format?.includes('esm'));
    if (esm === undefined) throw new Error('tsup.config.ts has no unbundled ESM config');
    await build({ ...esm, dts: false, outDir, config: false, silent: true });
    ensureBuilt(); // the example's server imports 'runwatch' and 'runwatch/server' from dist/

    sim = await startSimulator({
      apiKey: SIM_KEY,
      seed: 5,
      now: () => now,
      defaultScript: (provider) => SCRIPTS[provider],
    });
    sim.server.on('request', (req: { method?: string; url?: string }) =>
      arrivals.push({ method: req.method ?? '', url: req.url ?? '', at: performance.now() }),
    );
    const { startExample } = (await import(pathToFileURL(join(ROOT, 'examples', 'browser', 'server.mjs')).href)) as {
      startExample: StartExample;
    };
    example = await startExample({ simulator: sim, dist: outDir, pollMs: POLL_MS });
    proxy = await startRecordingProxy(example.url);
    site = await serveStatic(ROOT, { mounts: { '/dist/': outDir } });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-quic',
        '--no-first-run',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all([proxy?.close(), site?.close()]);
    await example?.close();
    await sim?.close();
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  it('renders every execution live in several tabs at once, from one poll per execution and no key', async () => {
    const tabs = await Promise.all(
      Array.from({ length: TABS }, async (_, tab) => {
        const context = await browser.newContext({ viewport: { width: 1100, height: 380 } });
        const page = await context.newPage();
        watchProblems(page, tab);
        return page;
      }),
    );
    await Promise.all(tabs.map((page) => page.goto(`${proxy.url}/`)));

    // Started, nothing has moved yet: every execution is queued, its steps waiting, in every tab.
    await Promise.all(
      tabs.map((page) =>
        waitForSteps(
          page,
          {
            modelslab: ['pending', 'pending'],
            eachlabs: ['queued', 'queued', 'queued'],
            datalab: ['pending', 'pending', 'pending'],
          },
          problems,
        ),
      ),
    );
    for (const page of tabs) {
      await page.waitForSelector('.execution[data-execution-id]:nth-child(3)');
      expect((await readCards(page)).map((c) => [c.provider, c.status])).toEqual([
        ['modelslab', 'queued'],
        ['eachlabs', 'queued'],
        ['datalab', 'queued'],
      ]);
    }

    // 0.9 s in: each has finished its first step and is running its second.
    now = T0 + 900;
    await Promise.all(
      tabs.map((page) =>
        waitForSteps(
          page,
          {
            modelslab: ['completed', 'running'],
            eachlabs: ['completed', 'running', 'queued'],
            datalab: ['completed', 'running', 'pending'],
          },
          problems,
        ),
      ),
    );
    for (const page of tabs)
      expect((await readCards(page)).map((c) => c.status)).toEqual(['running', 'running', 'running']);
    mkdirSync(join(ROOT, 'test-results'), { recursive: true });
    await tabs[0]!.screenshot({ path: join(ROOT, 'test-results', 'browser-running.png'), animations: 'disabled' });

    // Long after: all ended; Datalab's second step failed and took the execution with it.
    now = T0 + 10_000;
    await Promise.all(tabs.map((page) => page.waitForSelector('#done:not([hidden])', { timeout: 10_000 })));
    const made = (provider: SimulatedProvider): string[] => sim.executions(provider).map((e) => e.executionId);
    for (const page of tabs) {
      const cards = await readCards(page);
      const shown = cards.map((c) => ({
        provider: c.provider,
        status: c.status,
        steps: c.steps.map((s) => `${s.name}:${s.status}:${s.mark}`),
      }));
      expect(shown).toEqual([
        {
          provider: 'modelslab',
          status: 'completed',
          steps: ['Text to Image:completed:✓', 'Image Upscaler:completed:✓'],
        },
        {
          provider: 'eachlabs',
          status: 'completed',
          steps: ['prompt-enhancer:completed:✓', 'flux-schnell:completed:✓', 'upscale:completed:✓'],
        },
        {
          provider: 'datalab',
          status: 'failed',
          steps: ['parse:completed:✓', 'extract:failed:✕', 'summarize:pending:'],
        },
      ]);
      expect(cards.map((c) => c.error)).toEqual(['', '', 'Step(s) failed: extract']);
      expect(await page.textContent('#summary')).toBe('3 executions · 2 completed · 1 failed');
      // The cards name the executions the simulator made.
      expect(cards.map((c) => [c.executionId])).toEqual([made('modelslab'), made('eachlabs'), made('datalab')]);
    }
    await tabs[0]!.screenshot({ path: join(ROOT, 'test-results', 'browser.png'), animations: 'disabled' });
    expect(problems).toEqual([]);

    // The server started each run once, with each provider's own auth header; the browser never
    // reached the simulator (no CORS preflight, no index page).
    const api = sim.requests.filter((r) => r.provider !== undefined);
    expect(api.filter((r) => r.auth !== 'ok' || r.status >= 300)).toEqual([]);
    const starts = api.filter((r) => r.endpoint !== 'status').map((r) => `${r.provider}:${r.api ?? ''}:${r.endpoint}`);
    expect(starts.sort()).toEqual(['datalab::execute', 'eachlabs:current:trigger', 'modelslab::run']);
    expect(sim.requests.filter((r) => r.endpoint === 'preflight' || r.endpoint === 'index')).toEqual([]);

    // Every tab opened its own stream of each execution at the relay...
    const streams = proxy.requests().filter((r) => r.startsWith('GET /relay/'));
    expect(streams.sort()).toEqual(example.executions.flatMap((e) => Array<string>(TABS).fill(`GET ${e.url}`)).sort());
    // ...and the simulator saw one poll stream per execution: requests at least a poll delay
    // apart (TABS independent polls would put some within POLL_MS / TABS of each other).
    for (const provider of ['modelslab', 'eachlabs', 'datalab'] as const) {
      const [executionId] = made(provider);
      const polls = arrivals.filter((a) => a.method === 'GET' && a.url.endsWith(`/${executionId}`)).map((a) => a.at);
      expect(polls.length, provider).toBeGreaterThanOrEqual(3);
      const gaps = polls.slice(1).map((at, i) => at - polls[i]!);
      expect(Math.min(...gaps), `${provider} polls ${JSON.stringify(gaps.map(Math.round))}`).toBeGreaterThanOrEqual(
        POLL_MS * 0.75,
      );
      expect(api.filter((r) => r.endpoint === 'status' && r.executionId === executionId)).toHaveLength(polls.length);
    }

    // The key is in no byte the browser sent or received, nor in any page; the browser only
    // ever talked to the page's own server.
    expect(proxy.sent()).not.toContain(SIM_KEY);
    expect(proxy.received()).not.toContain(SIM_KEY);
    expect(proxy.received()).toContain('event: update');
    for (const page of tabs) {
      expect(await page.content()).not.toContain(SIM_KEY);
      expect(page.url()).toBe(`${proxy.url}/`);
    }
    const served = proxy.requests();
    expect(served).toEqual(
      expect.arrayContaining([
        'GET /',
        'GET /app.js',
        'GET /api/executions',
        'GET /dist/index.js',
        'GET /node_modules/rxjs/dist/bundles/rxjs.umd.min.js',
        'GET /rxjs.js',
        'GET /node_modules/zod/mini/index.js',
      ]),
    );
    // The Node fallback is never fetched by a browser.
    expect(served.filter((r) => r.includes('cross-fetch'))).toEqual([]);
  }, 90_000);

  it('maps rxjs to every export of its UMD bundle, and explains itself when opened without its server', async () => {
    const bare = await browser.newPage();
    try {
      // Served as static files, without its server: no relay, no /api/executions.
      await bare.goto(`${site.url}/examples/browser/`);
      await bare.waitForSelector('#notice:not([hidden])');
      expect(await bare.textContent('#notice')).toContain('node examples/browser/server.mjs');
      // A string, not a function: vitest rewrites `import()` inside functions for Node.
      const shim = await bare.evaluate<{ names: string[]; missing: string[] }>(`(async () => {
        const shim = await import('rxjs');
        const umd = globalThis.rxjs;
        const names = Object.keys(shim).sort();
        return { names, missing: names.filter((k) => !(k in umd) || shim[k] !== umd[k]) };
      })()`);
      const node = Object.keys(await import('rxjs')).sort();
      // The bundle also holds the sub-entries (ajax, fetch, operators, testing, webSocket).
      expect(shim.missing).toEqual([]);
      expect(shim.names).toEqual(node);
      expect(await bare.$$('.execution')).toHaveLength(0);
    } finally {
      await bare.close();
    }
  });
});
