export { RegistryClient, type FetchedManifest } from './client.js';
export { pullImage, resolveManifest, downloadBlob, readBlobFromRegistry, type PullOptions, type PullResult } from './pull.js';
export { configPath, loadRegistryConfig } from './config.js';
export { dockerConfigPath, getCredentials, storeCredentials, eraseCredentials } from './credentials.js';
export type * from './types.js';
export { pushImage, pushManifest, type PushOptions, type PushResult } from './push.js';
export { trustedCas } from './ca.js';
