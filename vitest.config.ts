import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const src = (p: string) => fileURLToPath(new URL(`./packages/${p}/src/index.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run against the TypeScript sources, not dist/.
    alias: {
      // (before '@tsbuild/layerstore', which would otherwise take the subpath as its own)
      '@tsbuild/layerstore/testing': fileURLToPath(new URL('./packages/layerstore/src/testing/index.ts', import.meta.url)),
      '@tsbuild/parser': src('parser'),
      '@tsbuild/layerstore': src('layerstore'),
      '@tsbuild/builder': src('builder'),
    },
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
