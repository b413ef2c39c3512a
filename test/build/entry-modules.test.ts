/**
 * What the CLI's entry loads before it knows the command (the plain bundle, dist/bundle/cli.js and
 * the chunks it imports statically): main.ts runs on every start, so what it imports is paid by
 * every command, the warm build too. Commands, the rootless re-exec and the store are loaded
 * lazily by the command that needs them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const BUNDLE = resolve(__dirname, '../../packages/builder/dist/bundle');

/** Source files (paths below packages/) of `entry` and every chunk it imports statically. */
function staticSources(entry: string): Set<string> {
  const seen = new Set<string>();
  const sources = new Set<string>();
  const walk = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(join(BUNDLE, file), 'utf8');
    // esbuild's ESM output: `import {…} from "./chunk-X.js";` and `import "./chunk-X.js";` (never `import(` here)
    for (const m of text.matchAll(/^(?:import|export)\s[^;]*?\sfrom\s*"\.\/([^"]+)"|^import\s*"\.\/([^"]+)"/gm)) walk((m[1] ?? m[2])!);
    const map = JSON.parse(readFileSync(join(BUNDLE, `${file}.map`), 'utf8')) as { sources: string[] };
    for (const s of map.sources) sources.add(s.replace(/^(\.\.\/)+/, '').replace(/^.*?packages\//, ''));
  };
  walk(entry);
  return sources;
}

describe('the CLI entry', () => {
  it('loads the rootless warning without the rootless planning, the host-tool lookup or the store', () => {
    expect(existsSync(join(BUNDLE, 'cli.js')), 'npm run build makes dist/bundle').toBe(true);
    const sources = [...staticSources('cli.js')];
    // the walk sees what main.ts does import (else this test could not fail)
    expect(sources).toContain('src/cli/main.ts');
    expect(sources).toContain('src/rootless/warn.ts');
    const eager = sources.filter((s) => /rootless\/(plan|probe|reexec|enter|report|subid)\.ts$|exec\/host-tools\.ts$|^layerstore\//.test(s));
    expect(eager).toEqual([]);
  });
});
