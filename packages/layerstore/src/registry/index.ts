export { RegistryClient } from './client.js';
export { pullImage, type PullOptions, type PullResult } from './pull.js';
export { configPath, loadRegistryConfig } from './config.js';
export { dockerConfigPath, getCredentials, storeCredentials, eraseCredentials } from './credentials.js';
export { hostPlatformForRegistry, selectPlatform, formatPlatform, type Platform } from './platform.js';
export type * from './types.js';
export { pushImage, type PushOptions, type PushResult } from './push.js';
