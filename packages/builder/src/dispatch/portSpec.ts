/**
 * EXPOSE port words → `port/proto` keys, as current BuildKit's `portSpecs.parsePort`
 * (frontend/dockerfile/dockerfile2llb/convert_expose.go): `[ip:][hostPort:]containerPort[/proto]`,
 * the container port a number or a `from-to` range, proto tcp/udp/sctp in any case (written lower
 * case). Each port of a range is its own key, in ascending order; the numbers are written back in
 * decimal (`080` and `+80` are `80`, as strconv.ParseInt then strconv.Itoa give). Pure; a bad word is
 * an `E_INSTRUCTION` BuildError.
 */
import { isIP } from 'node:net';
import { BuildError } from '../errors.js';

export function portKeys(rawPort: string): string[] {
  const { ip, hostPort, containerPort } = splitParts(rawPort);
  const slash = containerPort.indexOf('/');
  const port = slash < 0 ? containerPort : containerPort.slice(0, slash);
  const proto = slash < 0 ? '' : containerPort.slice(slash + 1);
  if (port === '') throw portError(`invalid port: ${goQuoteAscii(rawPort)}: no port specified`);
  if (!['', 'tcp', 'udp', 'sctp'].includes(proto.toLowerCase())) throw portError(`invalid port: ${goQuoteAscii(rawPort)}: invalid proto: ${proto}`);
  if (ip !== '') {
    // `[::1]` → `::1` (net.SplitHostPort), then net.ParseIP (no zones)
    const bare = ip.startsWith('[') ? /^\[([^\][]*)\]$/.exec(ip)?.[1] : ip;
    if (bare === undefined) throw portError(`invalid IP address ${ip}`);
    if (bare.includes('%') || isIP(bare) === 0) throw portError(`invalid IP address: ${bare}`);
  }
  const range = portRange(port);
  if (!range) throw portError(`invalid containerPort: ${port}`);
  if (hostPort !== '') {
    const host = portRange(hostPort);
    if (!host) throw portError(`invalid hostPort: ${hostPort}`);
    // a host range only has to match when the container port is a range too
    if (range[1] - range[0] !== host[1] - host[0] && range[1] !== range[0]) {
      throw portError(`invalid ranges specified for container and host Ports: ${port} and ${hostPort}`);
    }
  }
  const p = (proto === '' ? 'tcp' : proto).toLowerCase();
  const out: string[] = [];
  for (let n = range[0]; n <= range[1]; n++) out.push(`${n}/${p}`);
  return out;
}

/** `ip:host:container` split on every `:`; more than three parts: the leading ones are the IP. */
function splitParts(raw: string): { ip: string; hostPort: string; containerPort: string } {
  const parts = raw.split(':');
  const n = parts.length;
  if (n === 1) return { ip: '', hostPort: '', containerPort: parts[0]! };
  if (n === 2) return { ip: '', hostPort: parts[0]!, containerPort: parts[1]! };
  return { ip: parts.slice(0, n - 2).join(':'), hostPort: parts[n - 2]!, containerPort: parts[n - 1]! };
}

/** `8000` or `8000-8002` (`80-80` is one port); undefined when invalid or descending. */
function portRange(s: string): [number, number] | undefined {
  if (s === '') return undefined;
  const dash = s.indexOf('-');
  const start = portNumber(dash < 0 ? s : s.slice(0, dash));
  if (start === undefined) return undefined;
  if (dash < 0 || s.slice(0, dash) === s.slice(dash + 1)) return [start, start];
  const end = portNumber(s.slice(dash + 1));
  if (end === undefined || end < start) return undefined;
  return [start, end];
}

/** strconv.ParseInt(s, 10, 0) limited to 0–65535: an optional sign, then decimal digits only. */
function portNumber(s: string): number | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const n = Number(s);
  return n >= 0 && n <= 65535 ? (Object.is(n, -0) ? 0 : n) : undefined;
}

function portError(message: string): BuildError {
  return new BuildError('E_INSTRUCTION', message);
}

/** Go %q for the port word in messages (port words are ASCII in practice). */
function goQuoteAscii(s: string): string {
  return JSON.stringify(s);
}
