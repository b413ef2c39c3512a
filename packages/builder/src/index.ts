export type * from "./exec/types.js";
export type * from "./types.js";
export { BuildError } from './errors.js';
export { benchmark, formatReport } from './bench/benchmark.js';
export type * from './bench/types.js';
export { build } from './build.js';
