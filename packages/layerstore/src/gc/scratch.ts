/**
 * Per-process scratch: every process that builds gets its own directory under ROOT/tmp named for
 * its owner, `proc-<pid>-<start time>-<pid namespace>` (the same identity the store lock uses: a reused pid has
 * another start time). Step dirs, overlay mounts, RUN mount scratch and exports live in it, so
 * whatever a killed (SIGKILL) build left is one directory whose owner is provably dead — found and
 * removed by the next run on the store and by `prune` (the builder unmounts what is mounted under
 * it first: see builder/src/snapshot/reap.ts).
 */
import { mkdirSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ownerAlive, processStart, selfStartTime } from '../lock/lockfile.js';

const PREFIX = 'proc-';
const NAME = /^proc-(\d+)-(\d+)-(\d+)$/;

let pidNs: string | undefined;
/**
 * This process's pid namespace (the inode of /proc/self/ns/pid). A pid only names a process within
 * its namespace: a store shared with a container sees pids it cannot look up, so scratch made in
 * another namespace is never judged dead here (read on first use, never at module scope).
 */
export function selfPidNamespace(): string {
  if (pidNs === undefined) {
    try {
      pidNs = /\[(\d+)\]/.exec(readlinkSync('/proc/self/ns/pid'))?.[1] ?? '0';
    } catch {
      pidNs = '0';
    }
  }
  return pidNs;
}

/** Is the owner `pid start ns` gone? Only decidable for owners in our own pid namespace. */
export function ownerGone(pid: string, start: string, ns: string): boolean {
  return ns === selfPidNamespace() && !ownerAlive(`${pid} ${start}`);
}

/**
 * `<pid>-<start time>-<pid namespace>`: the owner part of the names of what this process leaves
 * on disk (its scratch dir, the builder's secret dirs), which `deadOwned` reads back.
 */
export function ownerTag(): string {
  return `${process.pid}-${selfStartTime()}-${selfPidNamespace()}`;
}

export function ownScratchName(): string {
  return `${PREFIX}${ownerTag()}`;
}

/**
 * The entries of `dir` (one readdir) whose name `pattern` matches with an owner (groups 1–3: pid,
 * start time, pid namespace, as ownerTag writes them) that is gone; `otherwise` judges the names it
 * does not match. A missing or unreadable `dir` has none.
 */
export function deadOwned(dir: string, pattern: RegExp, otherwise?: (name: string) => boolean): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const n of names) {
    const m = pattern.exec(n);
    if (m ? ownerGone(m[1]!, m[2]!, m[3]!) : otherwise?.(n)) out.push(join(dir, n));
  }
  return out;
}

/** Create (once) and return this process's scratch dir under `tmp`. */
export function ownScratch(tmp: string): string {
  const dir = join(tmp, ownScratchName());
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/**
 * Scratch under `tmp` whose owner process is gone (one readdir): per-process dirs (pid + start
 * time), and the store's own pid-named temp entries (`<kind>-<pid>-…`: an extraction, a blob being
 * written) whose pid no longer runs — the criterion `prune`'s sweep uses (a reused pid keeps them:
 * the safe side).
 */
export function deadScratch(tmp: string): string[] {
  return deadOwned(tmp, NAME, (n) => {
    const legacy = /^[a-z-]*?-(\d+)-/.exec(n);
    return legacy !== null && processStart(Number(legacy[1])) === undefined;
  });
}

/** Mount points at or below any of `dirs` in this mount namespace, deepest first. */
export function mountsUnder(dirs: string[]): string[] {
  if (dirs.length === 0) return [];
  let text: string;
  try {
    text = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const field = line.split(' ')[4];
    if (!field) continue;
    // mountinfo escapes space, tab, newline and backslash as \ooo
    const point = field.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (dirs.some((d) => point === d || point.startsWith(`${d}/`))) out.push(point);
  }
  return out.sort((a, b) => b.length - a.length);
}

/**
 * Remove dead scratch dirs that have nothing mounted below them any more; the rest are returned
 * (a recursive rm would go through a mount into what is mounted there). `remove` is prune's, which
 * counts the bytes first.
 */
export async function removeScratch(dirs: string[], remove: (dir: string) => Promise<void> = (d) => rm(d, { recursive: true, force: true })): Promise<{ removed: string[]; busy: string[] }> {
  const busy = new Set<string>();
  for (const m of mountsUnder(dirs)) for (const d of dirs) if (m === d || m.startsWith(`${d}/`)) busy.add(d);
  const removed: string[] = [];
  for (const d of dirs) {
    if (busy.has(d)) continue;
    await remove(d);
    removed.push(d);
  }
  return { removed, busy: [...busy] };
}
