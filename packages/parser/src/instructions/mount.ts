import type { MountSpec } from '../types.js';

/**
 * `RUN --mount=<csv>` (BuildKit `commands_runmount.go`): CSV fields `key=value` or bare `ro`/`rw`/`required`,
 * with BuildKit's defaults filled in. `strict: false` (parse time, words not yet expanded) skips checks on
 * values that still contain `$`; `expandInstruction` re-parses the expanded text strictly.
 */
export class MountError extends Error {}

type MountType = MountSpec['type'];
const TYPES = new Set<MountType>(['bind', 'cache', 'tmpfs', 'secret', 'ssh']);

/** Go encoding/csv, one record: commas separate, `"…"` quotes a field, `""` is a quote inside it. */
export function splitCsv(s: string): string[] {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (s[i] === '"') {
      i++;
      for (;;) {
        if (i >= s.length) throw new MountError(`extraneous or missing " in quoted-field`);
        if (s[i] === '"') {
          if (s[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += s[i++];
      }
      if (i < s.length && s[i] !== ',') throw new MountError(`extraneous or missing " in quoted-field`);
    } else {
      const c = s.indexOf(',', i);
      field = c < 0 ? s.slice(i) : s.slice(i, c);
      if (field.includes('"')) throw new MountError(`bare " in non-quoted-field`);
      i = c < 0 ? s.length : c;
    }
    out.push(field);
    if (i >= s.length) break;
    i++; // comma
  }
  return out;
}

const parseBool = (key: string, v: string): boolean => {
  const l = v.toLowerCase();
  if (['1', 't', 'true'].includes(l)) return true;
  if (['0', 'f', 'false'].includes(l)) return false;
  throw new MountError(`invalid value for ${key}: ${v}`);
};

const parseUint = (key: string, v: string, radix: 8 | 10): number => {
  const re = radix === 8 ? /^[0-7]+$/ : /^\d+$/;
  const n = Number.parseInt(v, radix);
  if (!re.test(v) || n > 0xffffffff) throw new MountError(`invalid value ${v} for ${key}`);
  return n;
};

/** docker/go-units RAMInBytes: `64m`, `1g`, `512k`, `1024` (binary multiples). */
export function ramInBytes(v: string): number {
  const m = /^(\d+(?:\.\d+)?) ?([kmgtp]?)(i?b)?$/i.exec(v);
  if (!m) throw new MountError(`invalid size: '${v}'`);
  const mult: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };
  return Math.floor(Number(m[1]) * mult[m[2]!.toLowerCase()]!);
}

const basename = (p: string): string => {
  const t = p.replace(/\/+$/, '');
  const i = t.lastIndexOf('/');
  return t.slice(i + 1) || '/';
};

/** `expand`, when given, is applied to every `key=value` value first (BuildKit expands mount fields). */
export function parseMount(spec: string, sshIndex: number, strict: boolean, expand?: (value: string) => string): MountSpec {
  const pending = (v: string): boolean => !strict && v.includes('$');
  let type: MountType = 'bind';
  let readonly: boolean | undefined;
  let required = false;
  let source: string | undefined, target: string | undefined, id: string | undefined, from: string | undefined, env: string | undefined;
  let sharing: string | undefined;
  let mode: number | undefined, uid: number | undefined, gid: number | undefined, size: number | undefined;
  let ownerSet = false;
  for (const field of splitCsv(spec)) {
    const eq = field.indexOf('=');
    const key = (eq < 0 ? field : field.slice(0, eq)).toLowerCase();
    if (eq < 0) {
      if (key === 'readonly' || key === 'ro') readonly = true;
      else if (key === 'readwrite' || key === 'rw') readonly = false;
      else if (key === 'required') {
        if (type !== 'secret' && type !== 'ssh') throw new MountError(`unexpected key '${key}' for mount type '${type}'`);
        required = true;
      } else throw new MountError(`invalid field '${field}' must be a key=value pair`);
      continue;
    }
    const value = expand ? expand(field.slice(eq + 1)) : field.slice(eq + 1);
    switch (key) {
      case 'type': {
        const t = value.toLowerCase() as MountType;
        if (!TYPES.has(t)) {
          if (pending(value)) break;
          throw new MountError(`unsupported mount type "${value}"`);
        }
        type = t;
        break;
      }
      case 'source': case 'src': source = value; break;
      case 'target': case 'dst': case 'destination': target = value; break;
      case 'readonly': case 'ro': if (!pending(value)) readonly = parseBool(key, value); break;
      case 'readwrite': case 'rw': if (!pending(value)) readonly = !parseBool(key, value); break;
      case 'required':
        if (type !== 'secret' && type !== 'ssh') throw new MountError(`unexpected key '${key}' for mount type '${type}'`);
        if (!pending(value)) required = parseBool(key, value);
        break;
      case 'id': id = value; break;
      case 'sharing': {
        const l = value.toLowerCase();
        if (l === 'shared' || l === 'private' || l === 'locked') sharing = l;
        else if (!pending(value)) throw new MountError(`unsupported sharing value "${value}"`);
        break;
      }
      case 'from':
        if (/\$./.test(field.slice(eq + 1))) throw new MountError("'from' doesn't support variable expansion, define alias stage instead");
        // `from=` (empty) is no from at all (BuildKit: Mount.From == "" means the build context / scratch)
        from = value === '' ? undefined : value;
        break;
      case 'mode': ownerSet = true; if (!pending(value)) mode = parseUint('mode', value, 8); break;
      case 'uid': ownerSet = true; if (!pending(value)) uid = parseUint('uid', value, 10); break;
      case 'gid': ownerSet = true; if (!pending(value)) gid = parseUint('gid', value, 10); break;
      case 'size':
        if (type !== 'tmpfs') throw new MountError(`unexpected key 'size' for mount type '${type}'`);
        if (!pending(value)) size = ramInBytes(value);
        break;
      case 'env': env = value; break;
      default: throw new MountError(`unexpected key '${key}' in '${field}'`);
    }
  }
  const fileInfo = type === 'secret' || type === 'ssh' || type === 'cache';
  if (!fileInfo) {
    if (mode !== undefined) throw new MountError(`mode not allowed for "${type}" type mounts`);
    if (uid !== undefined) throw new MountError(`uid not allowed for "${type}" type mounts`);
    if (gid !== undefined) throw new MountError(`gid not allowed for "${type}" type mounts`);
  }
  if (sharing !== undefined && type !== 'cache') throw new MountError(`invalid cache sharing set for ${type} mount`);
  const needTarget = (): string => {
    if (!target) throw new MountError(`mount type ${type} requires a target`);
    return target;
  };
  switch (type) {
    case 'bind': {
      const m: MountSpec = { type, target: needTarget(), readwrite: readonly === false };
      if (source !== undefined) m.source = source;
      if (from !== undefined) m.from = from;
      return m;
    }
    case 'cache': {
      const t = needTarget();
      const m: MountSpec = { type, target: t, id: id ?? t, sharing: (sharing ?? 'shared') as 'shared', readonly: readonly ?? false, uid: uid ?? 0, gid: gid ?? 0, mode: mode ?? 0o755 };
      if (source !== undefined) m.source = source;
      if (from !== undefined) m.from = from;
      if (ownerSet) m.ownerSet = true;
      return m;
    }
    case 'tmpfs': {
      const m: MountSpec = { type, target: needTarget() };
      if (size !== undefined) m.size = size;
      return m;
    }
    case 'secret': {
      if (from !== undefined) throw new MountError('secret mount should not have a from');
      if (source === undefined && target === undefined && id === undefined && env === undefined) throw new MountError('invalid secret mount. one of source, target required');
      if (source !== undefined && id !== undefined) throw new MountError("both source and id can't be set");
      const sid = id ?? source ?? (target !== undefined ? basename(target) : env!);
      const m: MountSpec = { type, id: sid, required, uid: uid ?? 0, gid: gid ?? 0, mode: mode ?? 0o400 };
      if (target !== undefined) m.target = target;
      else if (env === undefined) m.target = `/run/secrets/${basename(sid)}`;
      if (env !== undefined) m.env = env;
      return m;
    }
    case 'ssh': {
      if (from !== undefined) throw new MountError('ssh mount should not have a from');
      const m: MountSpec = { type, id: id ?? 'default', required, uid: uid ?? 0, gid: gid ?? 0, mode: mode ?? 0o600, target: target ?? `/run/buildkit/ssh_agent.${sshIndex}` };
      return m;
    }
  }
}
