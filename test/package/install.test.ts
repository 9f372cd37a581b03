// The package as a user gets it: build, `npm pack`, install the tarball into a fresh project
// outside the repository, then load it from Node both ways. Also checks that the browser
// entry (dist/index.js and everything it imports inside dist) needs no Node built-in.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../helpers/dist.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const windows = process.platform === 'win32';

/** What `import * from 'runwatch'` must offer at run time (types are attw's job). */
const RUNWATCH_EXPORTS = [
  'watchExecution',
  'modelslab',
  'eachlabs',
  'datalab',
  'untilTerminal',
  'stepChanges',
  'statusChanges',
  'throwOnFailure',
  'progress',
  'mergeExecutions',
  'aggregateProgress',
  'waitForTerminal',
  'isTerminal',
  'diff',
  'EXECUTION_STATUSES',
  'RunwatchError',
  'HttpError',
  'AuthenticationError',
  'NotFoundError',
  'RateLimitError',
  'ResponseValidationError',
  'NetworkError',
  'TimeoutError',
  'ExecutionFailedError',
  'ConfigError',
  'isRunwatchError',
  'fromRelay',
];
const TESTING_EXPORTS = ['startSimulator'];
const SERVER_EXPORTS = ['createRelay'];

/**
 * The imports of `entry` and of every file it reaches, whichever the kind (static, dynamic,
 * require), that name a Node built-in. esbuild does the parsing and the walk; packages
 * outside the entry's own files are left external, so only the entry's files are judged.
 */
async function nodeBuiltinImports(entry: string): Promise<{ files: string[]; builtins: string[] }> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    metafile: true,
    format: 'esm',
    platform: 'neutral',
    packages: 'external',
    logLevel: 'silent',
    // Built-ins are left external (not failed on) so that all of them get reported.
    plugins: [
      {
        name: 'builtins-external',
        setup(b) {
          b.onResolve({ filter: /.*/ }, (args) =>
            isBuiltin(args.path) ? { path: args.path, external: true } : undefined,
          );
        },
      },
    ],
  });
  const inputs = Object.entries(result.metafile.inputs);
  const builtins = inputs.flatMap(([file, input]) =>
    input.imports.filter((i) => isBuiltin(i.path)).map((i) => `${file} → ${i.path} (${i.kind})`),
  );
  return { files: inputs.map(([file]) => file), builtins };
}

describe('nodeBuiltinImports', () => {
  it('reports built-ins imported anywhere in the files reached, in any form', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runwatch-builtins-'));
    try {
      writeFileSync(join(dir, 'a.js'), "import './b.js';\nimport { of } from 'rxjs';\nexport const x = of(1);\n");
      writeFileSync(
        join(dir, 'b.js'),
        "import http from 'http';\nexport const f = () => import('node:fs');\nexport const g = http;\n",
      );
      writeFileSync(
        join(dir, 'clean.js'),
        "import { of } from 'rxjs';\nexport const y = () => import('cross-fetch');\n",
      );
      const dirty = await nodeBuiltinImports(join(dir, 'a.js'));
      expect(dirty.files).toHaveLength(2);
      expect(dirty.builtins.map((b) => b.replace(/^.*\//, ''))).toEqual([
        'b.js → http (import-statement)',
        'b.js → node:fs (dynamic-import)',
      ]);
      expect((await nodeBuiltinImports(join(dir, 'clean.js'))).builtins).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the packed package', () => {
  let work = '';
  let consumer = '';

  /** Runs Node in the consumer project and parses the JSON it prints. */
  function nodeIn(args: string[]): unknown {
    const out = execFileSync(process.execPath, args, { cwd: consumer, encoding: 'utf8', timeout: 20_000 });
    return JSON.parse(out);
  }

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'runwatch-install-'));
    ensureBuilt();
    const packed = execFileSync('npm', ['pack', '--json', '--pack-destination', work], {
      cwd: root,
      encoding: 'utf8',
      shell: windows,
    });
    const [info] = JSON.parse(packed.slice(packed.indexOf('['))) as [{ filename: string }];
    consumer = join(work, 'consumer');
    mkdirSync(consumer);
    writeFileSync(
      join(consumer, 'package.json'),
      JSON.stringify({ name: 'consumer', version: '0.0.0', private: true }),
    );
    // The peer at the version the repository develops against, so it comes from npm's cache;
    // zod and cross-fetch are the package's own dependencies, installed as a user gets them.
    const rxjs = (
      JSON.parse(readFileSync(join(root, 'node_modules', 'rxjs', 'package.json'), 'utf8')) as { version: string }
    ).version;
    execFileSync(
      'npm',
      [
        'install',
        join(work, info.filename),
        `rxjs@${rxjs}`,
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        '--ignore-scripts',
        '--loglevel=error',
      ],
      { cwd: consumer, stdio: 'pipe', shell: windows, timeout: 90_000 },
    );
  }, 120_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const describeExports = (specifier: string, how: 'import' | 'require'): string =>
    how === 'import'
      ? `const m = await import(${JSON.stringify(specifier)}); console.log(JSON.stringify(Object.fromEntries(Object.entries(m).map(([k, v]) => [k, typeof v]))));`
      : `const m = require(${JSON.stringify(specifier)}); console.log(JSON.stringify(Object.fromEntries(Object.entries(m).map(([k, v]) => [k, typeof v]))));`;

  function exportsOf(specifier: string, how: 'import' | 'require'): Record<string, string> {
    const flags = how === 'import' ? ['--input-type=module', '-e'] : ['--input-type=commonjs', '-e'];
    return nodeIn([...flags, describeExports(specifier, how)]) as Record<string, string>;
  }

  it('installs from the tarball with its dependencies', () => {
    const installed = join(consumer, 'node_modules');
    expect(existsSync(join(installed, 'runwatch', 'dist', 'index.js'))).toBe(true);
    expect(existsSync(join(installed, 'runwatch', 'src'))).toBe(false);
    expect(existsSync(join(installed, 'zod', 'package.json'))).toBe(true);
    expect(existsSync(join(installed, 'cross-fetch', 'package.json'))).toBe(true);
  });

  it.each(['import', 'require'] as const)("exposes the public API of 'runwatch' through %s", (how) => {
    const names = exportsOf('runwatch', how);
    const missing = RUNWATCH_EXPORTS.filter((name) => names[name] === undefined);
    expect(missing, `missing from 'runwatch' (${how}): ${missing.join(', ')}`).toEqual([]);
    expect(names['watchExecution']).toBe('function');
    expect(names['EXECUTION_STATUSES']).toBe('object');
  });

  it.each(['import', 'require'] as const)("exposes 'runwatch/testing' through %s", (how) => {
    const names = exportsOf('runwatch/testing', how);
    const missing = TESTING_EXPORTS.filter((name) => names[name] !== 'function');
    expect(missing, `missing from 'runwatch/testing' (${how}): ${missing.join(', ')}`).toEqual([]);
  });

  it.each(['import', 'require'] as const)("exposes 'runwatch/server' through %s", (how) => {
    const names = exportsOf('runwatch/server', how);
    const missing = SERVER_EXPORTS.filter((name) => names[name] !== 'function');
    expect(missing, `missing from 'runwatch/server' (${how}): ${missing.join(', ')}`).toEqual([]);
  });

  it('offers the same names to import and require', () => {
    for (const specifier of ['runwatch', 'runwatch/testing', 'runwatch/server']) {
      const esm = Object.keys(exportsOf(specifier, 'import')).filter((k) => k !== 'default');
      const cjs = Object.keys(exportsOf(specifier, 'require')).filter((k) => k !== 'default' && k !== '__esModule');
      expect(cjs.sort(), specifier).toEqual(esm.sort());
    }
  });

  // One tiny watch in each module system: it proves the installed rxjs peer is the one the
  // package uses (a second copy would break `pipe`) and that the code runs, not only loads.
  const watchScript = (load: string): string => `${load}
const snapshot = { provider: 'x', executionId: 'e1', status: 'completed', rawStatus: 'done', steps: [], raw: null };
const types = [];
watchExecution({ id: 'e1', fetchSnapshot: async () => snapshot })
  .pipe(untilTerminal())
  .subscribe({
    next: (update) => types.push(...update.changes.map((c) => c.type + ':' + (c.to ?? ''))),
    complete: () => console.log(JSON.stringify(types)),
    error: (e) => { console.log(JSON.stringify(String(e))); process.exitCode = 1; },
  });`;

  it('runs a watch through import', () => {
    const script = watchScript("import { watchExecution, untilTerminal } from 'runwatch';");
    expect(nodeIn(['--input-type=module', '-e', script])).toEqual(['execution-status:completed']);
  });

  it('runs a watch through require', () => {
    const script = watchScript("const { watchExecution, untilTerminal } = require('runwatch');");
    expect(nodeIn(['--input-type=commonjs', '-e', script])).toEqual(['execution-status:completed']);
  });

  // The relay from the installed package, both ways: a route it does not know is a JSON 404.
  it.each([
    [
      'import',
      "import { createRelay } from 'runwatch/server'; import { eachlabs } from 'runwatch';",
      '--input-type=module',
    ],
    [
      'require',
      "const { createRelay } = require('runwatch/server'); const { eachlabs } = require('runwatch');",
      '--input-type=commonjs',
    ],
  ])('answers a request with the relay through %s', (_, load, flag) => {
    const script = `${load}
const relay = createRelay({ clients: { eachlabs: eachlabs({ apiKey: 'k' }) }, authorize: () => true });
relay.fetch(new Request('http://relay.test/replicate/1')).then(async (res) => console.log(JSON.stringify([res.status, await res.json()])));`;
    expect(nodeIn([flag, '-e', script])).toEqual([
      404,
      { error: { status: 404, message: 'Unknown provider "replicate"; this relay serves "eachlabs"' } },
    ]);
  });

  it('ships the runwatch command with its shebang', () => {
    const main = join(consumer, 'node_modules', 'runwatch', 'dist', 'cli', 'main.js');
    expect(readFileSync(main, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(existsSync(join(consumer, 'node_modules', '.bin', windows ? 'runwatch.cmd' : 'runwatch'))).toBe(true);
  });

  it('keeps the browser entry free of Node built-ins', async () => {
    const entry = join(consumer, 'node_modules', 'runwatch', 'dist', 'index.js');
    const { files, builtins } = await nodeBuiltinImports(entry);
    expect(files.map((file) => relative(join(consumer, 'node_modules', 'runwatch'), resolve(file)))).toContain(
      join('dist', 'index.js'),
    );
    expect(builtins, `Node built-ins reachable from dist/index.js:\n${builtins.join('\n')}`).toEqual([]);
  });

  // The relay runs in any Fetch-API runtime (Deno, Bun, workers, edge functions): its Node
  // adapter works on the objects it is handed and imports nothing of Node.
  it('keeps the server entry free of Node built-ins', async () => {
    const entry = join(consumer, 'node_modules', 'runwatch', 'dist', 'server', 'index.js');
    const { files, builtins } = await nodeBuiltinImports(entry);
    expect(files.length).toBeGreaterThan(1);
    expect(builtins, `Node built-ins reachable from dist/server/index.js:\n${builtins.join('\n')}`).toEqual([]);
  });
});
