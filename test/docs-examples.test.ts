// Every ```ts block inside an `@example` under src/ must type-check against the real public
// entry points, as a user would write it: `'runwatch'` resolves to src/index.ts and
// `'runwatch/testing'` to src/testing/index.ts. All examples go through ONE TypeScript program
// (a program per example would re-check src/ each time and take minutes).
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const srcDir = join(root, 'src');

interface Example {
  /** The source file, relative to the repository root (e.g. `src/poll.ts`). */
  source: string;
  /** 1-based line in `source` of the example's first code line. */
  line: number;
  /** The example's code, comment markers stripped. */
  code: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return sourceFiles(path);
      return /\.[cm]?tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
    })
    .sort();
}

/** The ```ts blocks of the `@example` sections of every doc comment in `text`. */
export function extractExamples(text: string, source: string): Example[] {
  const examples: Example[] = [];
  for (const comment of text.matchAll(/\/\*\*[\s\S]*?\*\//g)) {
    const firstLine = text.slice(0, comment.index).split('\n').length;
    const lines = comment[0].split('\n').map((raw) => raw.replace(/^\s*\/?\*\*?\/?\s?/, '').replace(/\s*\*\/$/, ''));
    let inExample = false;
    let fence: { start: number; body: string[] } | undefined;
    lines.forEach((line, index) => {
      if (fence) {
        if (/^\s*```\s*$/.test(line)) {
          examples.push({ source, line: firstLine + fence.start, code: fence.body.join('\n') });
          fence = undefined;
        } else {
          fence.body.push(line);
        }
        return;
      }
      if (/^\s*@example\b/.test(line)) inExample = true;
      else if (/^\s*@\w/.test(line)) inExample = false;
      else if (inExample && /^\s*```(ts|typescript)\s*$/.test(line)) fence = { start: index + 1, body: [] };
    });
    if (fence) throw new Error(`${source}:${firstLine + fence.start - 1}: unterminated \`\`\` fence in an @example`);
  }
  return examples;
}

/**
 * The example's code with relative module specifiers (internal modules, e.g. in src/cli/,
 * show themselves with `'./display.js'`) made absolute, so they resolve from the temp dir.
 * Lines stay where they were, so diagnostics still point at the right source line.
 */
function withAbsoluteImports(example: Example): string {
  const from = dirname(join(root, example.source));
  return example.code.replace(
    /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(\.\.?\/[^'"]*)\2/g,
    (_, prefix: string, quote: string, specifier: string) =>
      `${prefix}${quote}${resolve(from, specifier).split('\\').join('/')}${quote}`,
  );
}

const examples: Example[] = sourceFiles(srcDir).flatMap((file) =>
  extractExamples(readFileSync(file, 'utf8'), relative(root, file).split('\\').join('/')),
);

describe('extractExamples', () => {
  it('finds the ts fence of an @example, with its source line, and skips other fences', () => {
    const text = [
      'const x = 1;', //                          1
      '/**', //                                   2
      ' * Summary with a fence that is no example:', // 3
      ' * ```ts', //                              4
      ' * notAnExample();', //                    5
      ' * ```', //                                6
      ' * @param a - the a.', //                  7
      ' * @example', //                           8
      ' * ```ts', //                              9
      " * import { isTerminal } from 'runwatch';", // 10
      ' *   console.log(1);', //                  11
      ' * // Logs: 1', //                         12
      ' * ```', //                                13
      ' */', //                                   14
    ].join('\n');
    expect(extractExamples(text, 'src/x.ts')).toEqual([
      {
        source: 'src/x.ts',
        line: 10,
        code: "import { isTerminal } from 'runwatch';\n  console.log(1);\n// Logs: 1",
      },
    ]);
  });

  it('finds examples in the sources', () => {
    expect(examples.length).toBeGreaterThan(20);
  });
});

describe('@example blocks', () => {
  const workDir = join(root, '.tmp', 'docs-examples');
  const files = new Map<string, Example>();
  let diagnostics: readonly ts.Diagnostic[] = [];

  beforeAll(() => {
    // Inside the repository (.tmp/ is git-ignored) so that `rxjs`, `@types/node` and the
    // `"type": "module"` of package.json are found exactly as for src/.
    rmSync(workDir, { recursive: true, force: true });
    mkdirSync(workDir, { recursive: true });
    examples.forEach((example, index) => {
      const name = `${String(index).padStart(3, '0')}_${example.source.replace(/^src\//, '').replace(/[/.]/g, '_')}_L${example.line}.ts`;
      // `export {}` keeps each example a module of its own: top-level await works and
      // names do not clash between examples.
      writeFileSync(join(workDir, name), `${withAbsoluteImports(example)}\nexport {};\n`);
      files.set(join(workDir, name), example);
    });
    const tsconfig = {
      extends: relative(workDir, join(root, 'tsconfig.json')).split('\\').join('/'),
      compilerOptions: {
        noEmit: true,
        paths: {
          runwatch: [join(srcDir, 'index.ts')],
          'runwatch/testing': [join(srcDir, 'testing', 'index.ts')],
          'runwatch/server': [join(srcDir, 'server', 'index.ts')],
        },
      },
      include: ['*.ts'],
    };
    // Kept on disk on failure so that `npx tsc -p .tmp/docs-examples` reproduces it.
    writeFileSync(join(workDir, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
    const parsed = ts.getParsedCommandLineOfConfigFile(
      join(workDir, 'tsconfig.json'),
      {},
      {
        ...ts.sys,
        onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
          throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
        },
      },
    );
    if (!parsed) throw new Error('could not read the examples tsconfig');
    expect(parsed.errors).toEqual([]);
    const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });
    // Only the examples' own diagnostics: errors inside src/ are `tsc --noEmit`'s job.
    diagnostics = [
      ...program.getOptionsDiagnostics(),
      ...program.getGlobalDiagnostics(),
      ...program
        .getSourceFiles()
        .filter((file) => files.has(resolve(file.fileName)))
        .flatMap((file) => [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)]),
    ];
  }, 120_000);

  afterAll(() => {
    if (diagnostics.length === 0) rmSync(workDir, { recursive: true, force: true });
  });

  it('type-check against the public entry points', () => {
    expect(files.size).toBe(examples.length);
    const failures = diagnostics.map((diagnostic) => {
      const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n    ');
      const example = diagnostic.file ? files.get(resolve(diagnostic.file.fileName)) : undefined;
      if (!diagnostic.file || !example || diagnostic.start === undefined) return `TS${diagnostic.code}: ${message}`;
      const { line, character } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
      return `${example.source}:${example.line + line}:${character + 1} (example starting at line ${example.line}) TS${diagnostic.code}: ${message}`;
    });
    expect(failures.length, `examples that do not type-check:\n${failures.join('\n')}\n`).toBe(0);
  });

  // The library's files only: the CLI and src/internal/ are not importable from 'runwatch'.
  it('import from runwatch and end with a `// Logs:` line', () => {
    const library = examples.filter((example) => !/^src\/(cli|internal)\//.test(example.source));
    const offenders = library.flatMap((example) => {
      const problems: string[] = [];
      if (!/from 'runwatch(\/testing|\/server)?'/.test(example.code)) problems.push("does not import from 'runwatch'");
      const last = example.code.trimEnd().split('\n').at(-1) ?? '';
      if (!/^\s*\/\/ Logs:/.test(last)) problems.push('does not end with a `// Logs: ...` line');
      return problems.map((problem) => `${example.source}:${example.line}: ${problem}`);
    });
    expect(offenders.length, `examples off the house style:\n${offenders.join('\n')}\n`).toBe(0);
  });
});
