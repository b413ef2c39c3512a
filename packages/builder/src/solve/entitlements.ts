/**
 * BuildKit's entitlements: what a Dockerfile may ask for only when the caller granted it
 * (`--allow`): `RUN --network=host` (or `--network host`) needs network.host,
 * `RUN --security=insecure` needs security.insecure. Without the grant the build fails with
 * BuildKit's words ("network.host is not allowed"), before the step runs — cached or not.
 */
import type { Entitlement } from '../types.js';
import { BuildError } from '../errors.js';

const ENTITLEMENTS: readonly Entitlement[] = ['network.host', 'security.insecure'];

export function isEntitlement(s: string): s is Entitlement {
  return (ENTITLEMENTS as readonly string[]).includes(s);
}

export function requireEntitlement(allowed: readonly Entitlement[] | undefined, e: Entitlement, location?: BuildError['location']): void {
  if (allowed?.includes(e)) return;
  throw new BuildError('E_ENTITLEMENT', `${e} is not allowed (grant it with --allow ${e})`, { location, data: { entitlement: e } });
}
