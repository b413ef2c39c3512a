/**
 * RUN --mount=type=cache directories: plain directories the builder bind-mounts into steps, one per
 * mount id, named by sha256(id). They are build cache: a plain prune keeps them, `prune --all`
 * removes every one no live build has leased ("mount sha256:<hex>").
 */
import { mkdir } from 'node:fs/promises';
import type { StorePaths } from '../paths.js';
import { sha256Hex } from '../paths.js';

/** the lease item that keeps a cache mount from `prune --all` while its build runs */
export function mountLease(id: string): string {
  return `mount sha256:${sha256Hex(id)}`;
}

export async function cacheMountDir(paths: StorePaths, id: string): Promise<string> {
  const dir = paths.cacheMount(id);
  await mkdir(dir, { recursive: true });
  return dir;
}
