/**
 * Fakes for unit tests of the solver without root: an Executor that records each RUN and plays a
 * script instead of running it, a Snapshotter that hands out plain directories, and a DiffFn that
 * serialises the directory's files (sorted) as the "layer". With `MemoryStore` they make `build()`
 * run its real planning, cache keys, cache lookups and stage scheduling, with no mount or namespace.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import type { DiffFn, Executor, Mounted, RunResult, RunSpec, Snapshotter } from '../../src/exec/types.js';

export interface RecordedRun { command: string; env: string[]; cwd: string; uid: number }

/**
 * Runs nothing: records the command (the last argv element, the shell form's script), and writes
 * `/<n>.out` with it into the rootfs, so each RUN changes the layer. `behave` may fail a command or
 * hold it (to observe concurrency).
 */
export class FakeExecutor implements Executor {
  readonly name = 'fake';
  readonly runs: RecordedRun[] = [];
  /** most commands running at once */
  maxConcurrent = 0;
  private running = 0;

  constructor(private readonly behave: (command: string) => Promise<RunResult | void> | RunResult | void = () => undefined) {}

  async run(spec: RunSpec): Promise<RunResult> {
    const command = spec.args[spec.args.length - 1] ?? '';
    this.runs.push({ command, env: spec.env, cwd: spec.cwd, uid: spec.user.uid });
    this.running++;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.running);
    try {
      const r = await this.behave(command);
      writeFileSync(join(spec.rootfs, `${this.runs.length}.out`), command);
      return r ?? { exitCode: 0 };
    } finally {
      this.running--;
    }
  }
}

/** Each step gets an empty directory as its rootfs (no lower layers: MemoryStore's snapshots are empty). */
export class DirSnapshotter implements Snapshotter {
  readonly name = 'dirs';
  async prepare(_lowerdirs: string[], opts: { scratchDir: string }): Promise<Mounted> {
    const root = mkdtempSync(join(opts.scratchDir, 'root-'));
    return { root, upperdir: root, overlay: false, release: async () => rmSync(root, { recursive: true, force: true }) };
  }
}

/** The "layer": `path\0content\0` for every file under the rootfs, sorted, as one buffer. */
export const listingDiff: DiffFn = (mounted) => {
  const parts: Buffer[] = [];
  const walk = (dir: string, rel: string) => {
    for (const n of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = rel ? `${rel}/${n.name}` : n.name;
      if (n.isDirectory()) walk(join(dir, n.name), p);
      else if (n.isFile()) parts.push(Buffer.from(`${p}\0`), readFileSync(join(dir, n.name)), Buffer.from('\0'));
    }
  };
  walk(mounted.upperdir, '');
  return Readable.from([Buffer.concat(parts)]);
};

/** a context directory holding `files` */
export function contextDir(parent: string, files: Record<string, string>): string {
  const dir = mkdtempSync(join(parent, 'ctx-'));
  for (const [p, c] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), c);
  }
  return dir;
}
