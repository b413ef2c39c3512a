/**
 * The CLI's one touch point for rootless runs: plan the user namespace, and run the command again
 * in it. `info` runs where it is when no user namespace can be made (it then reports why).
 */
import { BuildError } from '../errors.js';
import { reexecInUserns, rootlessPlan } from './reexec.js';

/** The exit status of the command run in a user namespace, or undefined: run it here. */
export async function runRootless(command: string, argv: string[], opts: { snapshot?: boolean }): Promise<number | undefined> {
  let plan;
  try {
    plan = rootlessPlan();
  } catch (err) {
    if (command === 'info' && err instanceof BuildError) return undefined;
    throw err;
  }
  // (no unshare: the plan is E_ROOTLESS "unshare (util-linux) is not installed", plan.ts usernsBlocker)
  if (plan.warning && command === 'build') process.stderr.write(`warning: ${plan.warning}\n`);
  return reexecInUserns(plan, argv, opts);
}
