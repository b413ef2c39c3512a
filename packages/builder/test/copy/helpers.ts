/** Real-directory fixtures for copy/context tests. */
import { chmodSync, mkdtempSync, mkdirSync, writeFileSync, symlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export function tmp(prefix = 'tsb-copy-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface Tree {
  files?: Record<string, string | { content: string; mode?: number }>;
  dirs?: string[];
  symlinks?: Record<string, string>;
}

export function makeTree(root: string, t: Tree): string {
  for (const d of t.dirs ?? []) mkdirSync(join(root, d), { recursive: true });
  for (const [p, v] of Object.entries(t.files ?? {})) {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    const { content, mode } = typeof v === 'string' ? { content: v, mode: 0o644 } : v;
    writeFileSync(join(root, p), content);
    chmodSync(join(root, p), mode ?? 0o644);
  }
  for (const [p, target] of Object.entries(t.symlinks ?? {})) {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    symlinkSync(target, join(root, p));
  }
  return root;
}

export function cleanup(...dirs: string[]): void {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}
