import type { ArgDecl, KeyValue, VarLookup } from './types.js';


/**
 * BuildKit's ARG/ENV scoping as plain data (no I/O, no expansion — feed it already-expanded values,
 * e.g. from `expandInstruction`):
 * - global scope: ARGs before the first FROM (build args override their defaults) plus the predefined
 *   ARGs (TARGETPLATFORM/OS/ARCH/VARIANT, BUILDPLATFORM/OS/ARCH/VARIANT, TARGETSTAGE); this is what FROM
 *   lines see.
 * - stage scope (`enterStage(imageEnv)`): starts with the base image's Env; a global ARG is visible only
 *   after `ARG name` re-declares it (taking the global value when it has no default); an ARG is visible
 *   from its instruction on; build args override ARG defaults. ARG and ENV both write the build state's
 *   env and the later one wins (so `ARG X` then `ENV X=…` gives the ENV value, as documented); only ENV
 *   reaches the image config.
 * - `usedArgs`: build args that some ARG declaration consumed.
 * - proxy build args (HTTP_PROXY, …) need no declaration; they reach RUN but are kept out of history.
 */
export interface PlatformSpec { os: string; architecture: string; variant?: string }

export interface VarScopeOptions {
  /** `--build-arg` values */
  buildArgs?: Record<string, string>;
  /** platform the stage builds for (TARGET*) and the builder's own platform (BUILD*) */
  targetPlatform?: PlatformSpec;
  buildPlatform?: PlatformSpec;
  /** name of the target stage for the predefined `TARGETSTAGE` ARG (BuildKit: `default` for an unnamed last stage) */
  targetStage?: string;
}

export const PROXY_ARGS: readonly string[] = ['HTTP_PROXY', 'HTTPS_PROXY', 'FTP_PROXY', 'NO_PROXY', 'ALL_PROXY'].flatMap((n) => [n, n.toLowerCase()]);

const platformString = (p: PlatformSpec): string => `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`;

/** TARGETPLATFORM, TARGETOS, TARGETARCH, TARGETVARIANT, BUILDPLATFORM, BUILDOS, BUILDARCH, BUILDVARIANT. */
export function platformArgs(target: PlatformSpec, build: PlatformSpec): Map<string, string> {
  const m = new Map<string, string>();
  for (const [prefix, p] of [['TARGET', target], ['BUILD', build]] as const) {
    m.set(`${prefix}PLATFORM`, platformString(p));
    m.set(`${prefix}OS`, p.os);
    m.set(`${prefix}ARCH`, p.architecture);
    m.set(`${prefix}VARIANT`, p.variant ?? '');
  }
  return m;
}

const defaultPlatform: PlatformSpec = { os: 'linux', architecture: 'amd64' };

interface ArgEntry { value: string | undefined; fromBuildArg: boolean }

/** How an ARG default is expanded when (and only when) it is used. */
export type ExpandDefault = (value: string, scope: VarScope) => string;

export class VarScope implements VarLookup {
  /** names looked up through `get` (found or not) */
  readonly referenced = new Set<string>();
  /** build args consumed by an ARG declaration (shared by the global scope and its stages) */
  readonly usedArgs: Set<string>;
  private readonly buildArgs: Map<string, string>;
  /** global scope only: declared global ARGs and predefined ARGs */
  private readonly globals: Map<string, ArgEntry>;
  private readonly parent: VarScope | undefined;
  /** stage scope: ARGs declared in the stage, in declaration order */
  private readonly args = new Map<string, ArgEntry>();
  /** stage scope: the image config Env (base image + ENV); a key keeps its slot when set again */
  private readonly env = new Map<string, string>();
  /** stage scope: the build state's env (image Env, then every ENV and valued ARG; the last write wins and moves to the end) */
  private readonly state = new Map<string, string>();

  constructor(opts: VarScopeOptions = {}, parent?: VarScope, imageEnv: readonly string[] = []) {
    this.parent = parent;
    this.buildArgs = parent ? parent.buildArgs : new Map(Object.entries(opts.buildArgs ?? {}));
    this.usedArgs = parent ? parent.usedArgs : new Set();
    this.globals = new Map();
    if (!parent) {
      const predefined = platformArgs(opts.targetPlatform ?? defaultPlatform, opts.buildPlatform ?? opts.targetPlatform ?? defaultPlatform);
      predefined.set('TARGETSTAGE', opts.targetStage ?? 'default');
      // predefined ARGs live in the global scope; a build arg of the same name overrides them
      for (const [k, v] of predefined) {
        const b = this.buildArgs.get(k);
        this.globals.set(k, b === undefined ? { value: v, fromBuildArg: false } : { value: b, fromBuildArg: true });
      }
    }
    for (const kv of imageEnv) {
      const eq = kv.indexOf('=');
      const [k, v] = eq < 0 ? [kv, ''] : [kv.slice(0, eq), kv.slice(eq + 1)];
      this.env.set(k, v);
      this.state.delete(k);
      this.state.set(k, v);
    }
  }

  get isGlobal(): boolean {
    return this.parent === undefined;
  }

  /** A stage scope below this global scope, starting from the base image's `Env` ("K=V" list). */
  enterStage(imageEnv: readonly string[] = []): VarScope {
    if (this.parent) throw new Error('enterStage must be called on the global scope');
    return new VarScope({}, this, imageEnv);
  }

  /** VarLookup for word expansion at this point (global scope: global ARGs; stage: the build state's env). */
  get(name: string): string | undefined {
    this.referenced.add(name);
    if (!this.parent) return this.globals.get(name)?.value;
    return this.state.get(name);
  }

  /** The value a global ARG (or predefined ARG) has; undefined when unset. */
  globalValue(name: string): string | undefined {
    return (this.parent ?? this).globals.get(name)?.value;
  }

  /**
   * `ARG` (BuildKit `dispatchArg`), one name after the other: a build arg wins; otherwise the default,
   * expanded now by `expandDefault` (only when it is used — `ARG B=${A:?}` is fine when B is a build arg);
   * a name with neither takes the global ARG's value. A valued ARG is set in the build state's env, so it
   * is visible to the next names of the same instruction. Without `expandDefault`, defaults are taken as
   * already expanded (e.g. from `expandInstruction`).
   */
  declareArgs(decls: readonly ArgDecl[], expandDefault?: ExpandDefault): void {
    for (const d of decls) {
      let entry: ArgEntry;
      if (this.buildArgs.has(d.name)) {
        entry = { value: this.buildArgs.get(d.name), fromBuildArg: true };
        this.usedArgs.add(d.name);
      } else if (d.value !== undefined) entry = { value: expandDefault ? expandDefault(d.value, this) : d.value, fromBuildArg: false };
      else if (this.parent && this.parent.globals.has(d.name)) {
        entry = { ...this.parent.globals.get(d.name)! };
        if (entry.fromBuildArg) this.usedArgs.add(d.name);
      } else entry = { value: undefined, fromBuildArg: false };
      if (this.parent) {
        this.args.delete(d.name);
        this.args.set(d.name, entry);
        if (entry.value !== undefined) {
          this.state.delete(d.name);
          this.state.set(d.name, entry.value);
        }
      } else this.globals.set(d.name, entry);
    }
  }

  /** `ENV` with already-expanded keys/values: image Env in place, build state env last-write-wins. */
  setEnv(pairs: readonly KeyValue[]): void {
    if (!this.parent) throw new Error('ENV outside a stage');
    for (const { key, value } of pairs) {
      this.env.set(key, value);
      this.state.delete(key);
      this.state.set(key, value);
    }
  }

  /** The image config `Env` list (ARGs never go there). */
  get imageEnv(): string[] {
    return [...this.env].map(([k, v]) => `${k}=${v}`);
  }

  /** ARGs declared in this stage that have a value, `[name, value]` in order (RUN history `|N k=v …`). */
  argsInScope(): [string, string][] {
    const out: [string, string][] = [];
    for (const [k, e] of this.args) if (e.value !== undefined) out.push([k, e.value]);
    return out;
  }

  /** Proxy build args that apply without declaration (not in history or the image config). */
  proxyEnv(): string[] {
    return PROXY_ARGS.filter((n) => this.buildArgs.has(n) && !this.state.has(n)).map((n) => `${n}=${this.buildArgs.get(n)}`);
  }

  /** Environment a RUN sees: the build state's env (image Env, ENV and ARG values, last write wins), then undeclared proxy build args. */
  envForRun(opts: { includeProxy?: boolean } = {}): string[] {
    const out = [...this.state].map(([k, v]) => `${k}=${v}`);
    if (opts.includeProxy ?? true) out.push(...this.proxyEnv());
    return out;
  }

  /** Build args given but never consumed by an ARG (BuildKit warns about these); proxies excluded. */
  unusedBuildArgs(): string[] {
    return [...this.buildArgs.keys()].filter((k) => !this.usedArgs.has(k) && !PROXY_ARGS.includes(k));
  }
}
