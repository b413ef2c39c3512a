/**
 * Full-match NFA over code points for the regexps patternmatcher generates: a sequence of
 * single-character tests (`one`), starred ones (`star`, Go `x*`), and the optional group of
 * any characters ending in a slash that `**` becomes (`seg`). Simulating the state set is
 * linear in the path length, where a backtracking RegExp can explode on `[a]*[a]*[a]*b`.
 */
export type CharTest = (cp: number) => boolean;
export type NfaNode = { kind: 'one' | 'star'; test: CharTest } | { kind: 'seg' };

const SLASH = 0x2f;
const NL = 0x0a;

/** State 2i = before node i, 2i+1 = inside the `seg` group of node i; 2m = accept. */
export function nfaMatch(nodes: readonly NfaNode[], path: string): boolean {
  const m = nodes.length;
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
      } else if (cur[2 * t] && node.test(c)) {
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
