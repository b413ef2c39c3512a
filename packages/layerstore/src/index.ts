export type * from './types.js';
export { StoreError } from './errors.js';
