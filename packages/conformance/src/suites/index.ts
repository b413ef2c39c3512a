import type { Suite } from '../types.js';

/** Every suite, in report order. Each lives in its own file in this folder. */
export const suites: Suite[] = [];
