/**
 * The environment variables of the rootless re-exec (reexec.ts). A leaf module: the CLI's start
 * reads USERNS_ENV for every build (warn.ts), without loading the planning code.
 */

/** Set in the child's environment: the mapping it got ("full" or "single"); read by info. */
export const USERNS_ENV = 'TSBUILD_USERNS';
/** Forces the mapping (tests, and users who want the single mapping): auto | full | single. */
export const MAPPING_ENV = 'TSBUILD_USERNS_MAP';
