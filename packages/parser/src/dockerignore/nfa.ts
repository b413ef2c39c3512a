/**
 * The one matcher for .dockerignore patterns that need more than a string compare: a full-match
 * NFA over code points for the programs both compilers emit (compile.ts for plain globs,
 * goregexp.ts for Go regexps with classes and escapes): a sequence of single-character tests
 * (`one`), starred ones (`star`, Go `x*`), and the optional group of any characters ending in a
 * slash that `**` becomes (`seg`). Simulating the state set is linear in the path length, where a
 * backtracking RegExp can explode on `*a*a*a*b` or `[a]*[a]*[a]*b`.
 */
export type CharTest = (cp: number) => boolean;
/**
 * One node; every node has the same shape (so the matcher's loop stays monomorphic). Its character
 * test is `eq` (this code point), else `ne` (any but this one), else `test`; `seg` has none.
 */
export interface NfaNode {
  readonly kind: 'one' | 'star' | 'seg';
  readonly eq: number;
  readonly ne: number;
  readonly test: CharTest | undefined;
}

/** a literal character */
export const lit = (cp: number): NfaNode => ({ kind: 'one', eq: cp, ne: -1, test: undefined });
/** any character but `cp` */
export const notCp = (cp: number): NfaNode => ({ kind: 'one', eq: -1, ne: cp, test: undefined });
/** a character `test` accepts (classes) */
export const oneOf = (test: CharTest): NfaNode => ({ kind: 'one', eq: -1, ne: -1, test });
/** `node*` */
export const starOf = (node: NfaNode): NfaNode => ({ ...node, kind: 'star' });
/** the optional group `**` becomes: any characters ending in a slash, or none */
export const SEG: NfaNode = { kind: 'seg', eq: -1, ne: -1, test: undefined };

function accepts(node: NfaNode, c: number): boolean {
  return node.eq >= 0 ? c === node.eq : node.ne >= 0 ? c !== node.ne : node.test!(c);
}

const SLASH = 0x2f;
const NL = 0x0a;

/** Full match of `path`. State 2i = before node i, 2i+1 = inside the `seg` group of node i; 2m = accept. */
export function nfaMatch(nodes: readonly NfaNode[], path: string): boolean {
  const m = nodes.length;
  if (2 * m + 1 <= 30) return nfaMatchSmall(nodes, path);
  let cur = new Uint8Array(2 * m + 1);
  let next = new Uint8Array(2 * m + 1);
  cur[0] = 1;
  closure(nodes, cur);
  for (let i = 0; i < path.length; ) {
    const c = path.codePointAt(i)!;
    i += c > 0xffff ? 2 : 1;
    next.fill(0);
    let any = false;
    for (let t = 0; t < m; t++) {
      const node = nodes[t]!;
      if (node.kind === 'seg') {
        if (cur[2 * t + 1]) {
          if (c !== NL) next[2 * t + 1] = 1;
          if (c === SLASH) next[2 * t + 2] = 1;
          any = true;
        }
      } else if (cur[2 * t] && accepts(node, c)) {
        next[node.kind === 'one' ? 2 * t + 2 : 2 * t] = 1;
        any = true;
      }
    }
    if (!any) return false;
    const tmp = cur;
    cur = next;
    next = tmp;
    closure(nodes, cur);
  }
  return cur[2 * m] === 1;
}

/** The same with the state set in one integer (programs of up to 14 nodes, nearly all): no allocation. */
function nfaMatchSmall(nodes: readonly NfaNode[], path: string): boolean {
  const m = nodes.length;
  let cur = closureBits(nodes, 1);
  for (let i = 0; i < path.length; ) {
    const c = path.codePointAt(i)!;
    i += c > 0xffff ? 2 : 1;
    let next = 0;
    for (let t = 0; t < m; t++) {
      const node = nodes[t]!;
      if (node.kind === 'seg') {
        if (cur & (1 << (2 * t + 1))) {
          if (c !== NL) next |= 1 << (2 * t + 1);
          if (c === SLASH) next |= 1 << (2 * t + 2);
        }
      } else if (cur & (1 << (2 * t)) && accepts(node, c)) {
        next |= 1 << (node.kind === 'one' ? 2 * t + 2 : 2 * t);
      }
    }
    if (next === 0) return false;
    cur = closureBits(nodes, next);
  }
  return (cur & (1 << (2 * m))) !== 0;
}

function closureBits(nodes: readonly NfaNode[], set: number): number {
  for (let t = 0; t < nodes.length; t++) {
    if (!(set & (1 << (2 * t)))) continue;
    const kind = nodes[t]!.kind;
    if (kind === 'star') set |= 1 << (2 * t + 2);
    else if (kind === 'seg') set |= (1 << (2 * t + 1)) | (1 << (2 * t + 2));
  }
  return set;
}

function closure(nodes: readonly NfaNode[], set: Uint8Array): void {
  for (let t = 0; t < nodes.length; t++) {
    if (!set[2 * t]) continue;
    const kind = nodes[t]!.kind;
    if (kind === 'star') set[2 * t + 2] = 1;
    else if (kind === 'seg') {
      set[2 * t + 1] = 1;
      set[2 * t + 2] = 1;
    }
  }
}
