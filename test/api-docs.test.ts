// Every public export carries a TSDoc summary, an @example, and for functions @param and
// @returns: typedoc's notDocumented check catches a missing summary, this the rest.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const entries = [join(root, 'src/index.ts'), join(root, 'src/testing/index.ts'), join(root, 'src/server/index.ts')];

/** The functions among the exports whose @param or @returns tags are missing. */
function functionsWithoutTags(checker: ts.TypeChecker, name: string, symbol: ts.Symbol): string[] {
  const problems: string[] = [];
  for (const d of symbol.declarations ?? []) {
    let fn: ts.SignatureDeclaration | undefined;
    if (ts.isFunctionDeclaration(d)) fn = d;
    else if (
      ts.isVariableDeclaration(d) &&
      d.initializer &&
      (ts.isArrowFunction(d.initializer) || ts.isFunctionExpression(d.initializer))
    )
      fn = d.initializer;
    const tagsOf = (node: ts.Node) => ts.getJSDocTags(ts.isVariableDeclaration(d) ? d : node);
    if (fn === undefined) {
      // a const holding a function made elsewhere, such as the error guards
      if (!ts.isVariableDeclaration(d)) continue;
      const signatures = checker.getTypeAtLocation(d).getCallSignatures();
      if (signatures.length === 0 || !d.name || !ts.isIdentifier(d.name)) continue;
      const tags = ts.getJSDocTags(d);
      const params = signatures[0]!.getParameters().map((p) => p.name);
      for (const p of params)
        if (!tags.some((t) => ts.isJSDocParameterTag(t) && t.name.getText() === p))
          problems.push(`${name}: @param ${p}`);
      if (!tags.some((t) => t.tagName.text === 'returns')) problems.push(`${name}: @returns`);
      continue;
    }
    const tags = tagsOf(fn);
    for (const p of fn.parameters) {
      const pname = p.name.getText();
      if (!tags.some((t) => ts.isJSDocParameterTag(t) && t.name.getText() === pname))
        problems.push(`${name}: @param ${pname}`);
    }
    const returns = checker.getSignatureFromDeclaration(fn)?.getReturnType();
    const isVoid = returns !== undefined && (returns.flags & ts.TypeFlags.Void) !== 0;
    if (!isVoid && !tags.some((t) => t.tagName.text === 'returns')) problems.push(`${name}: @returns`);
  }
  return problems;
}

function undocumented(): string[] {
  const program = ts.createProgram(entries, {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    noEmit: true,
  });
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
      const subpath = /(testing|server)\/index\.ts$/.exec(entry)?.[1];
      const where = `${subpath === undefined ? 'runwatch' : `runwatch/${subpath}`}: ${exported.name}`;
      if (!hasExample) missing.push(`${where}: @example`);
      missing.push(...functionsWithoutTags(checker, where, symbol));
    }
  }
  return missing;
}

describe('the public API', () => {
  it('has an @example on every export, and @param and @returns on every exported function', () => {
    expect(undocumented()).toEqual([]);
  }, 30_000);
});
