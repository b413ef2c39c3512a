/** `WWW-Authenticate` challenges (RFC 7235): `Bearer realm="…",service="…",scope="…"`, `Basic realm="…"`. */
export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

export function parseChallenges(header: string | string[] | undefined): Challenge[] {
  const list = Array.isArray(header) ? header : header ? [header] : [];
  const out: Challenge[] = [];
  for (const h of list) {
    let i = 0;
    let current: Challenge | undefined;
    while (i < h.length) {
      while (i < h.length && /[\s,]/.test(h[i]!)) i++;
      const tok = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+/.exec(h.slice(i));
      if (!tok) break;
      i += tok[0].length;
      while (i < h.length && h[i] === ' ') i++;
      if (h[i] === '=') {
        i++;
        let value = '';
        if (h[i] === '"') {
          i++;
          while (i < h.length && h[i] !== '"') {
            if (h[i] === '\\') i++;
            value += h[i] ?? '';
            i++;
          }
          i++;
        } else {
          const v = /^[^,\s]*/.exec(h.slice(i))![0];
          value = v;
          i += v.length;
        }
        if (current) current.params[tok[0].toLowerCase()] = value;
      } else {
        current = { scheme: tok[0].toLowerCase(), params: {} };
        out.push(current);
      }
    }
  }
  return out;
}
