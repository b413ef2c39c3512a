/**
 * Go `fmt` renderings BuildKit uses in history `created_by` texts (`%q` and `%v` of a []string,
 * time.Duration.String), reproduced so our history matches `docker build`.
 */

/** strconv.Quote for the strings Dockerfiles contain (JSON escaping agrees for printable text). */
export function goQuote(s: string): string {
  return JSON.stringify(s).replace(/\\u00([0-9a-f]{2})/g, '\\x$1').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** `%q` of a []string: ["a" "b"] */
export function goQuoteSlice(items: readonly string[]): string {
  return `[${items.map(goQuote).join(' ')}]`;
}

/** `%v` of a []string: [a b] */
export function goSlice(items: readonly string[]): string {
  return `[${items.join(' ')}]`;
}

/** time.Duration(ns).String() */
export function goDuration(ns: number): string {
  if (ns === 0) return '0s';
  const neg = ns < 0;
  let u = Math.abs(ns);
  let out: string;
  if (u < 1e9) {
    // sub-second: ns, µs, ms with fractional digits
    const [unit, div] = u < 1e3 ? ['ns', 1] : u < 1e6 ? ['µs', 1e3] : ['ms', 1e6];
    out = trimFrac(u / (div as number)) + unit;
  } else {
    const h = Math.floor(u / 3.6e12);
    u -= h * 3.6e12;
    const m = Math.floor(u / 6e10);
    u -= m * 6e10;
    const s = trimFrac(u / 1e9);
    out = h > 0 ? `${h}h${m}m${s}s` : m > 0 ? `${m}m${s}s` : `${s}s`;
  }
  return neg ? `-${out}` : out;
}

function trimFrac(n: number): string {
  return String(Number(n.toFixed(9)));
}
