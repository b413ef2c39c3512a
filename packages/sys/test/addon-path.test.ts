/**
 * Where the addon is looked for from each place its loader ends up: its own dist, its sources
 * (tests), the workspace's builder bundles, and the `tsbuild` package's bundles and library chunks
 * (dist/lib/chunks/ sits three levels down: a fixed `../../` missed it there).
 */
import { describe, expect, it } from 'vitest';
import { addonCandidates } from '@tsbuild/sys';

describe('addonCandidates', () => {
  it.each([
    ['/r/packages/sys/dist/addon/load.js', ['/r/packages/sys/dist/native/sys.node']],
    ['/r/packages/sys/src/addon/load.ts', ['/r/packages/sys/dist/native/sys.node']],
    ['/r/packages/builder/dist/bundle/chunk-X.js', ['/r/packages/builder/dist/native/sys.node', '/r/packages/sys/dist/native/sys.node']],
    ['/r/packages/builder/dist/startup/cli.cjs', ['/r/packages/builder/dist/native/sys.node', '/r/packages/sys/dist/native/sys.node']],
    ['/app/node_modules/tsbuild/dist/lib/chunks/chunk-Y.js', ['/app/node_modules/tsbuild/dist/native/sys.node']],
    ['/app/node_modules/tsbuild/dist/lib/index.cjs', ['/app/node_modules/tsbuild/dist/native/sys.node']],
    ['/dist/x/node_modules/tsbuild/dist/bundle/cli.js', ['/dist/x/node_modules/tsbuild/dist/native/sys.node']],
  ])('%s', (file, want) => {
    expect(addonCandidates(file)).toEqual(want);
  });
});
