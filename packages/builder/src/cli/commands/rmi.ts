import { TsbuildError } from '@tsbuild/errors';
import { parseArgs, withStore, out } from './_store-args.js';
import { UsageError } from '../errors.js';

const USAGE = `Usage: tsbuild rmi [--root DIR] NAME...

Remove image tags (space is freed by tsbuild prune).
`;

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, {});
  if (args.help) return void out(USAGE), 0;
  if (args.positionals.length === 0) throw new UsageError('rmi needs an image NAME');
  return withStore(args, async (store) => {
    let failed = 0;
    for (const name of args.positionals) {
      try {
        await store.remove(name);
        out(`Untagged: ${name}`);
      } catch (err) {
        if (!(err instanceof TsbuildError && err.code === 'E_NOT_FOUND')) throw err;
        process.stderr.write(`error: no such image tag: ${name}\n`);
        failed++;
      }
    }
    return failed ? 1 : 0;
  });
}
