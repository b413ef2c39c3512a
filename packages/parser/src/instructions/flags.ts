/**
 * BuildKit `BFlags`: `--name=value` / `--name` flags declared per instruction; unknown, duplicate, or
 * malformed flags are `E_FLAG` errors naming the flag.
 */
import type { ErrorCode } from '@tsbuild/errors';
type Kind = 'string' | 'bool' | 'strings';
interface Decl { kind: Kind; values: string[]; given: boolean; bool?: boolean }

export class FlagSet {
  private readonly decls = new Map<string, Decl>();
  private parsed = false;

  constructor(private readonly raw: string[], private readonly fail: (code: ErrorCode, message: string) => never) {}

  private declare(name: string, kind: Kind): Decl {
    const d: Decl = { kind, values: [], given: false };
    this.decls.set(name, d);
    return d;
  }

  /** Declares flags, then parses; call once per instruction with every flag the instruction supports. */
  parse(spec: Record<string, Kind>): ParsedFlags {
    for (const [name, kind] of Object.entries(spec)) this.declare(name, kind);
    if (!this.parsed) this.parseRaw();
    return new ParsedFlags(this.decls);
  }

  private parseRaw(): void {
    this.parsed = true;
    for (const arg of this.raw) {
      if (!arg.startsWith('--')) this.fail('E_FLAG', `arg should start with -- : ${arg}`);
      if (arg === '--') return;
      const body = arg.slice(2);
      const eq = body.indexOf('=');
      const name = eq < 0 ? body : body.slice(0, eq);
      const value = eq < 0 ? undefined : body.slice(eq + 1);
      const d = this.decls.get(name);
      if (!d) return this.fail('E_FLAG', `unknown flag: ${name}`);
      if (d.given && d.kind !== 'strings') this.fail('E_FLAG', `duplicate flag specified: ${name}`);
      d.given = true;
      if (d.kind === 'bool') {
        if (value === '') this.fail('E_FLAG', `missing a value on flag: ${name}`); // `--link=` (but `--link` is true)
        const v = value === undefined ? 'true' : value.toLowerCase();
        if (v === 'true') d.bool = true;
        else if (v === 'false') d.bool = false;
        else this.fail('E_FLAG', `expecting boolean value for flag ${name}, not: ${value}`);
      } else {
        if (value === undefined) this.fail('E_FLAG', `missing a value on flag: ${name}`);
        d.values.push(value!);
      }
    }
  }
}

export class ParsedFlags {
  constructor(private readonly decls: Map<string, Decl>) {}
  string(name: string): string | undefined {
    const d = this.decls.get(name);
    return d?.given ? d.values[d.values.length - 1] : undefined;
  }
  strings(name: string): string[] {
    return [...(this.decls.get(name)?.values ?? [])];
  }
  bool(name: string): boolean {
    return this.decls.get(name)?.bool ?? false;
  }
  /** undefined when the flag was not given */
  optionalBool(name: string): boolean | undefined {
    const d = this.decls.get(name);
    return d?.given ? d.bool : undefined;
  }
  given(name: string): boolean {
    return this.decls.get(name)?.given ?? false;
  }
}
