import { TsbuildError } from '@tsbuild/errors';
import { parseArgs, withStore, out } from './_store-args.js';
import { UsageError } from '../errors.js';

const USAGE = `Usage: tsbuild inspect [--root DIR] NAME|ID...

Show images as JSON (shaped like docker image inspect).
`;

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, {});
  if (args.help) return void out(USAGE), 0;
  if (args.positionals.length === 0) throw new UsageError('inspect needs an image NAME or ID');
  return withStore(args, async (store) => {
    const result: unknown[] = [];
    let missing = 0;
    for (const name of args.positionals) {
      try {
        result.push(await store.inspect(name));
      } catch (err) {
        if (!(err instanceof TsbuildError && err.code === 'E_NOT_FOUND')) throw err;
        process.stderr.write(`error: no such image: ${name}\n`);
        missing++;
      }
    }
    out(JSON.stringify(result, null, 4));
    return missing ? 1 : 0;
  });
}
