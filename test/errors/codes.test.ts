/**
 * The error-code contract: every `E_*` code the sources use is in the exported ErrorCode list,
 * every listed code is used and documented in docs/errors.md, and nothing else is documented.
 * Errors from each package are one family: catchable as TsbuildError from @tsbuild/builder.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, TsbuildError, isErrorCode, toTsbuildError } from '@tsbuild/errors';
import { BuildError, TsbuildError as BuilderTsbuildError, ParseError as BuilderParseError, StoreError as BuilderStoreError } from '@tsbuild/builder';
import { parse, ParseError } from '@tsbuild/parser';
import { StoreError } from '@tsbuild/layerstore';

const ROOT = resolve(__dirname, '../..');
const DEFINITION = join(ROOT, 'packages/errors/src/codes.ts');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) return sources(p);
    return /\.(ts|mts|cts)$/.test(n) && !n.endsWith('.d.ts') ? [p] : [];
  });
}

/** code → files using it as a string literal ('E_X', "E_X", `E_X`) or printing it (`[E_X]` in a message) */
function codesInSources(): Map<string, string[]> {
  const used = new Map<string, string[]>();
  for (const pkg of readdirSync(join(ROOT, 'packages'))) {
    let files: string[];
    try {
      files = sources(join(ROOT, 'packages', pkg, 'src'));
    } catch {
      continue;
    }
    for (const f of files) {
      if (f === DEFINITION) continue;
      for (const m of readFileSync(f, 'utf8').matchAll(/(?:['"`]|\[)(E_[A-Z][A-Z0-9_]*)(?:['"`]|\])/g)) {
        if (m[1] === 'E_CODE') continue; // the placeholder in comments that show the error line's format
        const list = used.get(m[1]!) ?? [];
        list.push(relative(ROOT, f));
        used.set(m[1]!, list);
      }
    }
  }
  return used;
}

const documented = () => {
  const doc = readFileSync(join(ROOT, 'docs/errors.md'), 'utf8');
  const table = doc.slice(doc.indexOf('## Codes'));
  return new Set([...table.matchAll(/^\| `(E_[A-Z0-9_]+)` \|/gm)].map((m) => m[1]!));
};

describe('error codes', () => {
  it('every code used in the sources is in ERROR_CODES (the ErrorCode union)', () => {
    const unknown = [...codesInSources()].filter(([c]) => !isErrorCode(c)).map(([c, files]) => `${c} (${files.join(', ')})`);
    expect(unknown).toEqual([]);
  });

  it('every code in ERROR_CODES is used somewhere in the sources', () => {
    const used = codesInSources();
    expect(ERROR_CODES.filter((c) => !used.has(c))).toEqual([]);
  });

  it('docs/errors.md documents exactly the codes in ERROR_CODES', () => {
    const docs = documented();
    expect([...docs].sort()).toEqual([...ERROR_CODES].sort());
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
  });
});

describe('one error family', () => {
  it('a ParseError is a TsbuildError as @tsbuild/builder exports it, with the one location shape', () => {
    let err: unknown;
    try {
      parse('FROM busybox\nFNTRYPOINT ["x"]\n', { file: 'Dockerfile' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BuilderTsbuildError);
    expect(err).toBeInstanceOf(ParseError);
    expect(err).toBeInstanceOf(BuilderParseError);
    expect(err).toMatchObject({ code: 'E_UNKNOWN_INSTRUCTION', location: { file: 'Dockerfile', line: 2, column: 1 } });
  });

  it('StoreError and BuildError are TsbuildErrors', () => {
    expect(new StoreError('E_NOT_FOUND', 'x')).toBeInstanceOf(TsbuildError);
    expect(new BuilderStoreError('E_NOT_FOUND', 'x')).toBeInstanceOf(BuilderTsbuildError);
    expect(new BuildError('E_COPY', 'x', { location: { file: 'F', line: 3, column: 1 } })).toMatchObject({ code: 'E_COPY', location: { file: 'F', line: 3 } });
  });

  it('serializes to JSON with its code, location and data', () => {
    const e = new BuildError('E_EXEC_FAILED', 'boom', { location: { file: 'F', line: 2, column: 1 }, data: { exitCode: 3 }, cause: new Error('x') });
    expect(JSON.parse(JSON.stringify(e))).toEqual({ name: 'BuildError', code: 'E_EXEC_FAILED', message: 'boom', location: { file: 'F', line: 2, column: 1 }, data: { exitCode: 3 } });
  });

  it('instanceof recognizes a tsbuild error from another copy of the module (brand), not lookalikes', () => {
    const foreign = Object.create(Object.defineProperty({}, Symbol.for('tsbuild.error'), { value: true }));
    expect(foreign instanceof TsbuildError).toBe(true);
    expect(Object.assign(new Error('x'), { code: 'E_PARSE' }) instanceof TsbuildError).toBe(false);
    expect(foreign instanceof BuildError).toBe(false);
  });

  it('toTsbuildError wraps errno errors as E_IO and anything else as E_INTERNAL, keeping the cause', () => {
    const enoent = Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT', path: '/x', syscall: 'open' });
    expect(toTsbuildError(enoent)).toMatchObject({ code: 'E_IO', data: { errno: 'ENOENT', path: '/x', syscall: 'open' }, cause: enoent });
    const odd = new TypeError('boom');
    expect(toTsbuildError(odd)).toMatchObject({ code: 'E_INTERNAL', message: 'boom', cause: odd });
    const same = new BuildError('E_USER', 'u');
    expect(toTsbuildError(same)).toBe(same);
  });
});
