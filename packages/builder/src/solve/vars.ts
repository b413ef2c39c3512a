/**
 * Variables one stage sees, in BuildKit's order: the base image's Env, then ARG and ENV
 * instructions as they come (a later definition of a name replaces the earlier one in place).
 * `lookup` feeds word expansion; `runEnv()` is the environment of RUN; `declaredArgs` is what
 * BuildKit prints as `|N K=V` in RUN history.
 */
import type { VarLookup } from '@tsbuild/parser';

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** ARGs usable without declaration, never written to history (BuildKit's predefined args). */
export const PROXY_ARGS = ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'FTP_PROXY', 'ftp_proxy', 'NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy'];

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
   * FROM <earlier stage>: the child's build state starts from the parent's (BuildKit's
   * dispatchState.init: `ds.state = ds.base.state`), so ARG values of the parent stage stay in the
   * environment of RUN and of word expansion. They are not re-listed in RUN history (`docker build`,
   * BuildKit v0.8; current BuildKit also copies the parent's build args and prints them as `|N`).
   */
  inheritEnv(parent: StageVars): void {
    this.entries = new Map(parent.entries);
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
    // a re-declared ARG is listed twice, as `docker build` (BuildKit v0.8) prints it: `|2 W=x W=x`
    this.declaredArgs.push({ name, value });
    if (value !== undefined) this.set(name, value);
    return value;
  }

  /** `|N K=V ...` prefix BuildKit writes in RUN history (empty when no ARGs are declared) */
  historyArgs(): string[] {
    if (this.declaredArgs.length === 0) return [];
    return [`|${this.declaredArgs.length}`, ...this.declaredArgs.map((a) => `${a.name}=${this.get(a.name) ?? a.value ?? ''}`)];
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
