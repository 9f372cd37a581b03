#!/usr/bin/env node
// Checks the package as it would be published: builds dist/ with tsup, packs it with
// `npm pack`, then runs publint (strict) and @arethetypeswrong/cli on that tarball, so the
// checks see exactly the files and package.json a user installs.
//
//   npm run check:package             build, pack, lint
//   npm run check:package -- --no-build   reuse the dist/ already built
//
// attw runs with `--profile node16`: TypeScript's legacy `node10` resolution ignores
// `exports`, so it cannot see the `runwatch/testing` and `runwatch/server` subpaths; the
// supported resolutions (node16 from CJS and ESM, bundler) are all checked. Every file that
// package.json's `exports` names must be in the tarball, whichever the entry.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', process.platform === 'win32' ? `${name}.cmd` : name);
const build = !process.argv.includes('--no-build');

/** Runs a command in the repository root, inheriting stdio; returns its exit code. */
function run(label, command, args, options = {}) {
  const started = performance.now();
  console.log(`\n▶ ${label}: ${[command, ...args].join(' ')}`);
  const result = spawnSync(command, args, {
    cwd: root,
    stdio: 'inherit',
    shell: process.platform === 'win32',
    ...options,
  });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (result.error) throw result.error;
  console.log(`${result.status === 0 ? '✔' : '✖'} ${label} (${seconds} s)`);
  return result.status ?? 1;
}

/** Runs `npm pack` into `dir` and returns the tarball's path and its file list. */
function pack(dir) {
  const started = performance.now();
  const result = spawnSync('npm', ['pack', '--json', '--pack-destination', dir], {
    cwd: root,
    encoding: 'utf8',
    shell: process.platform === 'win32',
  });
  if (result.status !== 0) throw new Error(`npm pack failed:\n${result.stderr}`);
  // npm prints lifecycle-script output before the JSON when there is any.
  const [info] = JSON.parse(result.stdout.slice(result.stdout.indexOf('[')));
  console.log(
    `\n✔ npm pack: ${info.filename}, ${info.entryCount} files, ${info.size} bytes (${((performance.now() - started) / 1000).toFixed(1)} s)`,
  );
  return { tarball: join(dir, info.filename), files: info.files.map((file) => file.path) };
}

const dir = mkdtempSync(join(tmpdir(), 'runwatch-pack-'));
let failed = 0;
try {
  if (build && run('build', bin('tsup'), []) !== 0) process.exit(1);
  const { tarball, files } = pack(dir);
  // `files: ["dist"]` keeps sources, tests and temp files out; say so if that ever changes.
  const strays = files.filter(
    (file) => !/^(dist\/|package\.json$|README(\.md)?$|LICENSE(\.md|\.txt)?$|CHANGELOG\.md$)/i.test(file),
  );
  if (strays.length > 0) {
    console.error(`✖ unexpected files in the tarball:\n  ${strays.join('\n  ')}`);
    failed++;
  }
  const exported = [];
  const walk = (target) => {
    if (typeof target === 'string') exported.push(target.replace(/^\.\//, ''));
    else if (target && typeof target === 'object') Object.values(target).forEach(walk);
  };
  walk(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).exports);
  const absent = exported.filter((file) => !files.includes(file));
  if (absent.length > 0) {
    console.error(`✖ files named by \`exports\` missing from the tarball:\n  ${absent.join('\n  ')}`);
    failed++;
  } else {
    console.log(`✔ exports: all ${exported.length} files named are in the tarball`);
  }
  if (run('publint', bin('publint'), ['run', tarball, '--strict']) !== 0) failed++;
  if (run('attw', bin('attw'), [tarball, '--profile', 'node16']) !== 0) failed++;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
if (failed > 0) {
  console.error(`\n✖ package checks: ${failed} failed`);
  process.exit(1);
}
console.log('\n✔ package checks passed');
