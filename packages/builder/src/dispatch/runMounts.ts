/**
 * RUN --mount: the key material of each mount (never secret contents) and the prepared host
 * sources the executor binds. Everything prepared here is released after the step.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, join, posix } from 'node:path';
import type { MountSpec, RunInstruction } from '@tsbuild/parser';
import { resolveInRoot } from '@tsbuild/layerstore';
import { BuildError } from '../errors.js';
import { makeSecretDir } from '../exec/secret-dir.js';
import type { Mounted, RunMount } from '../exec/types.js';
import { sourceState } from '../solve/sourceState.js';
import { dirContext } from '../solve/namedContexts.js';
import type { StepContext } from '../solve/types.js';
import type { RunFile } from './runArgs.js';

export async function mountKey(ctx: StepContext<RunInstruction>, m: MountSpec): Promise<unknown> {
  switch (m.type) {
    case 'bind': {
      const source = m.source ?? '/';
      const dirCtx = m.from ? await dirContext(ctx.solve, m.from) : undefined;
      const from = m.from && !dirCtx
        ? (await sourceState(ctx.solve, m.from, ctx.state.stage.index, ctx.location)).fsKey
        : (await (dirCtx ?? ctx.solve.context).checksum([source])).digest;
      return { type: 'bind', target: m.target, source, from, readwrite: m.readwrite };
    }
    case 'cache': {
      // the contents of a cache mount never key the step (BuildKit: it is a cache, not an input); the
      // state a `from=` cache starts from is an input of the exec op, so it does
      const seed = cacheSeeded(m) ? await cacheSeedKey(ctx, m) : undefined;
      return { type: 'cache', target: m.target, id: m.id ?? m.target, sharing: m.sharing, readonly: m.readonly, uid: m.uid, gid: m.gid, mode: m.mode, ...(seed ? { seed, source: m.source } : {}) };
    }
    case 'tmpfs':
      return { type: 'tmpfs', target: m.target, size: m.size };
    case 'secret':
      // secrets: only where they go, never what they contain
      return { type: 'secret', id: secretId(m), target: m.env ? undefined : secretTarget(m), env: m.env, required: m.required };
    case 'ssh':
      return { type: 'ssh', id: m.id ?? 'default', target: m.target, required: m.required };
  }
}

function secretId(m: Extract<MountSpec, { type: 'secret' }>): string {
  return m.id ?? (m.target ? basename(m.target) : m.env ?? '');
}
function secretTarget(m: Extract<MountSpec, { type: 'secret' }>): string {
  return m.target ?? `/run/secrets/${secretId(m)}`;
}

export interface PreparedMounts { mounts: RunMount[]; env: string[]; release(): Promise<void> }

export async function prepareMounts(ctx: StepContext<RunInstruction>, mounted: Mounted, files: RunFile[]): Promise<PreparedMounts> {
  const { solve } = ctx;
  // most RUNs have no mounts and no heredoc files: no scratch dir (two fs round trips) for them
  if (files.length === 0 && ctx.instr.mounts.length === 0) return { mounts: [], env: [], release: async () => undefined };
  const scratch = await mkdtemp(join(solve.store.tmpDir(), 'mounts-'));
  const releases: (() => Promise<void>)[] = [() => rm(scratch, { recursive: true, force: true })];
  const mounts: RunMount[] = [];
  const env: string[] = [];
  const release = async () => {
    for (const r of releases.reverse()) await r().catch(() => undefined);
  };
  // heredoc files and secret copies: on a tmpfs (exec/secret-dir.ts), made when first needed
  let secrets: string | undefined;
  const secretDir = (): string => {
    if (!secrets) {
      const dir = makeSecretDir(scratch);
      secrets = dir;
      releases.push(() => rm(dir, { recursive: true, force: true }));
    }
    return secrets;
  };
  try {
    let n = 0;
    let sshCount = 0;
    for (const f of files) {
      const p = join(secretDir(), `file-${n++}`);
      await writeFile(p, f.content, { mode: f.mode });
      mounts.push({ type: 'file', source: p, target: f.path, mode: f.mode, uid: 0, gid: 0 });
    }
    for (const m of ctx.instr.mounts) {
      switch (m.type) {
        case 'bind': {
          const sub = posix.normalize(`/${m.source ?? '/'}`);
          let base: string;
          // from=NAME of a directory build context: that directory, as the context would be
          const dirCtx = m.from ? await dirContext(solve, m.from) : undefined;
          if (dirCtx) {
            base = dirCtx.dir;
          } else if (m.from) {
            const src = await sourceState(solve, m.from, ctx.state.stage.index, ctx.location);
            const lower = await solve.store.ensureSnapshots(src.layers, { signal: solve.signal });
            const snap = await (await solve.snapshotter()).prepare(lower, { scratchDir: await mkdtemp(join(scratch, 'from-')) });
            releases.push(() => snap.release());
            base = snap.root;
          } else {
            base = solve.context.dir;
          }
          // scoped: a symlink in the stage or context (`hostroot -> /`) resolves inside `base`, as
          // BuildKit's RootPath does — never to the host path it names
          let source = resolveScopedSource(base, sub, ctx);
          if (!existsSync(source)) throw new BuildError('E_MOUNT', `mount source ${m.source ?? '/'} not found in ${m.from ? `stage or image ${m.from}` : 'the build context'}`, { location: ctx.location, data: { source: m.source } });
          if (m.readwrite) {
            // writes to a rw bind are discarded after the step (BuildKit): give it a copy
            const copy = join(scratch, `rw-${n++}`);
            await cp(source, copy, { recursive: true, verbatimSymlinks: true });
            source = copy;
          }
          mounts.push({ type: 'bind', source, target: m.target, readonly: !m.readwrite });
          break;
        }
        case 'cache': {
          const id = m.id ?? m.target;
          const seed = cacheSeeded(m) ? await cacheSeedKey(ctx, m) : undefined;
          const shared = await solve.store.cacheMountDir(seed ? `${id}:${seed}` : id);
          const users = solve.cacheMountUsers;
          let dir = shared;
          if (ctx.state.noCache) {
            // --no-cache: the step gets a fresh, throw-away cache dir (BuildKit starts it empty)
            dir = await mkdtemp(join(scratch, 'cache-'));
          } else if (m.sharing === 'locked') {
            // one step at a time in this build (other builds on the store may still share it)
            while (users.has(shared)) await users.get(shared)!.done;
            let done!: () => void;
            users.set(shared, { done: new Promise<void>((r) => (done = r)) });
            releases.push(async () => {
              users.delete(shared);
              done();
            });
          } else if (m.sharing === 'private' && users.has(shared)) {
            // in use by a concurrent step: this one gets its own (throw-away) directory
            dir = await mkdtemp(join(scratch, 'cache-'));
          } else if (!users.has(shared)) {
            users.set(shared, { done: Promise.resolve() });
            releases.push(async () => void users.delete(shared));
          }
          await mkdir(dir, { recursive: true });
          if (seed) {
            // from=X[,source=S]: a new cache starts as a copy of X's S (BuildKit mounts the cache made from
            // X's snapshot at selector S); the uid/gid/mode options do not apply there (convert_runmount.go)
            const sub = await seedCache(ctx, m, dir, scratch, releases);
            mounts.push({ type: 'bind', source: sub, target: m.target, readonly: m.readonly });
            break;
          }
          if (m.uid !== undefined || m.gid !== undefined) await chown(dir, m.uid ?? 0, m.gid ?? 0);
          if (m.mode !== undefined) await chmod(dir, m.mode);
          mounts.push({ type: 'bind', source: dir, target: m.target, readonly: m.readonly });
          break;
        }
        case 'tmpfs':
          mounts.push({ type: 'tmpfs', target: m.target, size: m.size });
          break;
        case 'secret': {
          const id = secretId(m);
          const value = await readSecret(ctx, id);
          if (value === undefined) {
            if (m.required) throw new BuildError('E_MOUNT', `secret ${id} not found (pass it with --secret id=${id},src=FILE)`, { location: ctx.location });
            break;
          }
          if (m.env) {
            env.push(`${m.env}=${value.toString('utf8')}`);
            break;
          }
          const p = join(secretDir(), `secret-${n++}`);
          await writeFile(p, value, { mode: 0o400 });
          mounts.push({ type: 'file', source: p, target: secretTarget(m), mode: m.mode ?? 0o400, uid: m.uid ?? 0, gid: m.gid ?? 0 });
          break;
        }
        case 'ssh': {
          // BuildKit: the first ssh mount is SSH_AUTH_SOCK; targets default to /run/buildkit/ssh_agent.N
          const id = m.id ?? 'default';
          const target = m.target ?? `/run/buildkit/ssh_agent.${sshCount}`;
          const agent = solve.options.ssh?.find((s) => s.id === id)?.socket;
          if (!agent) {
            if (m.required) throw new BuildError('E_MOUNT', `no SSH agent for id ${JSON.stringify(id)} (pass --ssh ${id === 'default' ? 'default' : `${id}=SOCKET`})`, { location: ctx.location });
            break;
          }
          const { startSshProxy } = await import('./sshProxy.js');
          const proxy = await startSshProxy(join(scratch, `ssh-${n++}.sock`), agent, { uid: m.uid ?? 0, gid: m.gid ?? 0, mode: m.mode ?? 0o600 });
          releases.push(() => proxy.close());
          mounts.push({ type: 'bind', source: proxy.path, target, readonly: true });
          if (sshCount === 0) env.push(`SSH_AUTH_SOCK=${target}`);
          sshCount++;
          break;
        }
      }
    }
    return { mounts, env, release };
  } catch (err) {
    await release();
    throw err;
  }
}

type CacheMount = Extract<MountSpec, { type: 'cache' }>;

/**
 * Does a cache mount start from another state? BuildKit (dockerfile2llb/convert_runmount.go
 * dispatchRunMounts): a cache without `from` is based on scratch; with `from` and `source` (not `/`) it is
 * X's snapshot seen at the selector; with `from` and source `/` plus uid/gid/mode, an empty `/cache` dir
 * made on X — the same as no `from` for the step, so that case keeps the plain cache dir here.
 */
function cacheSeeded(m: CacheMount): boolean {
  if (!m.from) return false;
  const sub = posix.normalize(`/${m.source ?? '/'}`);
  return sub !== '/' || !m.ownerSet;
}

/** What the seeded cache is keyed by: the from-state (BuildKit keys a based cache by id and the base ref). */
async function cacheSeedKey(ctx: StepContext<RunInstruction>, m: CacheMount): Promise<string> {
  const dirCtx = await dirContext(ctx.solve, m.from!);
  if (dirCtx) return (await dirCtx.checksum(['/'])).digest;
  return (await sourceState(ctx.solve, m.from!, ctx.state.stage.index, ctx.location)).fsKey;
}

/**
 * The cache dir holds `fs/` (the copy of the from-state's subtree) and a `seeded` marker written once the
 * copy is complete, so a cache the steps emptied stays empty (BuildKit reuses the cache ref, it does not
 * re-copy) and an interrupted copy is redone.
 */
async function seedCache(ctx: StepContext<RunInstruction>, m: CacheMount, dir: string, scratch: string, releases: (() => Promise<void>)[]): Promise<string> {
  const { solve } = ctx;
  const sub = posix.normalize(`/${m.source ?? '/'}`);
  const fs = join(dir, 'fs');
  const target = sub === '/' ? fs : join(fs, sub);
  if (existsSync(join(dir, 'seeded'))) return target;
  let base: string;
  const dirCtx = await dirContext(solve, m.from!);
  if (dirCtx) {
    base = dirCtx.dir;
  } else {
    const src = await sourceState(solve, m.from!, ctx.state.stage.index, ctx.location);
    const lower = await solve.store.ensureSnapshots(src.layers, { signal: solve.signal });
    const snap = await (await solve.snapshotter()).prepare(lower, { scratchDir: await mkdtemp(join(scratch, 'from-')) });
    releases.push(() => snap.release());
    base = snap.root;
  }
  const source = resolveScopedSource(base, sub, ctx);
  if (!existsSync(source)) throw new BuildError('E_MOUNT', `mount source ${m.source ?? '/'} not found in stage or image ${m.from}`, { location: ctx.location, data: { source: m.source } });
  await rm(fs, { recursive: true, force: true });
  await mkdir(posix.dirname(target), { recursive: true });
  await copyTree(source, target);
  await writeFile(join(dir, 'seeded'), '');
  return target;
}

/** A copy that keeps owners, modes, times and links (`cp -a`: the tree may hold anything a stage made). */
function copyTree(from: string, to: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('cp', ['-a', '--', from, to], (err, _out, stderr) => (err ? reject(new BuildError('E_MOUNT', `seeding the cache mount failed: ${stderr.trim() || err.message}`, { cause: err })) : resolve()));
  });
}

function resolveScopedSource(base: string, sub: string, ctx: StepContext<RunInstruction>): string {
  try {
    return resolveInRoot(base, sub);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ELOOP') throw err;
    throw new BuildError('E_MOUNT', `mount source ${sub}: too many levels of symbolic links`, { cause: err, location: ctx.location });
  }
}

async function readSecret(ctx: StepContext, id: string): Promise<Buffer | undefined> {
  const spec = ctx.solve.options.secrets?.find((s) => s.id === id);
  if (!spec) return undefined;
  if ('src' in spec) return readFile(spec.src);
  const v = (ctx.solve.options.env ?? {})[spec.env];
  return v === undefined ? undefined : Buffer.from(v);
}
