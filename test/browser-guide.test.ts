// docs/browser.md shows the relay mounted on node:http, Express and a Next.js route handler,
// and fromRelay in a page, a React hook and Node: every ```ts and ```tsx block type-checks as
// written, against the public entry points ('runwatch' and 'runwatch/server' resolving to
// src/) and the real types of Express and React. The Angular recipe says it is not checked:
// @angular/core is not a dependency.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const guide = readFileSync(join(root, 'docs', 'browser.md'), 'utf8');
const workDir = join(root, '.tmp', 'browser-guide');

interface Block {
  /** 1-based line of the block's first code line in docs/browser.md. */
  line: number;
  lang: 'ts' | 'tsx';
  code: string;
}

const blocks: Block[] = [...guide.matchAll(/^```(tsx?)\n([\s\S]*?)^```$/gm)].map((m) => ({
  line: guide.slice(0, m.index).split('\n').length + 1,
  lang: m[1] as 'ts' | 'tsx',
  code: m[2]!,
}));
const isAngular = (block: Block): boolean => block.code.includes("from '@angular/core'");

describe('docs/browser.md', () => {
  it('shows the server mounts and the browser recipes the guide promises', () => {
    const has = (pattern: RegExp): boolean => blocks.some((b) => pattern.test(b.code));
    expect(has(/createServer\(relay\.node\)/)).toBe(true);
    expect(has(/from 'express'[\s\S]*app\.use\('\/relay', relay\.node\)/)).toBe(true);
    expect(has(/export function GET\(request: Request\): Promise<Response> \{\s*return relay\.fetch\(request\);/)).toBe(
      true,
    );
    expect(blocks.some((b) => b.lang === 'tsx' && /useEffect[\s\S]*fromRelay/.test(b.code))).toBe(true);
    expect(blocks.filter(isAngular)).toHaveLength(1);
    expect(blocks.filter(isAngular)[0]!.code).toMatch(/\| async/);
    expect(blocks.filter(isAngular)[0]!.code).toMatch(/Not type-checked/);
  });

  it('has code blocks that type-check against the public entry points, Express and React', () => {
    rmSync(workDir, { recursive: true, force: true });
    mkdirSync(workDir, { recursive: true });
    const files = blocks
      .filter((block) => !isAngular(block))
      .map((block) => {
        const file = join(workDir, `block-L${block.line}.${block.lang}`);
        // `export {}` keeps each block a module of its own: top-level await works, names do not clash.
        writeFileSync(file, `${block.code}\nexport {};\n`);
        return { block, file };
      });
    expect(files.length).toBeGreaterThanOrEqual(6);
    const options: ts.CompilerOptions = {
      ...ts.convertCompilerOptionsFromJson(
        JSON.parse(readFileSync(join(root, 'tsconfig.json'), 'utf8')).compilerOptions,
        root,
      ).options,
      noEmit: true,
      jsx: ts.JsxEmit.ReactJSX,
      types: ['node'],
      baseUrl: root,
      paths: {
        runwatch: ['src/index.ts'],
        'runwatch/server': ['src/server/index.ts'],
        'runwatch/testing': ['src/testing/index.ts'],
      },
    };
    const program = ts.createProgram({ rootNames: files.map((f) => f.file), options });
    const failures = files.flatMap(({ block, file }) => {
      const source = program.getSourceFile(file)!;
      return [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)].map((d) => {
        const { line } = source.getLineAndCharacterOfPosition(d.start ?? 0);
        return `docs/browser.md:${block.line + line}: TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
      });
    });
    expect(failures, failures.join('\n')).toEqual([]);
    rmSync(workDir, { recursive: true, force: true });
  }, 60_000);
});
