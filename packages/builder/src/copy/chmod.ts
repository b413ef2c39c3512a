/**
 * --chmod values as BuildKit accepts them: an octal number ≤ 07777, or a symbolic mode as chmod(1)
 * / BSD setmode(3) describe it (`u+x,g-w`, `a=rX`, `go=u-w`, `+t`). Clauses without a "who"
 * are masked by the builder's umask (022), as BuildKit's daemon does. The mode replaces the
 * permission bits (and setuid/setgid/sticky) of every copied entry, directories included.
 */
import { BuildError } from '../errors.js';

export type ChmodSpec =
  | { kind: 'octal'; mode: number; text: string }
  | { kind: 'symbolic'; text: string; apply(mode: number, isDir: boolean): number };

const S_ISUID = 0o4000, S_ISGID = 0o2000, S_ISVTX = 0o1000;
const RWXU = 0o700, RWXG = 0o070, RWXO = 0o007;
const STANDARD = S_ISUID | S_ISGID | RWXU | RWXG | RWXO;
const UMASK = 0o022;

interface Clause { who: number; op: '+' | '-' | '='; perm: number; permX: boolean; copy?: 'u' | 'g' | 'o' }

function nonOctal(text: string): BuildError {
  return new BuildError('E_CHMOD', `invalid chmod parameter: '${text}'. it should be octal string and between 0 and 07777`, { data: { chmod: text } });
}

export function parseChmod(text: string): ChmodSpec {
  if (/^[0-7]+$/.test(text)) {
    const mode = parseInt(text, 8);
    if (mode > 0o7777) throw nonOctal(text);
    return { kind: 'octal', mode, text };
  }
  if (text === '' || /^[0-9]/.test(text)) throw nonOctal(text);
  const clauses = parseSymbolic(text);
  return { kind: 'symbolic', text, apply: (mode, isDir) => applyClauses(clauses, mode, isDir) };
}

function parseSymbolic(text: string): Clause[] {
  const out: Clause[] = [];
  const bad = () => new BuildError('E_CHMOD', `invalid chmod parameter: '${text}': invalid syntax`, { data: { chmod: text } });
  for (const part of text.split(',')) {
    let i = 0;
    let who = 0;
    for (; i < part.length; i++) {
      const c = part[i];
      if (c === 'a') who |= STANDARD;
      else if (c === 'u') who |= S_ISUID | RWXU;
      else if (c === 'g') who |= S_ISGID | RWXG;
      else if (c === 'o') who |= RWXO;
      else break;
    }
    if (i >= part.length) throw bad();
    while (i < part.length) {
      const op = part[i] as Clause['op'];
      if (op !== '+' && op !== '-' && op !== '=') throw bad();
      i++;
      let perm = 0;
      let permX = false;
      let copy: Clause['copy'];
      let clauseWho = who;
      for (; i < part.length; i++) {
        const c = part[i];
        if (c === 'r') perm |= 0o444;
        else if (c === 'w') perm |= 0o222;
        else if (c === 'x') perm |= 0o111;
        else if (c === 'X') permX = op === '+' || permX;
        else if (c === 's') { if (who === 0 || (who & ~RWXO) !== 0) perm |= S_ISUID | S_ISGID; }
        else if (c === 't') { if (who === 0 || (who & ~RWXO) !== 0) { clauseWho |= who === 0 ? 0 : S_ISVTX; perm |= S_ISVTX; } }
        else if (c === 'u' || c === 'g' || c === 'o') { copy = c; }
        else break;
      }
      out.push({ who: clauseWho, op, perm, permX, copy });
    }
  }
  return out;
}

function applyClauses(clauses: Clause[], mode: number, isDir: boolean): number {
  const orig = mode;
  let m = mode & 0o7777;
  for (const c of clauses) {
    const mask = c.who !== 0 ? c.who : ~UMASK & (STANDARD | S_ISVTX);
    let bits = c.perm;
    if (c.copy) {
      const shift = c.copy === 'u' ? 6 : c.copy === 'g' ? 3 : 0;
      const v = (m >> shift) & 0o7;
      bits |= (v << 6) | (v << 3) | v;
    }
    if (c.permX && (isDir || (orig & 0o111) !== 0)) bits |= 0o111;
    if (c.op === '=') {
      m &= ~(c.who !== 0 ? c.who : STANDARD);
      m |= bits & mask;
    } else if (c.op === '+') m |= bits & mask;
    else m &= ~(bits & mask);
  }
  return m;
}

/** Permission + special bits for an entry under a --chmod spec. */
export function chmodMode(spec: ChmodSpec, currentMode: number, isDir: boolean): number {
  return spec.kind === 'octal' ? spec.mode : spec.apply(currentMode & 0o7777, isDir);
}
