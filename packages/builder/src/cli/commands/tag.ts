import { TsbuildError } from '@tsbuild/errors';
import { parseArgs, withStore } from './_store-args.js';
import { UsageError } from '../errors.js';

const USAGE = `Usage: tsbuild tag [--root DIR] SOURCE TARGET

Give an image another name.
`;

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, {});
  if (args.help) return void process.stdout.write(USAGE), 0;
  if (args.positionals.length !== 2) throw new UsageError('tag needs SOURCE and TARGET');
  const [src, dst] = args.positionals as [string, string];
  return withStore(args, async (store) => {
    try {
      await store.tag(src, dst);
    } catch (err) {
      if (!(err instanceof TsbuildError && err.code === 'E_NOT_FOUND')) throw err;
      process.stderr.write(`error: no such image: ${src}\n`);
      return 1;
    }
    return 0;
  });
}
