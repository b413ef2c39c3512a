/**
 * The one ARG/ENV scoping engine (the parser only expands words against a `VarLookup`).
 * Variables one stage sees, in BuildKit's order: the base image's Env, then ARG and ENV
 * instructions as they come (a later definition of a name replaces the earlier one in place).
 * `lookup` feeds word expansion; `runEnv()` is the environment of RUN; `declaredArgs` is what
 * BuildKit prints as `|N K=V` in RUN history. The global scope (ARGs before the first FROM) is
 * plan/planBuild.ts; the predefined ARGs are `platformArgs` + TARGETSTAGE (build.ts).
 * ARG names are used as written, never expanded: current BuildKit's dispatch() skips
 * ArgCommand.Expand (dockerfile2llb/convert.go; fixture arg-name-literal).
 */
import type { VarLookup } from '@tsbuild/parser';

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** ARGs usable without declaration, never written to history (BuildKit's predefined args). */
export const PROXY_ARGS = ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'FTP_PROXY', 'ftp_proxy', 'NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy'];

export interface PlatformSpec { os: string; architecture: string; variant?: string; osVersion?: string }

/**
 * BuildKit's predefined platform ARGs (dockerfile2llb/platform.go `defaultArgs`): BUILD/TARGET ×
 * PLATFORM, OS, OSVERSION, ARCH, VARIANT — set even when empty. TARGETSTAGE is added by planBuild.
 */
export function platformArgs(target: PlatformSpec, build: PlatformSpec): Map<string, string> {
  const m = new Map<string, string>();
  for (const [prefix, p] of [['BUILD', build], ['TARGET', target]] as const) {
    m.set(`${prefix}PLATFORM`, `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`);
    m.set(`${prefix}OS`, p.os);
    m.set(`${prefix}OSVERSION`, p.osVersion ?? '');
    m.set(`${prefix}ARCH`, p.architecture);
    m.set(`${prefix}VARIANT`, p.variant ?? '');
  }
  return m;
}

/**
 * The global scope as a lookup, what FROM lines and global ARG defaults expand against: the
 * predefined ARGs (build args override them), then the global ARGs resolved so far (unset ones absent).
 */
export function globalVars(builtins: ReadonlyMap<string, string>, globalArgs: ReadonlyMap<string, string | undefined>): StageVars {
  const vars = new StageVars([], new Map(), {});
  for (const [k, v] of builtins) vars.setEnv(k, v);
  for (const [k, v] of globalArgs) if (v !== undefined) vars.setEnv(k, v);
  return vars;
}

export class StageVars implements VarLookup {
  /**
   * ordered env of the build state (image Env + ARG values + ENV): a Map, whose insertion order is
   * the order and whose delete + set moves a redefined name to the end — one hash lookup per
   * access (an array searched per lookup made 30,000 ENV lines quadratic: ~1 min)
   */
  private entries = new Map<string, string>();
  /** ARGs declared in this stage, with the value they resolved to */
  readonly declaredArgs: { name: string; value?: string }[] = [];

  constructor(
    imageEnv: readonly string[],
    /** global ARGs (before the first FROM) with build-arg overrides applied */
    private readonly globalArgs: ReadonlyMap<string, string | undefined>,
    /** --build-arg values */
    private readonly buildArgs: Readonly<Record<string, string>>,
    /** values of BuildKit's automatic ARGs (TARGETPLATFORM …, TARGETSTAGE), used once declared */
    private readonly builtins: ReadonlyMap<string, string> = new Map(),
  ) {
    for (const kv of imageEnv) {
      const i = kv.indexOf('=');
      this.set(i < 0 ? kv : kv.slice(0, i), i < 0 ? '' : kv.slice(i + 1));
    }
  }

  get(name: string): string | undefined {
    return this.entries.get(name);
  }

  /**
   * FROM <earlier stage>: the child's build state starts from the parent's (current BuildKit's
   * dispatchState.init: `ds.state = ds.base.state`, `ds.buildArgs = append(ds.buildArgs,
   * ds.base.buildArgs...)`), so ARG values of the parent stage stay in the environment of RUN and of
   * word expansion, and its ARGs head the child's RUN history `|N` list. (docker 20.10's BuildKit
   * v0.8 did not list them; fixture stage-inherit.)
   */
  inheritEnv(parent: StageVars): void {
    this.entries = new Map(parent.entries);
    this.declaredArgs.splice(0, this.declaredArgs.length, ...parent.declaredArgs.map((a) => ({ ...a })));
  }

  /** ENV name=value */
  setEnv(name: string, value: string): void {
    this.set(name, value);
  }

  /** true when --build-arg gives this name (its default is then never expanded) */
  hasBuildArg(name: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.buildArgs, name);
  }

  /** ARG name[=default]: build arg wins, then the default, then the global ARG's value, then a builtin */
  declareArg(name: string, dflt: string | undefined): string | undefined {
    let value = Object.prototype.hasOwnProperty.call(this.buildArgs, name) ? this.buildArgs[name] : dflt;
    if (value === undefined && this.globalArgs.has(name)) value = this.globalArgs.get(name);
    if (value === undefined) value = this.builtins.get(name);
    this.declaredArgs.push({ name, value });
    if (value !== undefined) this.set(name, value);
    return value;
  }

  /**
   * `|N K=V ...` prefix BuildKit writes in RUN history (empty when no ARGs are declared): current
   * BuildKit's runCommandString (dockerfile2llb/convert.go) — each declared ARG once, at its first
   * declaration's place, with the value the build env has now (else the ARG's own, else empty).
   * (docker 20.10's BuildKit v0.8 listed a re-declared ARG twice: `|2 W=x W=x`.)
   */
  historyArgs(): string[] {
    const slot = new Map<string, number>();
    const out: string[] = [];
    for (const a of this.declaredArgs) {
      const kv = `${a.name}=${this.get(a.name) ?? a.value ?? ''}`;
      const i = slot.get(a.name);
      if (i === undefined) {
        slot.set(a.name, out.length);
        out.push(kv);
      } else out[i] = kv;
    }
    return out.length === 0 ? [] : [`|${out.length}`, ...out];
  }

  /** Environment of RUN: the state env, proxy build args, PATH defaulted when absent. */
  runEnv(): string[] {
    const out = [...this.entries].map(([k, v]) => `${k}=${v}`);
    // proxy build args reach RUN without an ARG, in both cases (BuildKit's llb.WithProxy); not in the key
    const seen = new Set(this.entries.keys());
    for (const p of PROXY_ARGS) {
      const v = this.buildArgs[p] ?? this.buildArgs[p.toLowerCase()] ?? this.buildArgs[p.toUpperCase()];
      if (v === undefined || !Object.prototype.hasOwnProperty.call(this.buildArgs, p) && !Object.prototype.hasOwnProperty.call(this.buildArgs, p.toLowerCase()) && !Object.prototype.hasOwnProperty.call(this.buildArgs, p.toUpperCase())) continue;
      if (!seen.has(p)) out.push(`${p}=${v}`);
      seen.add(p);
    }
    if (this.get('PATH') === undefined) out.unshift(`PATH=${DEFAULT_PATH}`);
    return out;
  }

  /** ARG values that RUN sees, for the cache key (proxy args excluded, like BuildKit) */
  keyEnv(): string[] {
    return [...this.entries].map(([k, v]) => `${k}=${v}`);
  }

  private set(name: string, value: string): void {
    this.entries.delete(name);
    this.entries.set(name, value);
  }
}
