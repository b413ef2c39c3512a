import type { ExposeInstruction } from '@tsbuild/parser';
import { BuildError } from '../errors.js';
import type { StepContext } from '../solve/types.js';
import { goSlice } from './goFormat.js';
import { addHistory } from './history.js';

/** "80" → 80/tcp, "53/udp", "8000-8002" → each port (Docker's nat.ParsePortSpecs). */
export function portKeys(spec: string): string[] {
  const slash = spec.lastIndexOf('/');
  const proto = (slash >= 0 ? spec.slice(slash + 1) : 'tcp').toLowerCase();
  let ports = slash >= 0 ? spec.slice(0, slash) : spec;
  // "ip:hostport:containerport" forms keep the container port only
  if (ports.includes(':')) ports = ports.slice(ports.lastIndexOf(':') + 1);
  const m = /^(\d+)(?:-(\d+))?$/.exec(ports);
  if (!m || !['tcp', 'udp', 'sctp'].includes(proto)) throw new BuildError('E_USAGE', `invalid port specification: ${JSON.stringify(spec)}`);
  const from = Number(m[1]);
  const to = m[2] ? Number(m[2]) : from;
  if (to < from || to > 65535) throw new BuildError('E_USAGE', `invalid port range: ${JSON.stringify(spec)}`);
  const out: string[] = [];
  for (let p = from; p <= to; p++) out.push(`${p}/${proto}`);
  return out;
}

export function dispatchExpose(ctx: StepContext<ExposeInstruction>): void {
  const cfg = ctx.state.config.config;
  const exposed = (cfg.ExposedPorts ??= {});
  const keys = new Set<string>();
  // an ARG may expand to several ports ("3000 4000/udp")
  for (const word of ctx.instr.ports) for (const p of word.split(/\s+/).filter(Boolean)) for (const k of portKeys(p)) keys.add(k);
  for (const k of keys) exposed[k] = {};
  // current BuildKit: `EXPOSE [80/tcp 443/udp]` (sorted list); v0.8 printed a Go map
  addHistory(ctx, `EXPOSE ${goSlice([...keys].sort())}`, false);
}
