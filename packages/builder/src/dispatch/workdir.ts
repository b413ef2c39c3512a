import { mkdir } from 'node:fs/promises';
import { posix } from 'node:path';
import type { WorkdirInstruction } from '@tsbuild/parser';
import { commitLayer } from '../solve/commitLayer.js';
import type { StepContext } from '../solve/types.js';
import { lchownCreated } from './mkdirOwned.js';
import { addHistory } from './history.js';

/**
 * BuildKit resolves WORKDIR against the current one; "/" changes nothing and makes no layer. An absolute
 * path is kept as written, trailing slash and all (`WORKDIR /app/` → WorkingDir and history `/app/`:
 * system.NormalizePath neither cleans nor trims it); a relative one is Go's path.Join, which cleans.
 */
export function resolveWorkdir(current: string | undefined, path: string): string {
  return posix.isAbsolute(path) ? path : posix.join('/', current || '/', path).replace(/(.)\/+$/, '$1');
}

/** Without expansion we cannot tell "/"; the progress numbering uses the raw path. */
export function workdirMakesLayer(path: string): boolean {
  return posix.normalize(path) !== '/';
}

export async function dispatchWorkdir(ctx: StepContext<WorkdirInstruction>): Promise<void> {
  const cfg = ctx.state.config.config;
  const wd = resolveWorkdir(cfg.WorkingDir, ctx.instr.path);
  cfg.WorkingDir = wd;
  if (wd === '/') {
    addHistory(ctx, `WORKDIR ${wd}`, false);
    return;
  }
  const user = cfg.User ?? '';
  await commitLayer(ctx, {
    key: { op: 'WORKDIR', instruction: wd, user },
    inputs: [['instruction', ctx.raw.original], ['WORKDIR', wd], ['USER', user]],
    createdBy: `WORKDIR ${wd}`,
    warm: () => Promise.all([import('../users/index.js'), import('@tsbuild/layerstore')]),
    async apply(mounted) {
      // mkdir -p, 0755, new directories owned by USER (BuildKit's Mkdir WithUser). That is a FileOp
      // owner, resolved like --chown (readUser), not like RUN's user: `USER 4242` without a passwd entry
      // makes 4242:4242 (RUN runs it as 4242:0), an unknown name 0:0 (the next RUN fails, not WORKDIR)
      const [{ resolveChown }, { resolveInRootAsync }] = await Promise.all([import('../users/index.js'), import('@tsbuild/layerstore')]);
      const owner = user ? await resolveChown(mounted.root, user) : { uid: 0, gid: 0 };
      const target = await resolveInRootAsync(mounted.root, wd);
      const created = await mkdir(target, { recursive: true, mode: 0o755 });
      if (created) await lchownCreated(created, target, owner.uid, owner.gid);
    },
  });
}
