/**
 * The main entry's public surface (packages/builder/src/index.ts = `tsbuild`): every exported symbol
 * has a doc comment, and so does every field of every exported type and public member of every
 * exported class (what an editor shows on hover); every optional field is typed `| undefined`, so
 * consumers compiled with exactOptionalPropertyTypes can pass optional values through.
 * Read with the TypeScript compiler API from the sources.
 */
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/busybox.js';

const ENTRY = join(REPO_ROOT, 'packages/builder/src/index.ts');
const program = ts.createProgram([ENTRY], {
  target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, strict: true,
  paths: { '@tsbuild/*': [join(REPO_ROOT, 'packages/*/src/index.ts')] }, baseUrl: REPO_ROOT,
});
const checker = program.getTypeChecker();
const ours = (d: ts.Declaration) => d.getSourceFile().fileName.startsWith(join(REPO_ROOT, 'packages'));
const where = (d: ts.Declaration) => {
  const sf = d.getSourceFile();
  return `${relative(REPO_ROOT, sf.fileName)}:${sf.getLineAndCharacterOfPosition(d.getStart()).line + 1}`;
};
const documented = (s: ts.Symbol) => ts.displayPartsToString(s.getDocumentationComment(checker)).trim().length > 0;

function exportsOfEntry(): ts.Symbol[] {
  const mod = checker.getSymbolAtLocation(program.getSourceFile(ENTRY)!)!;
  return checker.getExportsOfModule(mod).map((s) => (s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s));
}

/** fields of an exported type (each member of a union too) and public members of a class, declared in our sources */
function membersOf(sym: ts.Symbol): ts.Symbol[] {
  const decl = sym.declarations?.[0];
  if (!decl) return [];
  const out = new Map<ts.Symbol, true>();
  const add = (t: ts.Type) => {
    for (const p of t.getProperties()) if (p.declarations?.some(ours)) out.set(p, true);
  };
  if (ts.isClassDeclaration(decl)) {
    add(checker.getDeclaredTypeOfSymbol(sym));
    for (const p of checker.getPropertiesOfType(checker.getTypeOfSymbolAtLocation(sym, decl))) if (p.name !== 'prototype' && p.declarations?.some(ours)) out.set(p, true);
  } else if (ts.isInterfaceDeclaration(decl) || ts.isTypeAliasDeclaration(decl)) {
    const t = checker.getDeclaredTypeOfSymbol(sym);
    if (t.isUnion()) t.types.forEach(add);
    else if (t.flags & ts.TypeFlags.Object) add(t);
  }
  return [...out.keys()].filter((p) => !p.declarations!.some((d) => ts.getCombinedModifierFlags(d) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)));
}

describe('public types of the main entry', () => {
  const symbols = exportsOfEntry();

  it('exports the main API', () => {
    const names = new Set(symbols.map((s) => s.name));
    for (const n of ['build', 'parse', 'openStore', 'Store', 'TsbuildError', 'ERROR_CODES', 'BuildOptions', 'BuildResult', 'BuildEvent', 'ErrorCode']) expect(names).toContain(n);
  });

  it('every exported symbol has a doc comment', () => {
    expect(symbols.filter((s) => !documented(s)).map((s) => `${s.name} (${s.declarations?.[0] ? where(s.declarations[0]) : '?'})`)).toEqual([]);
  });

  it('every field of an exported type and public member of an exported class has a doc comment', () => {
    const missing: string[] = [];
    for (const s of symbols) for (const m of membersOf(s)) if (!documented(m)) missing.push(`${s.name}.${m.name} (${where(m.declarations![0]!)})`);
    expect(missing).toEqual([]);
  });

  it('every optional field of an exported type is typed `| undefined` (exactOptionalPropertyTypes)', () => {
    const bad: string[] = [];
    for (const s of symbols) {
      for (const m of membersOf(s)) {
        for (const d of m.declarations ?? []) {
          if (!(ts.isPropertySignature(d) || ts.isPropertyDeclaration(d)) || !d.questionToken) continue;
          const t = d.type;
          const hasUndefined = t && ((ts.isUnionTypeNode(t) && t.types.some((u) => u.kind === ts.SyntaxKind.UndefinedKeyword))
            || t.kind === ts.SyntaxKind.UnknownKeyword || t.kind === ts.SyntaxKind.AnyKeyword);
          if (!hasUndefined) bad.push(`${s.name}.${m.name} (${where(d)})`);
        }
      }
    }
    expect(bad).toEqual([]);
  });
});
