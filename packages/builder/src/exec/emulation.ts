/**
 * QEMU user-mode emulation for RUN of a foreign platform, through the kernel's binfmt_misc: a
 * registered handler with the F (fix binary) flag makes the kernel run e.g. an aarch64 ELF under
 * /usr/libexec/qemu-binfmt/aarch64-binfmt-P from any mount namespace, so the executors need no
 * change. Looked at only when a foreign platform's RUN misses the cache (a native or warm build
 * never reads /proc/sys/fs/binfmt_misc), and once per build and architecture.
 *
 * `tsbuild setup-emulation` registers the handlers Debian's qemu-user-static describes in
 * /usr/share/binfmts (binfmt-support's format) when update-binfmts has not.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { BuildError } from '../errors.js';
import { formatPlatform, SUPPORTED_ARCHES, type Platform } from '../solve/resolveBase.js';

export const BINFMT_DIR = '/proc/sys/fs/binfmt_misc';
export const BINFMTS_DESCRIPTIONS = '/usr/share/binfmts';

/** OCI architecture → QEMU's name (the handler is `qemu-<name>`). */
const QEMU_NAMES: Record<string, string> = { amd64: 'x86_64', arm64: 'aarch64', arm: 'arm', riscv64: 'riscv64', ppc64le: 'ppc64le', s390x: 's390x', '386': 'i386' };

export function qemuName(architecture: string): string | undefined {
  return QEMU_NAMES[architecture];
}

/** Architectures the host's kernel runs without emulation (an x86_64 kernel runs i386 binaries). */
export function nativeArches(host: Platform): string[] {
  if (host.architecture === 'amd64') return ['amd64', '386'];
  if (host.architecture === 'arm64') return ['arm64', 'arm'];
  return [host.architecture];
}

export type EmulationState =
  | { kind: 'native' }
  | { kind: 'registered'; handler: string; interpreter: string }
  /** no handler; `description` set when qemu-user-static's binfmts file is there to register */
  | { kind: 'missing'; handler: string; description?: string; mounted: boolean };

export interface BinfmtPaths { dir: string; descriptions: string }
/** The kernel's binfmt_misc, or $TSBUILD_BINFMT_DIR (tests point it at an empty dir to force "no emulation"). */
export function binfmtPaths(): BinfmtPaths {
  return { dir: process.env.TSBUILD_BINFMT_DIR || BINFMT_DIR, descriptions: BINFMTS_DESCRIPTIONS };
}

/** What running a `platform` binary on this host takes. */
export function emulationState(platform: Platform, host: Platform, paths: BinfmtPaths = binfmtPaths()): EmulationState {
  if (nativeArches(host).includes(platform.architecture)) return { kind: 'native' };
  const handler = `qemu-${qemuName(platform.architecture) ?? platform.architecture}`;
  const mounted = existsSync(join(paths.dir, 'status'));
  const description = existsSync(join(paths.descriptions, handler)) ? join(paths.descriptions, handler) : undefined;
  let entry: string | undefined;
  try {
    entry = readFileSync(join(paths.dir, handler), 'utf8');
  } catch {
    return { kind: 'missing', handler, description, mounted };
  }
  const enabled = entry.split('\n')[0] === 'enabled';
  const flags = /^flags: *(\S*)/m.exec(entry)?.[1] ?? '';
  const interpreter = /^interpreter (\S+)/m.exec(entry)?.[1] ?? '';
  // without F the kernel opens the interpreter inside the step's rootfs, where it is not
  if (!enabled || !flags.includes('F')) return { kind: 'missing', handler, description, mounted };
  return { kind: 'registered', handler, interpreter };
}

/** Every supported platform's state on this host, as `setup-emulation --status` and `tsbuild info` show it. */
export function emulationStates(host: Platform, paths: BinfmtPaths = binfmtPaths()): { platform: Platform; state: EmulationState }[] {
  return SUPPORTED_ARCHES.map((arch) => {
    const platform: Platform = { os: 'linux', architecture: arch, ...(arch === 'arm' ? { variant: 'v7' } : {}) };
    return { platform, state: emulationState(platform, host, paths) };
  });
}

/** The fix, said exactly: what to install or run. */
export function emulationHint(state: Extract<EmulationState, { kind: 'missing' }>): string {
  if (!state.description) return 'install QEMU user emulation (Debian/Ubuntu: apt-get install qemu-user-static), then run `tsbuild setup-emulation` as root';
  return `qemu-user-static is installed but its ${state.handler} handler is not registered (with the F flag): run \`tsbuild setup-emulation\` as root (or \`update-binfmts --enable ${state.handler}\` with binfmt-support)`;
}

/** Throws E_EMULATION unless `platform` binaries can run here (checked once per build and arch). */
export function requireEmulation(platform: Platform, host: Platform, checked: Map<string, EmulationState>, location?: BuildError['location']): void {
  const name = formatPlatform(platform);
  if (platform.os !== host.os) {
    throw new BuildError('E_EMULATION', `RUN for platform ${name} cannot run on this ${host.os}/${host.architecture} host: only ${host.os} binaries run here (stages without RUN build for any platform)`, { location, data: { platform: name } });
  }
  let state = checked.get(platform.architecture);
  if (!state) {
    state = emulationState(platform, host);
    checked.set(platform.architecture, state);
  }
  if (state.kind !== 'missing') return;
  throw new BuildError('E_EMULATION', `RUN for platform ${name} needs emulation on this ${host.os}/${host.architecture} host: ${emulationHint(state)}`, { location, data: { platform: name, handler: state.handler } });
}

/** A binfmt-support description file → the kernel's register line (`:name:M:offset:magic:mask:interpreter:flags`). */
export function registerLine(name: string, description: string): string {
  const field = (k: string) => new RegExp(`^${k} (.*)$`, 'm').exec(description)?.[1]?.trim() ?? '';
  const yes = (k: string) => field(k) === 'yes';
  const interpreter = field('interpreter');
  const magic = field('magic');
  if (!interpreter || !magic) throw new BuildError('E_EMULATION', `${name}: not a binfmts description (no interpreter or magic)`);
  // F: the interpreter is opened now, so it runs inside any container rootfs; P/C as described
  const flags = `${yes('preserve') ? 'P' : ''}${yes('credentials') ? 'C' : ''}F`;
  return `:${name}:M:${field('offset') || '0'}:${magic}:${field('mask')}:${interpreter}:${flags}`;
}

export interface SetupResult { registered: string[]; already: string[] }

/**
 * Register qemu-user-static's handlers (root only): mount binfmt_misc when it is not, then every
 * /usr/share/binfmts/qemu-* description not registered yet (an existing one without F is left
 * as it is and reported). `only`: handler names (qemu-aarch64 …) to limit it to.
 */
export function setupEmulation(opts: { only?: string[]; paths?: BinfmtPaths } = {}): SetupResult {
  const paths = opts.paths ?? binfmtPaths();
  if (!existsSync(join(paths.dir, 'register'))) {
    try {
      execFileSync('mount', ['-t', 'binfmt_misc', 'binfmt_misc', paths.dir], { stdio: 'pipe' });
    } catch (err) {
      throw new BuildError('E_EMULATION', `cannot mount binfmt_misc on ${paths.dir} (root needed): ${(err as { stderr?: Buffer }).stderr?.toString().trim() || (err as Error).message}`);
    }
  }
  let names: string[];
  try {
    names = readdirSync(paths.descriptions).filter((n) => n.startsWith('qemu-'));
  } catch {
    names = [];
  }
  if (opts.only) names = names.filter((n) => opts.only!.includes(n));
  if (names.length === 0) throw new BuildError('E_EMULATION', `no QEMU handler descriptions in ${paths.descriptions}: install qemu-user-static (apt-get install qemu-user-static)`);
  const out: SetupResult = { registered: [], already: [] };
  for (const n of names) {
    if (existsSync(join(paths.dir, n))) {
      out.already.push(n);
      continue;
    }
    const line = registerLine(n, readFileSync(join(paths.descriptions, n), 'utf8'));
    try {
      writeFileSync(join(paths.dir, 'register'), line);
    } catch (err) {
      throw new BuildError('E_EMULATION', `cannot register ${n} in ${paths.dir}/register (root needed): ${(err as Error).message}`);
    }
    out.registered.push(n);
  }
  return out;
}
