/**
 * Cache import/export between machines without a registry (`--cache-to type=local,dest=DIR`,
 * `--cache-from type=local,src=DIR`). Data flow:
 *   build result ─collectKeys─▶ cache keys ─exportCache─▶ OCI layout dir (records + layer blobs)
 *   OCI layout dir ─importCache─▶ verified blobs in the store ─▶ cache records (putCacheRecord)
 *
 * Layout written (an OCI image layout any OCI tool can copy around):
 *   DIR/oci-layout                      {"imageLayoutVersion":"1.0.0"}
 *   DIR/index.json                      one manifest, ref name `cache` (CACHE_REF)
 *   DIR/blobs/sha256/<manifest>         OCI manifest, artifactType CACHE_MEDIA.artifact:
 *       config  = CACHE_MEDIA.config    {version, mode, records: [{key, digest}]}
 *       layers  = one CACHE_MEDIA.record blob per cache record (annotation CACHE_KEY_ANNOTATION),
 *                 then every layer blob those records reference (their own media types)
 */
import type { Digest, LayerRef } from '@tsbuild/layerstore';
import type { StepRecord } from '../types.js';

export type CacheMode = 'min' | 'max';

/** `--cache-to type=local,dest=DIR[,mode=min|max]` / `type=registry,ref=REF[,mode=…]` */
export type CacheToSpec = { type: 'local'; dest: string; mode: CacheMode; ignoreError: boolean } | { type: 'registry'; ref: string; mode: CacheMode; ignoreError: boolean };
/** `--cache-from type=local,src=DIR` / `type=registry,ref=REF` */
export type CacheFromSpec = { type: 'local'; src: string } | { type: 'registry'; ref: string };

/** What exportCache needs of a build: its steps (keys) and the final image's layers (for mode=min). */
export interface BuildCacheSource {
  steps: Pick<StepRecord, 'cacheKey' | 'stage' | 'index' | 'platform'>[];
  image: { layers: Pick<LayerRef, 'digest'>[] };
  /** a multi-platform build: each platform's image (min mode keeps all their chains) */
  platforms?: { image: { layers: Pick<LayerRef, 'digest'>[] } }[];
}

export interface ExportCacheOptions {
  dest: string;
  /** min (default): the records of the final image's chain; max: every step of the build */
  mode?: CacheMode;
  /** a build result to take the keys from */
  result?: BuildCacheSource;
  /** explicit keys (added to those from `result`) */
  keys?: string[];
}

export interface ExportCacheResult {
  manifestDigest: Digest;
  records: number;
  blobs: number;
  /** bytes of blobs newly written to dest (blobs already there are not rewritten) */
  bytesWritten: number;
}

export interface ImportCacheOptions {
  src: string;
  /** concurrent blob copies (default 4) */
  concurrency?: number;
}

export interface ImportCacheResult {
  /** records written */
  records: number;
  /** records the store already had (left as they are) */
  existing: number;
  blobs: number;
  /** records not written because a layer they need is neither in the layout nor in the store */
  skipped: string[];
}

/** The config blob of a cache manifest. */
export interface CacheConfig {
  version: 1;
  mode: CacheMode;
  records: { key: string; digest: Digest }[];
}
