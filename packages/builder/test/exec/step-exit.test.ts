import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { BuildError } from '../../src/errors.js';
import { cancelled, exitResult, onStepAbort, settleStep } from '../../src/exec/step-exit.js';
import type { RunSpec } from '../../src/exec/types.js';

/** a real process as the executors hand it to settleStep */
function run(command: string, args: string[]) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  return { child, stdout: child.stdout, stderr: child.stderr, closed: Promise.resolve() };
}
const spec = (over: Partial<RunSpec> = {}): RunSpec => ({ rootfs: '/', args: [], env: [], cwd: '/', user: { uid: 0, gid: 0, additionalGids: [] }, network: 'none', hostname: 'h', mounts: [], ...over });

describe('step exit (shared by the executors)', () => {
  it('reports a kill as 128 + the signal number, else the exit code', () => {
    expect(exitResult(null, 'SIGKILL')).toEqual({ exitCode: 137, signal: 'SIGKILL' });
    expect(exitResult(null, 'SIGTERM')).toEqual({ exitCode: 143, signal: 'SIGTERM' });
    expect(exitResult(3, null)).toEqual({ exitCode: 3 });
    expect(exitResult(null, null)).toEqual({ exitCode: 1 });
    expect(cancelled().code).toBe('E_CANCELLED');
  });

  it('kills on abort (at once when already aborted), and not after stop()', () => {
    const kills: string[] = [];
    const a = new AbortController();
    const w = onStepAbort(a.signal, () => kills.push('a'));
    expect(w.aborted).toBe(false);
    a.abort();
    expect(kills).toEqual(['a']);
    expect(w.aborted).toBe(true);

    const done = new AbortController();
    done.abort();
    const d = onStepAbort(done.signal, () => kills.push('d'));
    expect(kills).toEqual(['a', 'd']);
    expect(d.aborted).toBe(true);

    const s = new AbortController();
    const x = onStepAbort(s.signal, () => kills.push('s'));
    x.stop();
    s.abort();
    expect(kills).toEqual(['a', 'd']);
    expect(onStepAbort(undefined, () => kills.push('u')).aborted).toBe(false);
  });

  it('settleStep: output forwarded, exit code, kill on abort, start failure, check override', async () => {
    const out: string[] = [];
    const p = run('sh', ['-c', 'echo hi; echo err >&2; exit 3']);
    const kill = () => p.child.kill('SIGKILL');
    expect(await settleStep(p, spec({ onStdout: (c) => out.push(`o:${c}`), onStderr: (c) => out.push(`e:${c}`) }), { binary: 'sh', kill })).toEqual({ exitCode: 3 });
    expect(out.sort()).toEqual(['e:err\n', 'o:hi\n']);

    const a = new AbortController();
    const slow = run('sleep', ['30']);
    const pending = settleStep(slow, spec({ signal: a.signal }), { binary: 'sleep', kill: () => slow.child.kill('SIGKILL') });
    a.abort();
    expect(((await pending.catch((e: unknown) => e)) as BuildError).code).toBe('E_CANCELLED');

    const missing = run('/nonexistent/tsbuild-no-such-binary', []);
    expect(((await settleStep(missing, spec(), { binary: 'nope', kill: () => undefined }).catch((e: unknown) => e)) as BuildError).code).toBe('E_EXEC_FAILED');

    const ok = run('true', []);
    const check = () => new BuildError('E_MOUNT', 'not set up');
    let gone = 0;
    expect(((await settleStep(ok, spec(), { binary: 'true', kill: () => undefined, check, onGone: () => gone++ }).catch((e: unknown) => e)) as BuildError).code).toBe('E_MOUNT');
    expect(gone).toBe(1);
  });
});
