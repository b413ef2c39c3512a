/**
 * Go `time.ParseDuration` → nanoseconds: `[-+]?([0-9]*(\.[0-9]*)?[a-z]+)+`, units ns us µs ms s m h; "0" alone.
 * Returns undefined when invalid.
 */
const units: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

export function parseGoDuration(s: string): number | undefined {
  let i = 0;
  let neg = false;
  if (s[i] === '-' || s[i] === '+') {
    neg = s[i] === '-';
    i++;
  }
  if (s.slice(i) === '0') return 0;
  if (i >= s.length) return undefined;
  let total = 0;
  while (i < s.length) {
    const start = i;
    while (i < s.length && s[i]! >= '0' && s[i]! <= '9') i++;
    let frac = '';
    const intPart = s.slice(start, i);
    if (s[i] === '.') {
      i++;
      const fs = i;
      while (i < s.length && s[i]! >= '0' && s[i]! <= '9') i++;
      frac = s.slice(fs, i);
    }
    if (intPart === '' && frac === '') return undefined;
    const us = i;
    while (i < s.length && !(s[i]! >= '0' && s[i]! <= '9') && s[i] !== '.') i++;
    const unit = units[s.slice(us, i)];
    if (unit === undefined) return undefined;
    total += Number(intPart || '0') * unit + (frac ? Number(`0.${frac}`) * unit : 0);
  }
  return Math.round(neg ? -total : total);
}
