// Cold import time in Node: `import('runwatch')` (the package resolving itself, as a user's
// import does: the `node` condition, dist/node/index.js) against `import('rxjs')`, its peer,
// each in a fresh child process, timed inside the child around the import alone (process
// start-up left out), alternating, median of ROUNDS runs each. `--detail` adds the per-module
// build bundlers get (dist/index.js) and zod/mini on its own.
// Run: npm run bench:import   (one JSON line)
import { execFileSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { median, report } from './lib/stats.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ROUNDS = Number(process.env.ROUNDS ?? 15);
const GOAL = 1.3;

/** Milliseconds one fresh Node process takes to import `specifier`. */
function coldImport(specifier) {
  const code = `const t = performance.now(); await import(${JSON.stringify(specifier)}); console.log(performance.now() - t);`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', code], { cwd: root, encoding: 'utf8' });
  return Number(out.trim());
}

const targets = {
  runwatch: 'runwatch',
  rxjs: 'rxjs',
  ...(process.argv.includes('--detail')
    ? { perModule: pathToFileURL(join(root, 'dist', 'index.js')).href, 'zod/mini': 'zod/mini' }
    : {}),
};
const times = Object.fromEntries(Object.keys(targets).map((name) => [name, []]));
for (const name of Object.keys(targets)) coldImport(targets[name]); // warm the file system cache
for (let r = 0; r < ROUNDS; r++)
  for (const [name, specifier] of Object.entries(targets)) times[name].push(coldImport(specifier));

const value = median(times.runwatch);
const baseline = median(times.rxjs);
report({
  figure: 'import-time',
  value,
  baseline,
  goal: `ratio <= ${GOAL}`,
  met: value / baseline <= GOAL,
  rounds: ROUNDS,
  unit: 'ms, cold import in a fresh process',
  ...Object.fromEntries(
    Object.entries(times)
      .filter(([name]) => name !== 'runwatch' && name !== 'rxjs')
      .map(([name, t]) => [`${name}Ms`, +median(t).toFixed(1)]),
  ),
});
