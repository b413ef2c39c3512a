/**
 * tsbuild [build] [OPTIONS] CONTEXT — parse flags into BuildOptions, call build(), render events.
 * Exit codes: 0 built, 1 build failed, 2 usage error, 130 cancelled (Ctrl-C).
 */
import { createReadStream, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { UsageError, registerSource, renderError } from '../errors.js';
import { BuildError } from '../../errors.js';
import type { BuildOptions, BuildResult, NamedContext, OutputSpec, SecretSpec, StepRecord } from '../../types.js';
import type { ProgressMode } from '../render/index.js';
import { parseCacheSpec } from '../../cache-io/parseCacheSpec.js';
import { extractWorkersFromEnv } from '../env.js';
import { noteActivity } from '../pending.js';
import { suggest } from '@tsbuild/parser';
import { MissReasons } from '../render/missShown.js';
import { splitLayoutRef } from '../../solve/ociLayout.js';
import { NO_EARLIER_BUILD } from '../../solve/missReason.js';
import { isEntitlement } from '../../solve/entitlements.js';

export const HELP = `Usage: tsbuild build [OPTIONS] CONTEXT

Build an image from a Dockerfile. CONTEXT is a directory, or '-' for a tar of the context (or a
Dockerfile alone) on stdin.

Options:
  -t, --tag NAME[:TAG]        name the image (repeatable)
  -f, --file FILE             Dockerfile (default CONTEXT/Dockerfile; '-' reads stdin)
      --build-arg K[=V]       build argument; without =V the value comes from the environment
      --target STAGE          build this stage
      --build-context NAME=DIR|docker-image://REF|oci-layout://DIR[:TAG]  what FROM NAME /
                              COPY --from=NAME use
      --no-cache              do not use the build cache
      --no-cache-filter STAGE do not use the cache for this stage (repeatable)
      --cache-to type=local,dest=DIR[,mode=min|max]  export the build cache
      --cache-to type=registry,ref=REF[,mode=min|max] … to a registry (an OCI artifact)
      --cache-from type=local,src=DIR                import a build cache
      --cache-from type=registry,ref=REF             … from a registry (layers fetched when needed)
      --pull[=false]          ask the registry for every FROM image (else: the store, then the registry)
      --push[=false]          push the image under every -t name (same as -o type=registry)
      --load                  accepted: the image goes to the store (the default target)
      --network default|none|host  network for RUN (default: isolated, outbound NAT; host needs --allow network.host)
      --allow ENTITLEMENT     network.host | security.insecure (RUN --network=host / --security=insecure; repeatable)
      --add-host HOST:IP      an /etc/hosts line for RUN (repeatable)
      --ssh default|ID=SOCKET an ssh-agent socket for RUN --mount=type=ssh (default: $SSH_AUTH_SOCK)
      --shm-size SIZE         size of RUN's /dev/shm (default 64m)
      --ulimit NAME=SOFT[:HARD]  resource limit for RUN (e.g. nofile=1024:2048; repeatable)
      --secret id=X,src=F|env=V  secret for RUN --mount=type=secret
      --label K=V             label on the image (repeatable)
      --annotation [manifest:]K=V  annotation on the image manifest (repeatable)
      --platform P[,P…]       target platform(s), e.g. linux/amd64,linux/arm64 (several: one image index; 'local' = the host's)
      --progress MODE         auto|plain|tty|quiet|rawjson (default auto: tty on a terminal)
      --explain               after the build, list every step: cache hit or miss, and why
      --check                 only check the Dockerfile (as 'tsbuild check'); same as --call check
      --call build|check|targets|outline  build (default), lint, list the stages, or list
                              the target's build args, secrets and ssh ids
  -o, --output type=T[,dest=D] image[,name=N]|registry[,name=N]|oci|docker|local|tar (repeatable); dest=- or
                              '-o -' writes the tar to stdout
      --iidfile FILE          write the image ID (config digest, as docker) to FILE
      --metadata-file FILE    write build metadata (JSON, see docs/cli.md) to FILE
      --root DIR              store root
      --jobs N                stages built concurrently (default: CPU count)
      --runtime R             auto|unshare|runc|crun (auto: unshare, else crun/runc)
  -q, --quiet                 print only the image ID
      --rewrite-timestamp     clamp file mtimes in new layers to SOURCE_DATE_EPOCH
  -D, --debug                 show the executor and snapshotter chosen, stacks of internal errors

Not supported (an error, never ignored): --security-opt.
`;

export interface ParsedBuild {
  options: BuildOptions;
  progress: ProgressMode;
  iidfile?: string;
  metadataFile?: string;
  quiet: boolean;
  dockerfileFromStdin: boolean;
  /** CONTEXT is `-`: a tar of the context (or a lone Dockerfile) on stdin */
  contextFromStdin: boolean;
  /** `--call check` / `--check`: lint only; `targets`, `outline`: describe the Dockerfile */
  call: 'build' | 'check' | 'targets' | 'outline';
  explain: boolean;
  debug: boolean;
}

/** docker/buildx flags tsbuild does not honour: an error that says so, never silently ignored. */
const UNSUPPORTED: Record<string, string> = {
  '--security-opt': '--security-opt is not supported yet',
  '--cgroup-parent': 'cgroup parents are not supported (tsbuild has no daemon)',
  '--isolation': '--isolation is a Windows option',
  '--sbom': 'SBOM attestations are not supported',
  '--provenance': 'provenance attestations are not supported',
  '--attest': 'attestations are not supported',
  '--builder': 'tsbuild has no builder instances',
};
const UNSUPPORTED_VALUE = new Set(['--load']);

const VALUE_FLAGS = new Set(['--annotation', '--ulimit', '--ssh', '--add-host', '--shm-size', '--build-context', '--call', '--cache-to', '--cache-from', '-t', '--tag', '-f', '--file', '--build-arg', '--target', '--no-cache-filter', '--network', '--secret', '--label', '--platform', '--progress', '-o', '--output', '--iidfile', '--metadata-file', '--root', '--jobs', '--runtime', '--allow']);
const BOOL_FLAGS = new Set(['--no-cache', '--pull', '--push', '-q', '--quiet', '--rewrite-timestamp', '--load', '--debug', '-D', '--explain', '--check']);
/** boolean flags that also take `=true|false` */
const BOOL_VALUE = new Set(['--no-cache', '--pull', '--push', '--load', '--explain', '--check']);

export function parseBuildFlags(argv: string[], env: Record<string, string | undefined>): ParsedBuild {
  const options: BuildOptions = { context: '' };
  const tags: string[] = [];
  const buildArgs: Record<string, string> = {};
  const labels: Record<string, string> = {};
  const outputs: OutputSpec[] = [];
  const secrets: SecretSpec[] = [];
  const noCacheFilter: string[] = [];
  let progress: ProgressMode = 'auto';
  let iidfile: string | undefined;
  let metadataFile: string | undefined;
  let quiet = false;
  let dockerfileFromStdin = false;
  let call: ParsedBuild['call'] = 'build';
  let explain = false;
  let debug = false;
  const positional: string[] = [];

  for (let i = 0; i < argv.length; i++) {
    let flag = argv[i]!;
    let value: string | undefined;
    if (flag === '--') { positional.push(...argv.slice(i + 1)); break; }
    if (flag.startsWith('--') && flag.includes('=')) {
      value = flag.slice(flag.indexOf('=') + 1);
      flag = flag.slice(0, flag.indexOf('='));
    } else if (/^-[tfo].+/.test(flag)) {
      value = flag.slice(2);
      flag = flag.slice(0, 2);
    }
    if (!flag.startsWith('-') || flag === '-') { positional.push(flag); continue; }
    if (flag in UNSUPPORTED && !(UNSUPPORTED_VALUE.has(flag) && value === 'false')) throw new UsageError(`${flag}: ${UNSUPPORTED[flag]}`, 'E_UNSUPPORTED');
    if (BOOL_FLAGS.has(flag)) {
      if (value !== undefined && !BOOL_VALUE.has(flag)) throw new UsageError(`flag ${flag} takes no value`);
      if (value !== undefined && value !== 'true' && value !== 'false') throw new UsageError(`flag ${flag} takes true or false, not ${JSON.stringify(value)}`);
      const on = value !== 'false';
      if (flag === '--no-cache') options.noCache = on;
      else if (flag === '-q' || flag === '--quiet') quiet = true;
      else if (flag === '--rewrite-timestamp') options.rewriteTimestamp = true;
      else if (flag === '--debug' || flag === '-D') debug = true;
      else if (flag === '--explain') explain = on;
      else if (flag === '--check') call = on ? 'check' : call;
      else if (flag === '--pull') options.pull = on;
      else if (flag === '--push') options.push = on;
      // --load: the store is where the image goes anyway
      continue;
    }
    if (!VALUE_FLAGS.has(flag)) {
      const near = suggest(flag, [...VALUE_FLAGS, ...BOOL_FLAGS].filter((f) => f.startsWith('--')));
      throw new UsageError(`unknown flag: ${flag}${near ? ` (did you mean ${near}?)` : ''}`);
    }
    if (value === undefined) {
      if (i + 1 >= argv.length) throw new UsageError(`flag needs an argument: ${flag}`);
      value = argv[++i]!;
    }
    switch (flag) {
      case '-t': case '--tag':
        tags.push(checkTag(value));
        break;
      case '-f': case '--file':
        if (value === '-') dockerfileFromStdin = true;
        else options.dockerfile = value;
        break;
      case '--build-arg': {
        const eq = value.indexOf('=');
        if (eq === 0) throw new UsageError(`invalid build arg ${JSON.stringify(value)}`);
        if (eq < 0) {
          const v = env[value];
          if (v !== undefined) buildArgs[value] = v;
        } else buildArgs[value.slice(0, eq)] = value.slice(eq + 1);
        break;
      }
      case '--target': options.target = value; break;
      case '--annotation': {
        const [k, v] = parseAnnotation(value);
        (options.annotations ??= {})[k] = v;
        break;
      }
      case '--ulimit': (options.ulimits ??= []).push(parseUlimit(value)); break;
      case '--ssh': (options.ssh ??= []).push(parseSsh(value, env)); break;
      case '--add-host': (options.extraHosts ??= []).push(parseAddHost(value)); break;
      case '--shm-size': options.shmSize = parseBytes(value, '--shm-size'); break;
      case '--build-context': {
        const [name, c] = parseBuildContext(value);
        (options.namedContexts ??= {})[name] = c;
        break;
      }
      case '--cache-to': (options.cacheTo ??= []).push(parseCacheSpec(value, 'to')); break;
      case '--cache-from': (options.cacheFrom ??= []).push(parseCacheSpec(value, 'from')); break;
      case '--no-cache-filter': noCacheFilter.push(...value.split(',').filter(Boolean)); break;
      case '--network':
        if (value !== 'default' && value !== 'none' && value !== 'host') throw new UsageError(`unsupported network mode ${JSON.stringify(value)} (default|none|host)`);
        options.network = value;
        break;
      case '--allow':
        for (const e of value.split(',').filter(Boolean)) {
          if (!isEntitlement(e)) throw new UsageError(`invalid entitlement ${JSON.stringify(e)} (network.host|security.insecure)`);
          if (!(options.allow ??= []).includes(e)) options.allow.push(e);
        }
        break;
      case '--secret': secrets.push(parseSecret(value)); break;
      case '--label': {
        const eq = value.indexOf('=');
        labels[eq < 0 ? value : value.slice(0, eq)] = eq < 0 ? '' : value.slice(eq + 1);
        break;
      }
      case '--platform':
        // `local`: the host's platform, which is the only one tsbuild builds for
        if (value !== 'local') options.platform = value;
        break;
      case '--call':
        if (value === 'check' || value === 'build' || value === 'targets' || value === 'outline') call = value;
        else throw new UsageError(`--call ${value}: one of build, check, targets, outline`);
        break;
      case '--progress':
        if (!['auto', 'plain', 'tty', 'quiet', 'rawjson'].includes(value)) throw new UsageError(`invalid progress mode ${JSON.stringify(value)}`);
        progress = value as ProgressMode;
        break;
      case '-o': case '--output': {
        const o = parseOutput(value);
        if (o.type === 'image' && o.names) { tags.push(...o.names.map(checkTag)); delete o.names; }
        outputs.push(o);
        break;
      }
      case '--iidfile': iidfile = value; break;
      case '--metadata-file': metadataFile = value; break;
      case '--root': options.root = value; break;
      case '--jobs': {
        const n = Number(value);
        if (!Number.isInteger(n) || n < 1) throw new UsageError(`--jobs needs a positive integer, got ${JSON.stringify(value)}`);
        options.jobs = n;
        break;
      }
      case '--runtime':
        if (!['auto', 'unshare', 'runc', 'crun'].includes(value)) throw new UsageError(`unknown runtime ${JSON.stringify(value)} (auto|unshare|runc|crun)`);
        options.runtime = value as BuildOptions['runtime'];
        break;
    }
  }
  if (positional.length !== 1) throw new UsageError(positional.length === 0 ? '"build" requires exactly 1 argument (the build context)' : `"build" requires exactly 1 argument, got ${positional.length}: ${positional.join(' ')}`);
  options.context = positional[0]!;
  const contextFromStdin = options.context === '-';
  if (contextFromStdin && dockerfileFromStdin) throw new UsageError('the context and the Dockerfile cannot both come from stdin (CONTEXT - and -f -)');
  const toStdout = outputs.filter((o) => 'dest' in o && o.dest === '-');
  if (toStdout.length > 1) throw new UsageError('only one output can go to stdout (dest=-)');
  if (tags.length) options.tags = tags;
  if (Object.keys(buildArgs).length) options.buildArgs = buildArgs;
  if (Object.keys(labels).length) options.labels = labels;
  if (outputs.length) options.outputs = outputs;
  if (secrets.length) options.secrets = secrets;
  if (noCacheFilter.length && options.noCache !== true) options.noCache = noCacheFilter;
  const sde = env.SOURCE_DATE_EPOCH;
  if (sde !== undefined && sde !== '') {
    if (!/^\d+$/.test(sde)) throw new UsageError(`invalid SOURCE_DATE_EPOCH ${JSON.stringify(sde)}`);
    options.sourceDateEpoch = Number(sde);
  }
  options.env = env;
  options.registry = { env };
  const workers = extractWorkersFromEnv(env);
  if (workers !== undefined) options.extractWorkers = workers;
  if (quiet) progress = 'quiet';
  return { options, progress, iidfile, metadataFile, quiet, dockerfileFromStdin, contextFromStdin, call, explain, debug };
}

function csv(value: string): Map<string, string> {
  const m = new Map<string, string>();
  let last = '';
  for (const part of value.split(',')) {
    const eq = part.indexOf('=');
    // `name=a,b`: a part without `=` after name continues its list
    if (eq < 0 && last === 'name') { m.set('__rest', `${m.get('__rest') ?? ''},${part}`); continue; }
    last = eq < 0 ? part : part.slice(0, eq);
    m.set(last, eq < 0 ? '' : part.slice(eq + 1));
  }
  return m;
}

/** `-o` as docker takes it: `type=T,dest=D`, a bare path (local), `-` (a tar on stdout). */
export function parseOutput(value: string): OutputSpec & { names?: string[] } {
  if (!value.includes('=')) return value === '-' ? { type: 'tar', dest: '-' } : { type: 'local', dest: value };
  const m = csv(value);
  const type = m.get('type') ?? 'local';
  const dest = m.get('dest');
  if (type === 'image' || type === 'registry') {
    // name=a,b (or name="a,b" as buildx quotes it): tags, as -t gives them
    const names = [...(m.get('name') ?? '').replace(/^"|"$/g, '').split(','), ...(m.get('__rest') ?? '').split(',')].map((n) => n.trim()).filter(Boolean);
    // buildx: type=registry is type=image,push=true; the names are where it goes
    if (type === 'registry' || m.get('push') === 'true') return names.length ? { type: 'registry', names } : { type: 'registry' };
    return names.length ? { type: 'image', names } : { type: 'image' };
  }
  if (!['oci', 'docker', 'local', 'tar'].includes(type)) usage(`unknown output type ${JSON.stringify(type)} (image|oci|docker|local|tar)`);
  if (!dest) usage(`-o type=${type} needs dest=PATH`);
  return { type: type as 'oci', dest: dest! };
}

/**
 * `--ssh default | default=SOCKET | ID=SOCKET` (buildx's forms): the agent socket RUN --mount=type=ssh
 * forwards; `default` alone is $SSH_AUTH_SOCK. Key files need an agent: said so, not ignored.
 */
export function parseSsh(value: string, env: Record<string, string | undefined>): { id: string; socket: string } {
  const eq = value.indexOf('=');
  const id = eq < 0 ? value : value.slice(0, eq);
  const paths = eq < 0 ? [] : value.slice(eq + 1).split(',').filter(Boolean);
  if (!id) throw new UsageError(`--ssh needs an ID, got ${JSON.stringify(value)}`);
  if (paths.length > 1) throw new UsageError(`--ssh ${id}: several key files need an agent: run ssh-agent, ssh-add them, and pass --ssh ${id}`, 'E_UNSUPPORTED');
  const socket = paths[0] ?? env.SSH_AUTH_SOCK;
  if (!socket) throw new UsageError(`--ssh ${id}: no agent socket (SSH_AUTH_SOCK is not set; start ssh-agent or give --ssh ${id}=SOCKET)`);
  let st;
  try {
    st = statSync(socket);
  } catch {
    throw new UsageError(`--ssh ${id}: ${socket} does not exist`);
  }
  if (!st.isSocket()) throw new UsageError(`--ssh ${id}=${socket}: not an agent socket (key files need an agent: eval $(ssh-agent); ssh-add ${socket}; --ssh ${id})`, 'E_UNSUPPORTED');
  return { id, socket: resolve(socket) };
}

/**
 * `--annotation [manifest:]KEY=VALUE` (buildx's form). tsbuild writes one manifest and no index,
 * so `index:`, `manifest-descriptor:` and platform-qualified annotations are refused, not dropped.
 */
export function parseAnnotation(value: string): [string, string] {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new UsageError(`--annotation needs KEY=VALUE, got ${JSON.stringify(value)}`);
  let key = value.slice(0, eq);
  const colon = key.indexOf(':');
  if (colon >= 0 && /^[a-z-]+(\[[^\]]*\])?$/.test(key.slice(0, colon))) {
    const where = key.slice(0, colon);
    if (where !== 'manifest') throw new UsageError(`--annotation ${value}: only manifest annotations are supported (tsbuild writes no image index)`, 'E_UNSUPPORTED');
    key = key.slice(colon + 1);
  }
  if (!key) throw new UsageError(`--annotation needs KEY=VALUE, got ${JSON.stringify(value)}`);
  return [key, value.slice(eq + 1)];
}

const ULIMITS = ['as', 'core', 'cpu', 'data', 'fsize', 'locks', 'memlock', 'msgqueue', 'nice', 'nofile', 'nproc', 'rss', 'rtprio', 'rttime', 'sigpending', 'stack'];

/** `--ulimit NAME=SOFT[:HARD]` as docker takes it (-1: unlimited; HARD defaults to SOFT). */
export function parseUlimit(value: string): { name: string; soft: number; hard: number } {
  const m = /^([a-z]+)=(-?\d+)(?::(-?\d+))?$/.exec(value);
  if (!m) throw new UsageError(`--ulimit needs NAME=SOFT[:HARD], got ${JSON.stringify(value)}`);
  const name = m[1]!;
  if (!ULIMITS.includes(name)) {
    const near = suggest(name, ULIMITS);
    throw new UsageError(`--ulimit: unknown limit ${JSON.stringify(name)}${near ? ` (did you mean ${near}?)` : ''}`);
  }
  const soft = Number(m[2]);
  const hard = m[3] === undefined ? soft : Number(m[3]);
  if (hard >= 0 && (soft < 0 || soft > hard)) throw new UsageError(`--ulimit ${value}: the soft limit is above the hard limit`);
  return { name, soft, hard };
}

/** `--add-host HOST:IP` (or HOST=IP; an IPv6 address may be bracketed), as docker takes it. */
export function parseAddHost(value: string): { host: string; ip: string } {
  const m = /^([^:=]+)[:=](.+)$/.exec(value);
  if (!m) throw new UsageError(`--add-host needs HOST:IP, got ${JSON.stringify(value)}`);
  const host = m[1]!.trim();
  const ip = m[2]!.trim().replace(/^\[(.*)\]$/, '$1');
  if (ip === 'host-gateway') throw new UsageError('--add-host HOST:host-gateway: tsbuild has no daemon gateway address; give the IP', 'E_UNSUPPORTED');
  if (!isIP(ip)) throw new UsageError(`--add-host ${value}: ${JSON.stringify(ip)} is not an IP address`);
  if (!/^[A-Za-z0-9][A-Za-z0-9.-]*$/.test(host)) throw new UsageError(`--add-host ${value}: ${JSON.stringify(host)} is not a host name`);
  return { host, ip };
}

/** docker's sizes: `64m`, `1g`, `1048576`, `512kb` (binary units). */
export function parseBytes(value: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?$/i.exec(value.trim());
  if (!m) throw new UsageError(`${flag}: invalid size ${JSON.stringify(value)} (e.g. 64m, 1g)`);
  const n = Math.floor(Number(m[1]) * 1024 ** ' kmgt'.indexOf((m[2] || ' ').toLowerCase()));
  if (n <= 0) throw new UsageError(`${flag} must be greater than 0`);
  return n;
}

/** `--build-context NAME=docker-image://REF | oci-layout://DIR | DIR` (buildx's forms). */
export function parseBuildContext(value: string): [string, NamedContext] {
  const eq = value.indexOf('=');
  if (eq <= 0 || eq === value.length - 1) throw new UsageError(`--build-context needs NAME=VALUE, got ${JSON.stringify(value)}`);
  const name = value.slice(0, eq).toLowerCase();
  const v = value.slice(eq + 1);
  if (v.startsWith('docker-image://')) {
    const ref = v.slice('docker-image://'.length);
    if (!ref) throw new UsageError(`--build-context ${name}: docker-image:// needs an image reference`);
    return [name, { type: 'image', ref }];
  }
  if (v.startsWith('oci-layout://')) {
    const { dir, ref } = splitLayoutRef(v.slice('oci-layout://'.length));
    if (!existsSync(join(dir, 'index.json'))) throw new UsageError(`--build-context ${name}=${v}: ${dir} is not an OCI image layout (no index.json)`);
    return [name, { type: 'oci-layout', path: resolve(dir), ...(ref ? { ref } : {}) }];
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(v) || v.startsWith('git@')) throw new UsageError(`--build-context ${name}=${v}: remote contexts are not supported (tsbuild reads local directories and store images)`, 'E_UNSUPPORTED');
  if (!existsSync(v)) throw new UsageError(`--build-context ${name}=${v}: no such directory`);
  return [name, { type: 'dir', path: resolve(v) }];
}

function checkTag(value: string): string {
  if (!/^[a-z0-9][a-z0-9._\-/:@]*$/i.test(value)) throw new UsageError(`invalid tag ${JSON.stringify(value)}`);
  return value;
}

export function parseSecret(value: string): SecretSpec {
  const m = csv(value);
  const id = m.get('id');
  if (!id) usage(`--secret needs id=NAME: ${value}`);
  if (m.has('env')) return { id: id!, env: m.get('env')! };
  const src = m.get('src') ?? m.get('source');
  if (src) return { id: id!, src };
  // docker's shorthand: id only → the env var of that name
  return { id: id!, env: id! };
}

function usage(msg: string, code?: 'E_USAGE' | 'E_UNSUPPORTED'): never {
  throw new UsageError(msg, code);
}

/** how long a cancelled build may take to clean up before the process exits anyway */
const CANCEL_GRACE_MS = 10_000;

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(HELP);
    return 0;
  }
  const parsed = parseBuildFlags(argv, process.env);
  if (parsed.call === 'check') {
    const { runCheck } = await import('./check.js');
    return await runCheck({ root: parsed.options.root, context: parsed.options.context === '-' ? undefined : parsed.options.context, dockerfile: parsed.options.dockerfile, text: parsed.dockerfileFromStdin ? readFileSync(0, 'utf8') : undefined, buildArgs: parsed.options.buildArgs, debug: parsed.debug });
  }
  if (parsed.call === 'targets' || parsed.call === 'outline') {
    const { readDockerfile } = await import('../../plan/readDockerfile.js');
    const source = parsed.dockerfileFromStdin ? { text: readFileSync(0, 'utf8'), file: 'Dockerfile' } : await readDockerfile(parsed.options);
    const o = await import('./outline.js');
    process.stdout.write(parsed.call === 'targets' ? o.targets(source) : o.outline({ ...source, ...(parsed.options.target ? { target: parsed.options.target } : {}) }));
    return 0;
  }
  if (parsed.iidfile) needDir(parsed.iidfile, '--iidfile');
  if (parsed.metadataFile) needDir(parsed.metadataFile, '--metadata-file');
  const stdoutOutput = parsed.options.outputs?.find((o) => 'dest' in o && o.dest === '-') as { dest: string } | undefined;
  if (stdoutOutput && process.stdout.isTTY) throw new UsageError('refusing to write the tar to a terminal: redirect stdout (-o - > image.tar)');
  if ((parsed.contextFromStdin || parsed.dockerfileFromStdin) && process.stdin.isTTY) {
    throw new UsageError(`${parsed.contextFromStdin ? 'CONTEXT -' : '-f -'} reads ${parsed.contextFromStdin ? 'a tar of the context (or a Dockerfile)' : 'the Dockerfile'} from stdin, which is a terminal: redirect it (< file)`);
  }
  const cleanups: (() => void)[] = [];
  if (parsed.dockerfileFromStdin) parsed.options.dockerfileText = readFileSync(0, 'utf8');
  if (parsed.contextFromStdin) {
    const { contextFromStdin } = await import('../stdinContext.js');
    const c = contextFromStdin(readFileSync(0));
    cleanups.push(c.cleanup);
    parsed.options.context = c.dir;
    if (c.dockerfileText !== undefined) parsed.options.dockerfileText = c.dockerfileText;
    // with a tar context, -f names a file inside the tar (as docker takes it)
    else if (parsed.options.dockerfile && !isAbsolute(parsed.options.dockerfile)) parsed.options.dockerfile = join(c.dir, parsed.options.dockerfile);
  }
  if (parsed.options.dockerfileText !== undefined) registerSource(parsed.options.dockerfile ?? 'Dockerfile', parsed.options.dockerfileText);
  if (stdoutOutput) {
    // the library writes files; the tar reaches stdout from a private temp file after the build
    const dir = mkdtempSync(join(tmpdir(), 'tsbuild-out-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    stdoutOutput.dest = join(dir, 'out.tar');
  }
  const { createRenderer, resolveMode } = await import('../render/index.js');
  const { colorWanted } = await import('../render/style.js');
  const { build } = await import('../../build.js');
  // TSBUILD_SNAPSHOTTER=overlay|copy pins what is otherwise chosen by the kernel (overlayfs usable or not)
  const pinned = process.env.TSBUILD_SNAPSHOTTER;
  if (pinned && pinned !== 'auto') {
    if (pinned === 'copy') parsed.options.snapshotter = new (await import('../../snapshot/copy.js')).CopySnapshotter();
    else if (pinned === 'overlay') parsed.options.snapshotter = new (await import('../../snapshot/overlay.js')).OverlaySnapshotter();
    else throw new UsageError(`TSBUILD_SNAPSHOTTER must be overlay, copy or auto (got ${JSON.stringify(pinned)})`);
  }
  const err = process.stderr;
  const mode = resolveMode(parsed.progress, !!err.isTTY, process.env);
  const view = createRenderer(mode, err, {
    color: colorWanted(!!err.isTTY, process.env),
    debug: parsed.debug,
    columns: () => err.columns || Number(process.env.COLUMNS) || 80,
    rows: () => err.rows || Number(process.env.LINES) || 24,
  });
  // what the exit guard names if the build is ever left pending (cli/pending.ts)
  const onEvent = (e: Parameters<NonNullable<BuildOptions['onEvent']>>[0]): void => {
    if (e.type === 'step-start') noteActivity(`step ${e.index}/${e.total} ${e.name}`);
    else if (e.type === 'step-done') noteActivity(`after ${e.name}`);
    else if (e.type === 'export') noteActivity(`exporting ${e.output}${e.dest ? ` to ${e.dest}` : ''}`);
    view.onEvent?.(e);
  };
  const ac = new AbortController();
  let interrupted = 0;
  const onSigint = () => {
    interrupted++;
    if (interrupted > 1) {
      view.abort();
      process.exit(130);
    }
    view.note('cancelling build…');
    ac.abort(new Error('interrupted'));
    // A cancelled build ends within seconds, whatever it was doing: the abort stops steps, RUN
    // processes and transfers; should some operation not heed it, give up waiting. What is left
    // (mounts, scratch, secret copies) is this process's and removed by the next run (snapshot/reap.ts).
    setTimeout(() => {
      process.stderr.write(`tsbuild: cancellation did not finish within ${CANCEL_GRACE_MS / 1000} s; exiting (the next run on the store removes what is left)\n`);
      process.exit(130);
    }, CANCEL_GRACE_MS).unref();
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  try {
    const result = await build({ ...parsed.options, signal: ac.signal, onEvent });
    view.finish(true);
    // docker's image ID is the config digest (what `docker images` shows and --iidfile holds)
    if (parsed.iidfile) writeOut(parsed.iidfile, result.platforms ? result.imageDigest : result.configDigest, '--iidfile');
    if (parsed.metadataFile) writeOut(parsed.metadataFile, `${JSON.stringify(metadata(result, parsed), null, 2)}\n`, '--metadata-file');
    if (stdoutOutput) await copyToStdout(stdoutOutput.dest, ac.signal);
    if (parsed.explain) process.stderr.write(explain(result.steps));
    if (parsed.quiet) {
      if (!stdoutOutput) process.stdout.write(`${result.configDigest}\n`);
    } else if (mode === 'plain') process.stderr.write(`\nwriting image ${result.configDigest} done${parsed.options.tags?.length ? `\nnaming to ${parsed.options.tags.join(', ')} done` : ''}\n`);
    else if (mode === 'tty') process.stderr.write(`image ${result.configDigest}${parsed.options.tags?.length ? ` named ${parsed.options.tags.join(', ')}` : ''}\n`);
    return 0;
  } catch (e) {
    view.finish(false);
    if (ac.signal.aborted) {
      renderError(e, process.stderr, { debug: parsed.debug });
      return 130;
    }
    // the failed step's last lines: plain printed them as they came; tty showed only a few and quiet none
    const data = (e as { data?: { output?: string[]; step?: string } }).data;
    if (data?.output?.length && mode !== 'plain' && mode !== 'rawjson') {
      process.stderr.write(`------\n > ${data.step ?? 'the failed step'}:\n${data.output.map((l) => `   ${l}`).join('\n')}\n------\n`);
    }
    return renderError(e, process.stderr, { debug: parsed.debug });
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
    for (const c of cleanups) {
      try { c(); } catch { /* best effort */ }
    }
    // cancelled while the tar went to stdout: what is still queued for it is a cut archive the
    // reader may never take; exit without waiting for it to flush (as cli/cancel.ts does for save)
    if (stdoutOutput && ac.signal.aborted) process.exit(130);
  }
}

/**
 * `--metadata-file`: what buildx writes (containerimage.digest = the manifest digest,
 * containerimage.config.digest = the image ID, image.name) plus tsbuild's own: the context bytes
 * read and every step with its cache outcome, miss reason, cache key, duration and layer.
 */
export function metadata(result: BuildResult, parsed: ParsedBuild): Record<string, unknown> {
  return {
    'containerimage.digest': result.imageDigest,
    // several platforms: the digest is the index's, which has no config (as buildx)
    ...(result.platforms ? { 'containerimage.descriptor': { mediaType: 'application/vnd.oci.image.index.v1+json', digest: result.imageDigest } } : { 'containerimage.config.digest': result.configDigest }),
    ...(parsed.options.tags?.length ? { 'image.name': parsed.options.tags.join(',') } : {}),
    contextBytesRead: result.contextBytesRead ?? 0,
    steps: result.steps.map((s) => ({ name: s.name, cached: s.cached, ...(s.missReason ? { missReason: s.missReason } : {}), cacheKey: s.cacheKey, durationMs: s.durationMs, layer: s.layer })),
  };
}

/** `--explain`: every step, hit or miss, and why (the first input that changed). */
export function explain(steps: StepRecord[]): string {
  // the same reading of reasons as the views: a stage on a changed stage says so
  const reasons = new MissReasons();
  const rows = steps.map((s, i) => {
    const isFrom = / FROM /.test(s.name) && s.index === 1;
    reasons.started(String(i), s.stage, s.name);
    const what = isFrom ? 'base' : s.cached ? 'HIT' : 'MISS';
    let why = isFrom ? '' : s.cached ? 'same inputs as an earlier build' : (s.missReason ?? '');
    if (!isFrom && !s.cached && s.missReason) why = (s.missReason === NO_EARLIER_BUILD ? reasons.shown(String(i), s.missReason) : (reasons.shown(String(i), s.missReason), undefined)) ?? why;
    return [what, s.name, why] as const;
  });
  const hits = rows.filter((r) => r[0] === 'HIT').length;
  const misses = rows.filter((r) => r[0] === 'MISS').length;
  const w = Math.min(70, Math.max(...rows.map((r) => r[1].length)));
  const line = ([what, name, why]: readonly [string, string, string]) => `  ${what.padEnd(4)}  ${(name.length > w ? `${name.slice(0, w - 1)}…` : name).padEnd(w)}  ${why}`.trimEnd();
  return `\nCache explanation (${hits} hit, ${misses} miss):\n${rows.map(line).join('\n')}\n`;
}

/** A file named by a flag must have a directory to go to: said before the build, not after it. */
function needDir(file: string, flag: string): void {
  const dir = dirname(resolve(file));
  if (!existsSync(dir)) throw new BuildError('E_OUTPUT', `${flag} ${file}: directory ${dir} does not exist`, { data: { path: file, hint: `create ${dir} first, or give ${flag} a path in an existing directory` } });
}

function writeOut(file: string, text: string, flag: string): void {
  try {
    writeFileSync(file, text);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new BuildError('E_OUTPUT', `the image was built, but ${flag} ${file} could not be written: ${e.code === 'ENOENT' ? 'its directory does not exist' : e.code === 'EACCES' ? 'permission denied' : e.message}`, { data: { path: file, hint: 'the build is cached: run it again with a writable path' }, cause: err });
  }
}

async function copyToStdout(file: string, signal: AbortSignal): Promise<void> {
  try {
    await pipeline(createReadStream(file), process.stdout, { end: false, signal });
  } catch (err) {
    if (signal.aborted) throw new BuildError('E_CANCELLED', `build cancelled: ${(signal.reason as Error).message}`, { cause: signal.reason });
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EPIPE') return; // the reader went away (`| head`): not our failure
    throw new BuildError('E_OUTPUT', `writing the tar to stdout failed: ${e.message}`, { cause: err });
  }
}
