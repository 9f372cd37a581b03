import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build, type Options } from 'tsup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/testing/index.js';
import tsupConfig from '../../tsup.config.js';

// The built command, as `npm run build` makes it and `npx runwatch` runs it.
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = `${ROOT}dist/cli/main.js`;
const SIM_KEY = 'sim-key-7c1e2f-cli-test';
const WRONG_KEY = 'sk-WRONG-d3adb33f-9e1c-cli';
const SHORT = {
  queuedMs: 0,
  steps: [
    { name: 'one', durationMs: 300 },
    { name: 'two', durationMs: 300 },
  ],
};

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI with a clean environment (no provider keys from the machine). */
function cli(args: string[], env: Record<string, string> = {}): Promise<Result> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/_API_KEY$/.test(k))) as Record<
    string,
    string
  >;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...base, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function ndjson(text: string): Record<string, unknown>[] {
  return text
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

const simulators: Simulator[] = [];

/**
 * A simulator of its own for each test, on a clock the test moves: executions advance only
 * when told, so nothing depends on how fast a child process starts on a busy machine.
 */
async function frozenSimulator(): Promise<{ sim: Simulator; advance(ms: number): void }> {
  let now = Date.parse('2026-01-01T10:00:00Z');
  const sim = await startSimulator({ apiKey: SIM_KEY, seed: 11, defaultScript: SHORT, now: () => now });
  simulators.push(sim);
  return { sim, advance: (ms) => void (now += ms) };
}

/** Resolves once the simulator has answered a request that matches. */
async function served(sim: Simulator, match: (request: Simulator['requests'][number]) => boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!sim.requests.some(match)) {
    if (Date.now() > deadline) throw new Error('the simulator saw no such request');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

beforeAll(async () => {
  const configs = (Array.isArray(tsupConfig) ? tsupConfig : [tsupConfig]) as Options[];
  const cliConfig = configs.find((c) => typeof c.entry === 'object' && c.entry !== null && 'cli/main' in c.entry);
  if (cliConfig === undefined) throw new Error('tsup.config.ts has no cli/main entry');
  // Only the CLI entry (no clean, no d.ts): the same file `npx tsup` writes, in a second.
  await build({ ...cliConfig, config: false, silent: true });
}, 60_000);

afterAll(async () => {
  await Promise.all(simulators.map((sim) => sim.close()));
});

describe('the built command', () => {
  it('imports only node built-ins and the package’s own dependencies at run time (string-width is bundled)', () => {
    const code = readFileSync(CLI, 'utf8');
    const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as {
      dependencies: Record<string, string>;
      peerDependencies: Record<string, string>;
    };
    const specifiers = [
      ...code.matchAll(/^\s*(?:import|export)\b[^'"]*?\bfrom\s*["']([^"']+)["']/gm),
      ...code.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g),
      ...code.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g),
    ].map(([, specifier]) => specifier!);
    expect(specifiers.length).toBeGreaterThan(0);
    const runtime = new Set([...Object.keys(pkg.dependencies), ...Object.keys(pkg.peerDependencies)]);
    const stray = specifiers.filter((specifier) => {
      const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!;
      return !specifier.startsWith('node:') && !builtinModules.includes(name) && !runtime.has(name);
    });
    expect(stray).toEqual([]);
    expect(specifiers.some((specifier) => specifier.startsWith('string-width'))).toBe(false);
  });
});

// Each test spawns node and a simulator, all at once: on a busy 2-core machine that took over 20 s.
describe.concurrent('runwatch (built, as a child process)', { timeout: 60_000 }, () => {
  it('answers --help on every command and --version, exit 0', async () => {
    const [main, demo, watch, run, version] = await Promise.all([
      cli(['--help']),
      cli(['demo', '--help']),
      cli(['watch', '--help']),
      cli(['run', '--help']),
      cli(['--version']),
    ]);
    expect(main).toMatchObject({ code: 0, stderr: '' });
    expect(main.stdout).toContain('runwatch watch <provider> <id…>');
    expect(demo.stdout).toContain('Usage: runwatch demo');
    expect(watch.stdout).toContain('--max-wait <ms>');
    expect(run.stdout).toContain('--input key=value');
    for (const r of [demo, watch, run]) expect(r.code).toBe(0);
    const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { version: string };
    expect(version).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
  });

  it('exits 2 on a usage error, with the message and a pointer to --help on stderr', async () => {
    const env = { EACHLABS_API_KEY: SIM_KEY };
    const cases = await Promise.all([
      cli([]),
      cli(['frobnicate']),
      cli(['watch', 'replicate', 'x'], env),
      cli(['watch', 'eachlabs', 'x', '--bogus'], env),
      cli(['watch', 'eachlabs'], env),
      cli(['watch', 'eachlabs', 'x']), // no key anywhere
      cli(['watch', 'modelslab', '12345', '--api-key', SIM_KEY]), // no --workflow
      cli(['run', 'datalab'], { DATALAB_API_KEY: SIM_KEY }),
    ]);
    const messages = cases.map((r) => r.stderr.split('\n')[0]);
    expect(messages).toEqual([
      'runwatch: Missing command',
      "runwatch: Unknown command 'frobnicate'",
      'runwatch: Unknown provider; expected one of modelslab, eachlabs, datalab',
      "runwatch: Unknown option '--bogus'.",
      'runwatch: Missing execution id',
      'runwatch: Missing API key: pass --api-key or set EACHLABS_API_KEY',
      'runwatch: ModelsLab needs the workflow: --workflow <workflow-id>',
      'runwatch: Missing workflow id',
    ]);
    for (const r of cases) {
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/Run 'runwatch (\w+ )?--help' for usage\.\n$/);
      expect(r.stdout + r.stderr).not.toContain(SIM_KEY);
    }
  });

  it('watch --json prints one parseable change per line and exits 0 when the execution completes', async () => {
    const { sim, advance } = await frozenSimulator();
    const execution = sim.createExecution('eachlabs', SHORT);
    const pending = cli([
      'watch',
      'eachlabs',
      execution.executionId,
      '--json',
      '--base-url',
      sim.baseUrls.eachlabs,
      '--api-key',
      SIM_KEY,
    ]);
    await served(sim, (q) => q.endpoint === 'status' && q.executionId === execution.executionId && q.status === 200);
    advance(10_000);
    const r = await pending;
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const changes = ndjson(r.stdout);
    expect(changes.every((c) => c['executionId'] === execution.executionId)).toBe(true);
    expect(changes.filter((c) => c['type'] === 'step-added').map((c) => (c['step'] as { key: string }).key)).toEqual([
      'one',
      'two',
    ]);
    // The first status change has `from: undefined`, which JSON leaves out.
    const first = changes.find((c) => c['type'] === 'execution-status');
    expect(first).not.toHaveProperty('from');
    expect(first?.['to']).toBe('running');
    expect(changes.at(-1)).toEqual({
      type: 'execution-status',
      executionId: execution.executionId,
      from: 'running',
      to: 'completed',
    });
    expect(r.stdout).not.toContain(SIM_KEY);
  });

  it('watch --json exits 1 when the execution fails (Datalab)', async () => {
    const { sim, advance } = await frozenSimulator();
    const execution = sim.createExecution('datalab', {
      queuedMs: 0,
      steps: [{ name: 'parse', durationMs: 200, fails: true }],
    });
    advance(10_000);
    const r = await cli(['watch', 'datalab', execution.executionId, '--json', '--base-url', sim.baseUrls.datalab], {
      DATALAB_API_KEY: SIM_KEY,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    const last = ndjson(r.stdout).at(-1);
    expect(last).toMatchObject({ type: 'execution-status', executionId: execution.executionId, to: 'failed' });
  });

  it('watch follows several ModelsLab executions at once and, piped, prints plain lines and each final status', async () => {
    const { sim, advance } = await frozenSimulator();
    const ok = sim.createExecution('modelslab', SHORT);
    const bad = sim.createExecution('modelslab', {
      queuedMs: 0,
      workflowId: ok.workflowId,
      steps: [{ name: 'Text to Image', durationMs: 300, fails: true, error: 'Invalid prompt' }],
    });
    advance(10_000);
    const r = await cli(
      [
        'watch',
        'modelslab',
        ok.executionId,
        bad.executionId,
        '--workflow',
        ok.workflowId,
        '--base-url',
        sim.baseUrls.modelslab,
      ],
      {
        MODELSLAB_API_KEY: SIM_KEY,
      },
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    expect(r.stdout).not.toContain('\u001b['); // no cursor movement or colour when piped
    expect(r.stdout).toContain('2 executions in');
    expect(r.stdout).toMatch(new RegExp(`^ ✔ {2}modelslab {2}${ok.executionId} {2}completed .*2/2 steps$`, 'm'));
    expect(r.stdout).toMatch(new RegExp(`^ ✖ {2}modelslab {2}${bad.executionId} {2}failed .*Invalid prompt$`, 'm'));
  });

  it('run triggers the workflow with the inputs, then watches it to the end', async () => {
    const { sim, advance } = await frozenSimulator();
    const pending = cli(
      [
        'run',
        'eachlabs',
        'wf-cli-test',
        '--input',
        'prompt=a red fox',
        '--input',
        'steps:=30',
        '--json',
        '--base-url',
        sim.baseUrls.eachlabs,
      ],
      { EACHLABS_API_KEY: SIM_KEY },
    );
    await served(sim, (q) => q.endpoint === 'status' && q.status === 200);
    advance(10_000);
    const r = await pending;
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const changes = ndjson(r.stdout);
    const executionId = changes[0]?.['executionId'];
    expect(typeof executionId).toBe('string');
    expect(changes.at(-1)).toMatchObject({ type: 'execution-status', executionId, to: 'completed' });
    const trigger = sim.requests.find((q) => q.endpoint === 'trigger' && q.status < 300);
    expect(trigger).toMatchObject({ method: 'POST', auth: 'ok' });
    const body = (await (
      await fetch(`${sim.baseUrls.eachlabs}/executions/${String(executionId)}`, { headers: { 'x-api-key': SIM_KEY } })
    ).json()) as {
      workflow_id: string;
      inputs: unknown;
    };
    expect(body).toMatchObject({ workflow_id: 'wf-cli-test', inputs: { prompt: 'a red fox', steps: 30 } });
  });

  it('run shows the display when not --json (Datalab execute)', async () => {
    const { sim, advance } = await frozenSimulator();
    const pending = cli(
      [
        'run',
        'datalab',
        '42',
        '--input',
        'type=single_file',
        '--input',
        'file_url=https://example.test/a.pdf',
        '--base-url',
        sim.baseUrls.datalab,
      ],
      {
        DATALAB_API_KEY: SIM_KEY,
      },
    );
    await served(sim, (q) => q.endpoint === 'status' && q.status === 200);
    advance(10_000);
    const r = await pending;
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^1 execution in .*: 1 completed$/m);
    expect(r.stdout).toMatch(/✔ one: running → completed/);
  });

  it('exits 3 on a wrong key with one line on stderr, and never prints the key', async () => {
    const { sim } = await frozenSimulator();
    const execution = sim.createExecution('eachlabs', SHORT);
    const args = ['--base-url', sim.baseUrls.eachlabs, '--api-key', WRONG_KEY];
    const [watchJson, watchPlain, run] = await Promise.all([
      cli(['watch', 'eachlabs', execution.executionId, '--json', ...args]),
      cli(['watch', 'eachlabs', execution.executionId, ...args]),
      cli(['run', 'eachlabs', 'wf', '--input', `note=${WRONG_KEY}`, ...args]),
    ]);
    for (const r of [watchJson, watchPlain, run]) {
      expect(r.code).toBe(3);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^runwatch: .*(401|API key|[Uu]nauthori[sz]ed)/);
      expect(r.stdout + r.stderr).not.toContain(WRONG_KEY);
    }
    expect(watchJson.stdout).toBe('');
  });

  it('exits 3 when --max-wait passes before the execution ends', async () => {
    const { sim } = await frozenSimulator();
    const execution = sim.createExecution('eachlabs', { queuedMs: 0, steps: [{ name: 'slow', durationMs: 60_000 }] });
    const r = await cli(
      ['watch', 'eachlabs', execution.executionId, '--max-wait', '400', '--json', '--base-url', sim.baseUrls.eachlabs],
      {
        EACHLABS_API_KEY: SIM_KEY,
      },
    );
    expect(r.code).toBe(3);
    // One line, naming the execution (once: no label in front when the message has the id).
    expect(r.stderr).toMatch(new RegExp(`^runwatch: [^\\n]*${execution.executionId}[^\\n]*400 ms\\n$`));
    expect(r.stderr.split(execution.executionId)).toHaveLength(2);
  });

  it('demo runs every provider, prints each final status as plain lines when piped, and exits 0', async () => {
    const started = Date.now();
    const r = await cli(['demo']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(r.stdout).not.toContain('\u001b[');
    const summary = r.stdout.slice(r.stdout.indexOf('7 executions in'));
    expect(summary.split('\n')[0]).toMatch(/^7 executions in [\d.]+s: 5 completed, 1 failed, 1 cancelled$/);
    const finals = summary.split('\n').slice(1, 8);
    expect(finals.map((line) => line.trim().split(/\s+/)).map(([, provider, , status]) => [provider, status])).toEqual([
      ['modelslab', 'completed'],
      ['eachlabs', 'failed'],
      ['datalab', 'completed'],
      ['modelslab', 'completed'],
      ['eachlabs', 'cancelled'],
      ['datalab', 'completed'],
      ['eachlabs', 'completed'],
    ]);
  }, 45_000);
});

// Apart from the block above: one more node process at a time on a busy machine.
describe('runwatch simulate (built, as a child process)', () => {
  /** `runwatch simulate` started and serving: the child, its exit code to come, and what it printed so far. */
  async function simulating() {
    const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/_API_KEY$/.test(k)));
    const child = spawn(process.execPath, [CLI, 'simulate'], {
      env: { ...base, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    const printed = { stdout: '', stderr: '' };
    child.stderr.on('data', (chunk: Buffer) => (printed.stderr += chunk.toString()));
    await new Promise<void>((resolve) =>
      child.stdout.on('data', (chunk: Buffer) => {
        printed.stdout += chunk.toString();
        if (printed.stdout.includes('Serving until Ctrl-C')) resolve();
      }),
    );
    return { child, closed, printed };
  }

  it('serves every provider until Ctrl-C, then closes and exits 0', async () => {
    const { child, closed, printed: output } = await simulating();
    const [, url] = /simulated at (http:\/\/127\.0\.0\.1:\d+)$/m.exec(output.stdout)!;
    const printed = [...output.stdout.matchAll(/^ {2}\w+ +\w* +(http:\S+)$/gm)].map(([, u]) => u);
    // The simulator's own index lists the same base URLs.
    const index = (await (await fetch(`${url}/`)).json()) as { baseUrls: Record<string, string> };
    expect(printed.sort()).toEqual(Object.values(index.baseUrls).sort());
    child.kill('SIGINT');
    expect(await closed).toBe(0);
    expect(output.stderr).toBe('');
    expect(output.stdout).toMatch(/GET \/ {2}200\nrunwatch simulate: stopped after 1 request\.\n$/);
    await expect(fetch(`${url}/`)).rejects.toThrow();
  });

  it('stops the same way on SIGTERM (a container or a service manager stopping it)', async () => {
    const { child, closed, printed: output } = await simulating();
    child.kill('SIGTERM');
    expect(await closed).toBe(0);
    expect(output.stderr).toBe('');
    expect(output.stdout).toMatch(/runwatch simulate: stopped after 0 requests\.\n$/);
  });
});
