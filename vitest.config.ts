import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const src = (p: string, file = 'index') => fileURLToPath(new URL(`./packages/${p}/src/${file}.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run against the TypeScript sources, not dist/.
    alias: [
      { find: /^@tsbuild\/sys$/, replacement: src('sys') },
      { find: /^@tsbuild\/errors$/, replacement: src('errors') },
      { find: /^@tsbuild\/parser$/, replacement: src('parser') },
      { find: /^@tsbuild\/layerstore$/, replacement: src('layerstore') },
      { find: /^@tsbuild\/layerstore\/testing$/, replacement: src('layerstore', 'testing/index') },
      { find: /^@tsbuild\/layerstore\/tar$/, replacement: src('layerstore', 'tar/index') },
      { find: /^@tsbuild\/builder$/, replacement: src('builder') },
      { find: /^@tsbuild\/builder\/engine$/, replacement: src('builder', 'engine') },
    ],
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // e2e tests mount and run namespaces: keep files from stepping on each other's CPU too much
    fileParallelism: true,
    maxWorkers: 2,
  },
});
