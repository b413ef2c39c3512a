export type { GroupEntry, Owner, PasswdEntry, User } from './types.js';
export { parseGroup, parsePasswd } from './parse.js';
export { readGroup, readPasswd } from './read.js';
export { resolveUser } from './resolveUser.js';
export { resolveChown, type ResolveChownOptions } from './resolveChown.js';
