// Code blocks of a docs page, made into files a test can type-check against the public entry
// points and run. `'runwatch'` and `'runwatch/testing'` resolve to src/, as in the other guide
// tests. Files go under .tmp/ (git-ignored), inside the repository so rxjs and vitest resolve.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface GuideBlock {
  /** The page, relative to the repository root. */
  page: string;
  /** 1-based line of the block's first code line. */
  line: number;
  code: string;
  /** The block as written, for the type checker. */
  typed: string;
  /** The block with the package names pointed at src/, for vitest to import. */
  runnable: string;
}

/** The ```ts blocks of `page` (relative to the root), under `section` when given (a `## ` heading). */
export function guideBlocks(page: string, section?: string): GuideBlock[] {
  let markdown = readFileSync(join(root, page), 'utf8');
  let offset = 0;
  if (section !== undefined) {
    const start = markdown.indexOf(`\n## ${section}\n`);
    if (start < 0) throw new Error(`${page} has no section "${section}"`);
    const end = markdown.indexOf('\n## ', start + 1);
    offset = markdown.slice(0, start).split('\n').length - 1;
    markdown = markdown.slice(start, end < 0 ? undefined : end);
  }
  const dir = join(root, '.tmp', 'guides', page.replace(/[^\w]+/g, '-'));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return [...markdown.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => {
    const line = offset + markdown.slice(0, match.index).split('\n').length + 1;
    const code = match[1]!;
    const typed = join(dir, `block-L${line}.ts`);
    const runnable = join(dir, `block-L${line}.run.ts`);
    writeFileSync(typed, code);
    writeFileSync(
      runnable,
      code
        .replace(/from 'runwatch'/g, `from '${join(root, 'src', 'index.js')}'`)
        .replace(/from 'runwatch\/testing'/g, `from '${join(root, 'src', 'testing', 'index.js')}'`)
        .replace(/from 'runwatch\/server'/g, `from '${join(root, 'src', 'server', 'index.js')}'`),
    );
    return { page, line, code, typed, runnable };
  });
}

/** Type-checks the blocks as a user's files: one message per diagnostic, `page:line: TSnnnn …`. */
export function typeCheck(blocks: readonly GuideBlock[]): string[] {
  const options: ts.CompilerOptions = {
    ...ts.convertCompilerOptionsFromJson(
      JSON.parse(readFileSync(join(root, 'tsconfig.json'), 'utf8')).compilerOptions,
      root,
    ).options,
    noEmit: true,
    baseUrl: root,
    paths: {
      runwatch: ['src/index.ts'],
      'runwatch/testing': ['src/testing/index.ts'],
      'runwatch/server': ['src/server/index.ts'],
    },
  };
  const program = ts.createProgram({ rootNames: blocks.map((b) => b.typed), options });
  return blocks.flatMap((block) => {
    const file = program.getSourceFile(block.typed)!;
    return [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)].map((d) => {
      const { line } = file.getLineAndCharacterOfPosition(d.start ?? 0);
      return `${block.page}:${block.line + line}: TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
    });
  });
}

/** The `// Logs: …` lines of a block, in order, without the marker. */
export function expectedLogs(code: string): string[] {
  return [...code.matchAll(/^\/\/ Logs: (.*)$/gm)].map((m) => m[1]!);
}
