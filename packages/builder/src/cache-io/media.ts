/** Media types and annotations of the cache layout (see types.ts for the layout). */
export const CACHE_MEDIA = {
  artifact: 'application/vnd.tsbuild.cache.v1',
  config: 'application/vnd.tsbuild.cache.config.v1+json',
  record: 'application/vnd.tsbuild.cache.record.v1+json',
} as const;

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const CACHE_KEY_ANNOTATION = 'dev.tsbuild.cache.key';
export const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name';
export const CACHE_REF = 'cache';
