/** Digest helpers: validation, hex extraction, chainIDs (OCI image spec, "ChainID"). */
import { createHash } from 'node:crypto';
import type { Digest } from './types.js';
import { StoreError } from './errors.js';

const DIGEST_RE = /^sha256:[0-9a-f]{64}$/;

export function isDigest(s: unknown): s is Digest {
  return typeof s === 'string' && DIGEST_RE.test(s);
}

/** Validate and return the hex part; only sha256 is supported. */
export function hexOf(digest: string): string {
  if (!isDigest(digest)) throw new StoreError('E_FORMAT', `not a sha256 digest: ${JSON.stringify(digest)}`, { digest });
  return digest.slice(7);
}

export function sha256(data: Buffer | string): Digest {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** ChainID(L0) = DiffID(L0); ChainID(L0|..|Ln) = sha256(ChainID(L0..Ln-1) + " " + DiffID(Ln)). */
export function chainIDs(diffIDs: readonly Digest[]): Digest[] {
  const out: Digest[] = [];
  for (const d of diffIDs) {
    hexOf(d);
    out.push(out.length === 0 ? d : sha256(`${out[out.length - 1]} ${d}`));
  }
  return out;
}
