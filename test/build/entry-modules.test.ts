/**
 * What the CLI's entry evaluates before it knows the command (the plain bundle, dist/bundle/cli.js,
 * one ESM file): main.ts runs on every start, so what it imports is paid by every command, the warm
 * build too. Commands, the rootless re-exec and the store are loaded lazily by the command that
 * needs them.
 *
 * In the one-file bundle esbuild wraps each lazily imported module in `var init_X = __esm({ "<path>"() {…} })`
 * and runs it only when `init_X()` is called: as a statement where a module imports it statically,
 * as `(init_X(), X_exports)` where an `import()` asks for it; a CommonJS dependency is
 * `var require_X = __commonJS({ "<path>"(exports, module) {…} })`, run by `require_X()`. The modules
 * evaluated at start are those not wrapped (top-level code) and every module reached from them
 * through statement `init_X()` calls and any `require_X()` call.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const BUNDLE = resolve(__dirname, '../../packages/builder/dist/bundle');

/** Paths (as esbuild names them, `packages/…/dist/….js`, `node_modules/…`) of the modules evaluated when cli.js starts. */
function eagerModules(file: string): Set<string> {
  const text = readFileSync(join(BUNDLE, file), 'utf8');
  // esbuild starts each module's code with a `// <path>` line
  const parts = text.split(/^\/\/ ((?:packages|node_modules)\/\S+\.[cm]?js)$/m);
  const wrappedBy = new Map<string, string>(); // init function → path
  const calls = new Map<string, string[]>(); // path → init functions it calls as statements
  const roots: string[] = [];
  const eager = new Set<string>();
  const statementCalls = (code: string) => [...code.matchAll(/^\s*(init_[\w$]+)\(\);$/gm), ...code.matchAll(/\b(require_[\w$]+)\(\)/g)].map((m) => m[1]!);
  roots.push(...statementCalls(parts[0]!));
  for (let i = 1; i < parts.length; i += 2) {
    const path = parts[i]!;
    const code = parts[i + 1]!;
    const w = new RegExp(`^var ((?:init|require)_[\\w$]+) = __(?:esm|commonJS)\\(\\{\\n\\s*"${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}"\\((?:exports(?:, module)?)?\\) \\{$`, 'm').exec(code);
    if (w) {
      wrappedBy.set(w[1]!, path);
      const body = code.slice(w.index);
      calls.set(path, statementCalls(body));
      // the wrapper's own top-level tail (after its closing `});`) runs at start
      const end = body.search(/^\}\);$/m);
      if (end >= 0) roots.push(...statementCalls(body.slice(end)));
    } else {
      eager.add(path);
      roots.push(...statementCalls(code));
    }
  }
  const queue = [...roots];
  while (queue.length) {
    const path = wrappedBy.get(queue.pop()!);
    if (!path || eager.has(path)) continue;
    eager.add(path);
    queue.push(...(calls.get(path) ?? []));
  }
  return eager;
}

describe('the CLI entry', () => {
  it('evaluates the rootless warning without the rootless planning, the host-tool lookup or the store', () => {
    expect(existsSync(join(BUNDLE, 'cli.js')), 'npm run build makes dist/bundle').toBe(true);
    const eager = [...eagerModules('cli.js')];
    // the walk sees what main.ts does import (else this test could not fail)
    expect(eager).toContain('packages/builder/dist/cli/main.js');
    expect(eager).toContain('packages/builder/dist/rootless/warn.js');
    // …and it tells lazy modules apart: the build command is evaluated only when asked for
    expect(eager).not.toContain('packages/builder/dist/cli/commands/build.js');
    const bad = eager.filter((s) => /rootless\/(plan|probe|reexec|enter|report|subid)\.js$|exec\/host-tools\.js$|^packages\/layerstore\//.test(s));
    expect(bad).toEqual([]);
  });
});
