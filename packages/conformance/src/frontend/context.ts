/**
 * Writes a scenario's build context the way the upstream tests do (fstest.CreateFile/CreateDir):
 * files 0600, directories 0700 unless `contextModes` lists a mode; symlinks as given; the
 * Dockerfile itself is part of the context under its `dockerfileName`.
 */
import { chmodSync, existsSync, mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface ContextSpec {
  dockerfile?: string;
  dockerfileName?: string;
  files: Record<string, string>;
  dirs?: string[];
  symlinks?: Record<string, string>;
  modes?: Record<string, string>;
}

function ensureDir(root: string, rel: string, modes: Record<string, string>): void {
  if (rel === '.' || rel === '' || existsSync(join(root, rel))) return;
  ensureDir(root, dirname(rel), modes);
  mkdirSync(join(root, rel));
  chmodSync(join(root, rel), modes[rel] ? parseInt(modes[rel]!, 8) : 0o700);
}

function writeFile(root: string, rel: string, content: string, modes: Record<string, string>): void {
  ensureDir(root, dirname(rel), modes);
  const p = join(root, rel);
  rmSync(p, { recursive: true, force: true });
  writeFileSync(p, content);
  chmodSync(p, modes[rel] ? parseInt(modes[rel]!, 8) : 0o600);
}

/** Creates `dir` (emptied first) with the given context. */
export function writeContext(dir: string, spec: ContextSpec): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o700);
  const modes = spec.modes ?? {};
  for (const d of spec.dirs ?? []) ensureDir(dir, d.replace(/\/+$/, ''), modes);
  for (const [rel, content] of Object.entries(spec.files)) writeFile(dir, rel, content, modes);
  if (spec.dockerfile !== undefined) writeFile(dir, spec.dockerfileName ?? 'Dockerfile', spec.dockerfile, modes);
  for (const [rel, target] of Object.entries(spec.symlinks ?? {})) {
    ensureDir(dir, dirname(rel), modes);
    rmSync(join(dir, rel), { force: true });
    symlinkSync(target, join(dir, rel));
  }
}

/** Cumulative edits of a `then` build: new contents (creating parents) and renames. */
export function editContext(dir: string, changes: Record<string, string> = {}, renames: Record<string, string> = {}, modes: Record<string, string> = {}): void {
  for (const [rel, content] of Object.entries(changes)) writeFile(dir, rel, content, modes);
  for (const [from, to] of Object.entries(renames)) {
    ensureDir(dir, dirname(to), modes);
    renameSync(join(dir, from), join(dir, to));
  }
}

