/**
 * Syntax check of a pattern exactly as Go's `filepath.Match(pattern, ".")` reports
 * `ErrBadPattern` on Unix (what patternmatcher.New relies on): `\` must be followed by a
 * character; a `[` class needs at least one item before `]`; an item is a character (possibly
 * `\`-escaped, never a bare `-` or `]`) or a range `lo-hi`; the class must be closed. Range order
 * is NOT checked here (Go only finds `[z-a]` when the compiled regexp is first used).
 */
export function isValidGlob(pattern: string): boolean {
  // scanChunk splits at unbracketed `*`; every chunk is then fully parsed by matchChunk, so it
  // suffices to parse the chunks one after another.
  for (const chunk of chunks(pattern)) {
    if (!validChunk(chunk)) return false;
  }
  return true;
}

function chunks(pattern: string): string[] {
  const out: string[] = [];
  let p = pattern;
  while (p.length > 0) {
    while (p.startsWith('*')) p = p.slice(1);
    let inRange = false;
    let i = 0;
    scan: for (; i < p.length; i++) {
      switch (p[i]) {
        case '\\':
          if (i + 1 < p.length) i++;
          break;
        case '[':
          inRange = true;
          break;
        case ']':
          inRange = false;
          break;
        case '*':
          if (!inRange) break scan;
          break;
      }
    }
    if (i > 0) out.push(p.slice(0, i));
    p = p.slice(i);
  }
  return out;
}

function validChunk(chunk: string): boolean {
  let c = chunk;
  while (c.length > 0) {
    switch (c[0]) {
      case '[': {
        c = c.slice(1);
        if (c.startsWith('^')) c = c.slice(1);
        let nrange = 0;
        for (;;) {
          if (c.startsWith(']') && nrange > 0) {
            c = c.slice(1);
            break;
          }
          const lo = getEsc(c);
          if (lo === undefined) return false;
          c = lo;
          if (c[0] === '-') {
            const hi = getEsc(c.slice(1));
            if (hi === undefined) return false;
            c = hi;
          }
          nrange++;
        }
        break;
      }
      case '\\':
        c = c.slice(1);
        if (c.length === 0) return false;
        c = c.slice(1);
        break;
      default:
        c = c.slice(1);
    }
  }
  return true;
}

/** Go getEsc: one class character; returns the rest, or undefined for ErrBadPattern. */
function getEsc(chunk: string): string | undefined {
  let c = chunk;
  if (c.length === 0 || c[0] === '-' || c[0] === ']') return undefined;
  if (c[0] === '\\') {
    c = c.slice(1);
    if (c.length === 0) return undefined;
  }
  const cp = c.codePointAt(0)!;
  const rest = c.slice(cp > 0xffff ? 2 : 1);
  if (rest.length === 0) return undefined; // a class must be closed
  return rest;
}
