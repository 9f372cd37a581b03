import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

/**
 * Makes sure dist/ is the full build of the current sources. `npm test` builds before the
 * suite, so this only builds when a test file runs on its own after an edit.
 */
export function ensureBuilt(): void {
  const marker = join(root, 'dist', 'index.d.cts');
  const sources = Math.max(newest(join(root, 'src')), statSync(join(root, 'tsup.config.ts')).mtimeMs);
  if (existsSync(marker) && statSync(marker).mtimeMs >= sources) return;
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'pipe', shell: process.platform === 'win32' });
}
