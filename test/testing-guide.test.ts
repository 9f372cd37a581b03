// docs/testing.md promises that every ```ts block on the page is a vitest test file that works.
// This file holds it to that: each block type-checks as written (with `runwatch` and
// `runwatch/testing` resolving to src/), then runs here, its tests registered under its line.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const guidePath = join(root, 'docs', 'testing.md');
const workDir = join(root, '.tmp', 'testing-guide');

interface Block {
  /** 1-based line of the block's first code line in docs/testing.md. */
  line: number;
  code: string;
}

function blocksOf(markdown: string): Block[] {
  const blocks: Block[] = [];
  for (const match of markdown.matchAll(/^```ts\n([\s\S]*?)^```$/gm)) {
    blocks.push({ line: markdown.slice(0, match.index).split('\n').length + 1, code: match[1]! });
  }
  return blocks;
}

const blocks = blocksOf(readFileSync(guidePath, 'utf8'));

// Inside the repository (.tmp/ is git-ignored) so that vitest, rxjs and the package's
// `"type": "module"` are found exactly as for test/.
rmSync(workDir, { recursive: true, force: true });
mkdirSync(workDir, { recursive: true });
const files = blocks.map((block) => {
  const typed = join(workDir, `block-L${block.line}.ts`);
  writeFileSync(typed, block.code);
  // The same code with the package names pointed at src/, for vitest to run.
  const runnable = join(workDir, `block-L${block.line}.run.ts`);
  writeFileSync(
    runnable,
    block.code
      .replace(/from 'runwatch'/g, `from '${join(root, 'src', 'index.js')}'`)
      .replace(/from 'runwatch\/testing'/g, `from '${join(root, 'src', 'testing', 'index.js')}'`),
  );
  return { block, typed, runnable };
});

describe('docs/testing.md', () => {
  it('has code blocks that import runwatch as a user would', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(8);
    for (const { code, line } of blocks) expect(code, `block at line ${line}`).toMatch(/from 'runwatch'/);
  });

  it('has code blocks that type-check against the public entry points', () => {
    const options: ts.CompilerOptions = {
      ...ts.convertCompilerOptionsFromJson(
        JSON.parse(readFileSync(join(root, 'tsconfig.json'), 'utf8')).compilerOptions,
        root,
      ).options,
      noEmit: true,
      baseUrl: root,
      paths: { runwatch: ['src/index.ts'], 'runwatch/testing': ['src/testing/index.ts'] },
    };
    const program = ts.createProgram({ rootNames: files.map((f) => f.typed), options });
    const failures = files.flatMap(({ block, typed }) => {
      const file = program.getSourceFile(typed)!;
      return [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)].map((d) => {
        const { line } = file.getLineAndCharacterOfPosition(d.start ?? 0);
        return `docs/testing.md:${block.line + line}: TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
      });
    });
    expect(failures, failures.join('\n')).toEqual([]);
  }, 60_000);
});

for (const { block, runnable } of files) {
  // The block's own afterEach hooks land in this describe, so each closes only its simulators.
  describe(`docs/testing.md block at line ${block.line}`, async () => {
    await import(pathToFileURL(runnable).href);
  });
}
