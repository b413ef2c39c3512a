/**
 * Pick the executor: `--runtime unshare|runc|crun|auto`. auto = the unshare executor when
 * util-linux has what it needs (no runtime to install), else crun, else runc.
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
  if (runtime === 'unshare' || (runtime === 'auto' && UnshareExecutor.available())) {
    if (!UnshareExecutor.available()) throw new BuildError('E_USAGE', 'the unshare executor needs unshare, setpriv and mount from util-linux');
    return { executor: new UnshareExecutor({ tmpDir }), message: 'executor: unshare (util-linux namespaces)' };
  }
  const candidates: ('crun' | 'runc')[] = runtime === 'auto' ? ['crun', 'runc'] : [runtime];
  for (const r of candidates) {
    if (RuncExecutor.available(r)) return { executor: new RuncExecutor({ runtime: r, tmpDir }), message: `executor: ${r} (OCI runtime)` };
  }
  throw new BuildError('E_USAGE', runtime === 'auto'
    ? 'no way to run RUN steps here: install util-linux (unshare, setpriv), crun or runc'
    : `OCI runtime ${runtime} is not installed`);
}
