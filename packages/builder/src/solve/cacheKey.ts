import { createHash } from 'node:crypto';
import { canonicalJson } from './canonicalJson.js';

/**
 * Version of the key schema. Bump it whenever the shape or meaning of `KeyInput` changes,
 * so old records are simply never found again (no compatibility branches).
 */
export const KEY_VERSION = 1;

/**
 * Everything that determines a step's filesystem result. Fields that do not affect the output
 * are left out on purpose:
 *  - image metadata (LABEL, CMD, EXPOSE …) never changes a layer, so it is not chained in;
 *  - timestamps and step names are presentation only;
 *  - secrets are mounted at run time and never hashed (their ids are, as a mount's shape);
 *  - context file mtimes and owners are excluded by the context checksum itself.
 */
export interface KeyInput {
  /** fs key of the state the step runs on (base image, previous step, or another stage) */
  parent: string;
  /** instruction kind, e.g. RUN */
  op: string;
  /** instruction in canonical form after expansion (args, flags) */
  instruction: unknown;
  /** env the step sees (RUN only: image env + ARGs in scope), as ordered K=V */
  env?: string[];
  user?: string;
  workdir?: string;
  shell?: string[];
  network?: string;
  /** mounts with their source keys (bind sources hashed like COPY; cache id/target/sharing) */
  mounts?: unknown[];
  /** content checksum of the selected sources (COPY/ADD) */
  sources?: string;
  /** fs key of another stage a step reads from (COPY --from) */
  from?: string;
}

/** sha256 over the canonical JSON of {keyVersion, ...input}: the step's cache key. Pure. */
export function cacheKey(input: KeyInput): string {
  return `sha256:${createHash('sha256').update(canonicalJson({ keyVersion: KEY_VERSION, ...input })).digest('hex')}`;
}

/**
 * Key of a base state: a stored image (by config digest, which covers its diff_ids) or scratch —
 * for a platform other than the host's, scratch of that platform (its RUN steps run emulated).
 */
export function baseKey(configDigest: string | undefined, scratchPlatform?: string): string {
  return configDigest ? cacheKey({ parent: '', op: 'FROM', instruction: configDigest }) : cacheKey({ parent: '', op: 'FROM', instruction: scratchPlatform ? `scratch ${scratchPlatform}` : 'scratch' });
}
