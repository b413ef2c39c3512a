/**
 * `tsbuild build - < ctx.tar`: the context as a tar (plain, gzip, bzip2 or xz) on stdin, unpacked
 * into a private temp dir for the build; anything else on stdin is a Dockerfile with an empty
 * context (`docker build - < Dockerfile`). GNU tar refuses absolute names and `..` on extraction.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BuildError } from '../errors.js';

export interface StdinContext { dir: string; dockerfileText?: string; cleanup(): void }

export function isArchive(b: Buffer): boolean {
  if (b.length >= 262 && b.toString('latin1', 257, 262) === 'ustar') return true;
  if (b[0] === 0x1f && b[1] === 0x8b) return true; // gzip
  if (b.toString('latin1', 0, 3) === 'BZh') return true;
  if (b.length >= 6 && b.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return true; // xz
  return false;
}

export function contextFromStdin(input: Buffer): StdinContext {
  const dir = mkdtempSync(join(tmpdir(), 'tsbuild-ctx-'));
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  if (!isArchive(input)) return { dir, dockerfileText: input.toString('utf8'), cleanup };
  const tarFile = join(dir, '..', `${dir.split('/').pop()}.tar`);
  try {
    writeFileSync(tarFile, input);
    const r = spawnSync('tar', ['-x', '--no-same-owner', '-f', tarFile, '-C', dir], { encoding: 'utf8' });
    if (r.error || r.status !== 0) {
      cleanup();
      throw new BuildError('E_CONTEXT', `the context tar on stdin could not be unpacked: ${(r.stderr || r.error?.message || '').trim().split('\n')[0]}`, { data: { hint: 'give a tar (or .tar.gz) of the context directory, e.g. tar -C ctx -c . | tsbuild build -' } });
    }
  } finally {
    rmSync(tarFile, { force: true });
  }
  return { dir, cleanup };
}
