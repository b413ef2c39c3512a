/**
 * Leases: every Store instance that writes keeps a file sessions/<pid>-<start>-<nonce> whose
 * first line names its owner and whose other lines name what it created or uses
 * ("blob sha256:…", "snapshot sha256:…"). GC keeps whatever a live session lists, so a build
 * running next to `tsbuild prune` does not lose the blobs it has not tagged yet.
 */
import { appendFileSync, mkdirSync, rmSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import type { StorePaths } from '../paths.js';
import { ownerAlive, selfStartTime } from '../lock/lockfile.js';

export class Leases {
  private file?: string;
  private creating?: Promise<string>;
  private readonly seen = new Set<string>();
  constructor(private readonly paths: StorePaths) {}

  async add(items: string[]): Promise<void> {
    const fresh = items.filter((i) => !this.seen.has(i));
    if (fresh.length === 0) return;
    for (const i of fresh) this.seen.add(i);
    // synchronous appends: a few short lines, on the way to every build's end (async, each is an
    // open, a write and a close on the thread pool)
    this.creating ??= (async () => {
      mkdirSync(this.paths.sessions, { recursive: true });
      const nonce = randomBytes(6).toString('hex');
      const file = this.paths.session(`${process.pid}-${selfStartTime()}-${nonce}`);
      appendFileSync(file, `${process.pid} ${selfStartTime()} ${nonce}\n`);
      this.file = file;
      return file;
    })();
    appendFileSync(await this.creating, fresh.map((i) => `${i}\n`).join(''));
  }

  async close(): Promise<void> {
    const file = this.creating ? await this.creating.catch(() => undefined) : undefined;
    // synchronous: the last thing a build does, and a lone async call there pays for waking the
    // thread pool
    if (file) rmSync(file, { force: true });
    this.file = undefined;
    this.creating = undefined;
    this.seen.clear();
  }

  get ownFile(): string | undefined {
    return this.file;
  }
}

/** Items leased by live sessions; dead sessions' files are removed. */
export async function liveLeases(paths: StorePaths, exceptFile?: string): Promise<Set<string>> {
  const out = new Set<string>();
  let names: string[] = [];
  try {
    names = await readdir(paths.sessions);
  } catch {
    return out;
  }
  for (const n of names) {
    const file = paths.session(n);
    if (file === exceptFile) continue;
    const text = await readFile(file, 'utf8').catch(() => '');
    const [owner, ...items] = text.split('\n');
    if (!owner || !ownerAlive(owner)) {
      await rm(file, { force: true });
      continue;
    }
    for (const i of items) if (i) out.add(i);
  }
  return out;
}
