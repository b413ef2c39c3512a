/**
 * STOPSIGNAL values, checked as current BuildKit's dispatchStopSignal does with moby/sys/signal
 * `ParseSignal`: a decimal number other than 0 (strconv.Atoi: optional sign, any value), or a name
 * from the Linux signal map, case-insensitive, with or without `SIG`. The value is kept as written.
 * Pure.
 */
import { BuildError } from '../errors.js';

const NAMES = new Set([
  'ABRT', 'ALRM', 'BUS', 'CHLD', 'CLD', 'CONT', 'FPE', 'HUP', 'ILL', 'INT', 'IO', 'IOT', 'KILL', 'PIPE', 'POLL', 'PROF', 'PWR',
  'QUIT', 'SEGV', 'STKFLT', 'STOP', 'SYS', 'TERM', 'TRAP', 'TSTP', 'TTIN', 'TTOU', 'URG', 'USR1', 'USR2', 'VTALRM', 'WINCH',
  'XCPU', 'XFSZ', 'RTMIN', 'RTMAX',
  ...Array.from({ length: 15 }, (_, i) => `RTMIN+${i + 1}`),
  ...Array.from({ length: 14 }, (_, i) => `RTMAX-${i + 1}`),
]);

export function checkSignal(raw: string): void {
  if (/^[+-]?[0-9]+$/.test(raw) && BigInt(raw) >= -(2n ** 63n) && BigInt(raw) < 2n ** 63n) {
    if (BigInt(raw) !== 0n) return;
  } else if (NAMES.has(upperNoSig(raw))) return;
  throw new BuildError('E_INSTRUCTION', `invalid signal: ${raw}`, { data: { signal: raw } });
}

/** strings.TrimPrefix(strings.ToUpper(s), "SIG") */
function upperNoSig(s: string): string {
  const u = s.toUpperCase();
  return u.startsWith('SIG') ? u.slice(3) : u;
}
