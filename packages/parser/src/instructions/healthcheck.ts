import type { HealthcheckInstruction } from '../types.js';
import { parseGoDuration } from './duration.js';
import type { InstructionRequest } from './request.js';

const MIN_DURATION_NS = 1e6; // BuildKit: container.MinimumDuration = 1ms

/** `HEALTHCHECK [flags] CMD …` / `HEALTHCHECK NONE`; durations become nanoseconds. */
export function parseHealthcheck(req: InstructionRequest): HealthcheckInstruction {
  if (req.args.length === 0) req.fail('E_PARSE', 'HEALTHCHECK requires at least one argument');
  const typ = req.args[0]!.toUpperCase();
  const rest = req.args.slice(1);
  const base = { kind: 'HEALTHCHECK' as const, range: req.range, original: req.original };
  if (typ === 'NONE') {
    if (rest.length !== 0) req.fail('E_PARSE', 'HEALTHCHECK NONE takes no arguments');
    return { ...base, test: ['NONE'] };
  }
  // BuildKit only looks at the flags when the type is not NONE
  const flags = req.flags.parse({ interval: 'string', timeout: 'string', 'start-period': 'string', 'start-interval': 'string', retries: 'string' });
  if (typ !== 'CMD') req.fail('E_PARSE', `Unknown type ${JSON.stringify(typ)} in HEALTHCHECK (try CMD)`);
  if (rest.length === 0) req.fail('E_PARSE', 'Missing command after HEALTHCHECK CMD');
  const out: HealthcheckInstruction = { ...base, test: req.node.json ? ['CMD', ...rest] : ['CMD-SHELL', rest.join(' ')] };
  const durations = [['interval', 'interval'], ['timeout', 'timeout'], ['start-period', 'startPeriod'], ['start-interval', 'startInterval']] as const;
  for (const [flag, field] of durations) {
    const v = flags.string(flag);
    if (v === undefined || v === '') continue;
    const ns = parseGoDuration(v);
    if (ns === undefined) req.fail('E_FLAG', `time: invalid duration ${JSON.stringify(v)} for --${flag}`);
    if (ns !== 0 && ns! < MIN_DURATION_NS) req.fail('E_FLAG', `Interval "${flag}" cannot be less than 1ms`);
    out[field] = ns!;
  }
  const retries = flags.string('retries');
  if (retries !== undefined && retries !== '') {
    if (!/^[+-]?\d+$/.test(retries)) req.fail('E_FLAG', `strconv.ParseInt: parsing ${JSON.stringify(retries)}: invalid syntax (--retries)`);
    const n = Number.parseInt(retries, 10);
    if (n < 0) req.fail('E_FLAG', `--retries cannot be negative (${n})`);
    out.retries = n;
  }
  return out;
}
