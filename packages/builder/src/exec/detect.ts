/**
 * Pick the executor: `--runtime unshare|runc|crun|auto`. auto = the unshare executor with its
 * pivot_root final stage (util-linux + perl: nothing to install), else crun, else runc, else the
 * unshare executor's chroot-only fallback (setpriv), which says so.
 */
import type { Executor } from './types.js';
import { BuildError } from '../errors.js';
import { UnshareExecutor } from './unshare.js';
import { RuncExecutor } from './runc.js';

export type RuntimeName = 'auto' | 'unshare' | 'runc' | 'crun';

export interface ExecutorChoice {
  executor: Executor & { dispose?(): void };
  /** one line for the progress output */
  message: string;
}

export function detectExecutor(opts: { runtime?: RuntimeName; tmpDir?: string } = {}): ExecutorChoice {
  const runtime = opts.runtime ?? 'auto';
  const tmpDir = opts.tmpDir;
  const unshare = () => {
    const ex = new UnshareExecutor({ tmpDir });
    const how = ex.finalStage === 'perl' ? 'pivot_root' : 'chroot only: no perl; a root step can leave it with chroot(2)';
    return { executor: ex, message: `executor: unshare (util-linux namespaces, ${how})` };
  };
  if (runtime === 'unshare') {
    if (!UnshareExecutor.available()) throw new BuildError('E_RUNTIME', 'the unshare executor needs unshare and mount from util-linux, and perl or setpriv');
    return unshare();
  }
  if (runtime === 'auto' && UnshareExecutor.available() && new UnshareExecutor({ tmpDir }).finalStage === 'perl') return unshare();
  const candidates: ('crun' | 'runc')[] = runtime === 'auto' ? ['crun', 'runc'] : [runtime];
  for (const r of candidates) {
    if (RuncExecutor.available(r)) return { executor: new RuncExecutor({ runtime: r, tmpDir }), message: `executor: ${r} (OCI runtime)` };
  }
  if (runtime === 'auto' && UnshareExecutor.available()) return unshare();
  throw new BuildError('E_RUNTIME', runtime === 'auto'
    ? 'no way to run RUN steps here: install util-linux (unshare, setpriv), crun or runc'
    : `OCI runtime ${runtime} is not installed`);
}
