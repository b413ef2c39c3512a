export type * from './exec/types.js';
export { BuildError } from './errors.js';
