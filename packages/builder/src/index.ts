export type * from "./exec/types.js";
export type * from "./types.js";
export { BuildError } from './errors.js';
