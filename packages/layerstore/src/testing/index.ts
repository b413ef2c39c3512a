/** `@tsbuild/layerstore/testing`: in-memory implementations for unit tests of the store's users. */
export { MemoryStore } from './memory-store.js';
