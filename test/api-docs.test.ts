// Every public export carries a TSDoc summary and an @example: typedoc's notDocumented check
// catches a missing summary, this catches a missing example.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const entries = [join(root, 'src/index.ts'), join(root, 'src/testing/index.ts')];

function undocumented(): string[] {
  const program = ts.createProgram(entries, { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, strict: true, noEmit: true });
  const checker = program.getTypeChecker();
  const missing: string[] = [];
  for (const entry of entries) {
    const file = program.getSourceFile(entry);
    const moduleSymbol = file && checker.getSymbolAtLocation(file);
    if (!moduleSymbol) throw new Error(`cannot read ${entry}`);
    for (const exported of checker.getExportsOfModule(moduleSymbol)) {
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      const declarations = symbol.declarations ?? [];
      const hasExample = declarations.some((d) => ts.getJSDocTags(d).some((tag) => tag.tagName.text === 'example'));
      if (!hasExample) missing.push(`${entry.endsWith('testing/index.ts') ? 'runwatch/testing' : 'runwatch'}: ${exported.name}`);
    }
  }
  return missing;
}

describe('the public API', () => {
  it('has an @example on every export of runwatch and runwatch/testing', () => {
    expect(undocumented()).toEqual([]);
  }, 30_000);
});
