/**
 * RUN: shell form through SHELL, exec form as is, heredocs as BuildKit runs them; env = state env
 * + ARGs in scope (PATH defaulted); USER/WORKDIR applied; mounts (cache, bind, tmpfs, secret).
 */
import type { RunInstruction } from '@tsbuild/parser';
import { BuildError } from '../errors.js';
import type { Mounted, RunMount } from '../exec/types.js';
import { commitLayer } from '../solve/commitLayer.js';
import type { StepInputs } from '../solve/missReason.js';
import type { StepContext } from '../solve/types.js';
import { prepareMounts, mountKey } from './runMounts.js';
import { runArgs } from './runArgs.js';
import { StepLog } from './stepLog.js';
import { LineSplitter } from '../progress/lines.js';
import { requireEntitlement } from '../solve/entitlements.js';

const TAIL_LINES = 20;
export const HOSTNAME = 'buildkitsandbox';

export async function dispatchRun(ctx: StepContext<RunInstruction>): Promise<void> {
  const { state, solve, instr } = ctx;
  const { args, files } = runArgs(instr.cmd, state.config);
  const cfg = state.config.config;
  const workdir = cfg.WorkingDir || '/';
  const user = cfg.User ?? '';
  // the RUN's own --network, else the build's (--network), else the isolated default
  const network = instr.network && instr.network !== 'default' ? instr.network : (solve.options.network ?? 'default');
  const security = instr.security ?? 'sandbox';
  if (network === 'host') requireEntitlement(solve.options.allow, 'network.host', ctx.location);
  if (security === 'insecure') requireEntitlement(solve.options.allow, 'security.insecure', ctx.location);
  const env = state.vars.runEnv();
  const keyEnv = state.vars.keyEnv();
  const mountKeys = await Promise.all(instr.mounts.map((m) => mountKey(ctx, m)));
  const createdBy = `RUN ${[...state.vars.historyArgs(), ...args].join(' ')} # buildkit`;

  const argNames = new Set(state.vars.declaredArgs.map((a) => a.name));
  const inputs: StepInputs = [['instruction', ctx.raw.original]];
  for (const kv of keyEnv) {
    const i = kv.indexOf('=');
    const name = kv.slice(0, i);
    inputs.push([`${argNames.has(name) ? 'ARG' : 'ENV'} ${name}`, kv.slice(i + 1)]);
  }
  inputs.push(['USER', user], ['WORKDIR', workdir], ['network', network]);
  mountKeys.forEach((m, i) => inputs.push([`mount ${i}`, JSON.stringify(m)]));
  // --add-host and --shm-size change what the step sees (BuildKit keys them too); absent, the key is as before
  const { extraHosts, shmSize, ulimits } = solve.options;
  const runtime = { ...(extraHosts?.length ? { extraHosts } : {}), ...(shmSize ? { shmSize } : {}), ...(ulimits?.length ? { ulimits } : {}) };
  if (ulimits?.length) inputs.push(['--ulimit', ulimits.map((u) => `${u.name}=${u.soft}:${u.hard}`).join(',')]);
  if (extraHosts?.length) inputs.push(['--add-host', extraHosts.map((h) => `${h.host}=${h.ip}`).join(',')]);
  if (shmSize) inputs.push(['--shm-size', String(shmSize)]);

  await commitLayer(ctx, {
    key: { op: 'RUN', instruction: { args, files, security }, env: keyEnv, user, workdir, network, mounts: mountKeys, ...runtime },
    inputs,
    createdBy,
    apply: (mounted) => execute(ctx, mounted, { args, files, env, workdir, user, network, security }),
    // pick the executor (and load its code) while the parents unpack and the rootfs is mounted
    warm: () => Promise.all([solve.executor(), import('../users/index.js')]),
  });
}

async function execute(
  ctx: StepContext<RunInstruction>,
  mounted: Mounted,
  p: { args: string[]; files: { path: string; content: string; mode: number }[]; env: string[]; workdir: string; user: string; network: 'default' | 'none' | 'host'; security: 'sandbox' | 'insecure' },
): Promise<void> {
  const { solve } = ctx;
  const { resolveUser } = await import('../users/index.js');
  const user = await resolveUser(mounted.root, p.user);
  // The executor creates the working directory itself, resolving symlinks inside the rootfs:
  // a host-side mkdir here would follow an image symlink (e.g. WORKDIR /wd-link -> /x) on the host.
  const tail: string[] = [];
  // linear whatever the output looks like (no newline at all: see progress/lines.ts)
  const lines = new LineSplitter();
  const log = new StepLog((stream, text) => solve.progress.log(ctx.step.id, stream, text));
  const onOut = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
    const done = lines.push(log.write(stream, chunk));
    if (done.length === 0) return;
    for (const l of done.length > TAIL_LINES ? done.slice(-TAIL_LINES) : done) tail.push(l);
    if (tail.length > TAIL_LINES) tail.splice(0, tail.length - TAIL_LINES);
  };
  checkExecStrings(ctx, p.args, p.env);
  // a foreign platform's RUN runs under QEMU through binfmt_misc: checked here, on a miss only
  const { platform } = ctx.state;
  if (platform && solve.hostPlatform && (platform.architecture !== solve.hostPlatform.architecture || platform.os !== solve.hostPlatform.os)) {
    const { requireEmulation } = await import('../exec/emulation.js');
    requireEmulation(platform, solve.hostPlatform, (solve.emulationChecked ??= new Map()), ctx.location);
  }
  const prepared = await prepareMounts(ctx, mounted, p.files);
  try {
    const executor = await solve.executor();
    const result = await executor.run({
      rootfs: mounted.root,
      args: p.args,
      env: [...p.env, ...prepared.env],
      cwd: p.workdir,
      user,
      network: p.network,
      security: p.security,
      hostname: HOSTNAME,
      ...(solve.options.extraHosts?.length ? { extraHosts: solve.options.extraHosts } : {}),
      ...(solve.options.shmSize ? { shmSize: solve.options.shmSize } : {}),
      ...(solve.options.ulimits?.length ? { ulimits: solve.options.ulimits } : {}),
      mounts: prepared.mounts as RunMount[],
      onStdout: onOut('stdout'),
      onStderr: onOut('stderr'),
      signal: solve.signal,
    }).catch((err: unknown) => {
      throw execLimitError(ctx, err, p.args, p.env) ?? err;
    });
    if (solve.signal?.aborted) throw new BuildError('E_CANCELLED', 'build cancelled');
    if (result.exitCode !== 0) {
      const partial = lines.flush();
      if (partial) tail.push(partial);
      const shown = JSON.stringify(p.args.join(' ')).slice(1, -1);
      const detail = result.signal ? `signal: ${result.signal}` : `exit code: ${result.exitCode}`;
      throw new BuildError('E_EXEC_FAILED', `process "${shown}" did not complete successfully: ${detail}`, {
        location: ctx.location,
        data: { exitCode: result.exitCode, signal: result.signal, step: ctx.step.name, file: ctx.location.file, line: ctx.location.line, output: tail.slice(-TAIL_LINES) },
      });
    }
  } finally {
    await prepared.release();
  }
}

/**
 * exec(2) takes C strings: a NUL byte in the command or an ENV value cannot be passed (Node's spawn
 * threw a TypeError from deep inside the executor). Refused up front, naming the instruction.
 */
function checkExecStrings(ctx: StepContext<RunInstruction>, args: string[], env: string[]): void {
  const arg = args.findIndex((a) => a.includes('\0'));
  const envAt = env.findIndex((e) => e.includes('\0'));
  if (arg < 0 && envAt < 0) return;
  const what = arg >= 0 ? `the command (argument ${arg + 1})` : `the environment variable ${env[envAt]!.slice(0, env[envAt]!.indexOf('='))}`;
  throw new BuildError('E_NUL_BYTE', `RUN: ${what} contains a NUL byte, which no process can be given`, { location: ctx.location });
}

/** E2BIG from exec: the command line and environment exceed the kernel's limit — said so, with sizes. */
function execLimitError(ctx: StepContext<RunInstruction>, err: unknown, args: string[], env: string[]): BuildError | undefined {
  const codeOf = (e: unknown): string | undefined => (e as { code?: string } | undefined)?.code;
  const msg = String((err as Error)?.message ?? '');
  if (codeOf(err) !== 'E2BIG' && codeOf((err as { cause?: unknown })?.cause) !== 'E2BIG' && !/\bE2BIG\b/.test(msg)) return undefined;
  const bytes = (l: string[]) => l.reduce((n, s) => n + Buffer.byteLength(s) + 1, 0);
  const longest = Math.max(0, ...[...args, ...env].map((s) => Buffer.byteLength(s)));
  return new BuildError(
    'E_ARG_TOO_LONG',
    `RUN: the command (${bytes(args)} bytes) and its environment (${env.length} variables, ${bytes(env)} bytes; longest string ${longest} bytes) are too long for exec (E2BIG: Linux allows about a quarter of the stack limit in all, 128 KiB per string)`,
    { location: ctx.location, cause: err },
  );
}
