import { parseArgs, withStore, out } from './_store-args.js';
import { UsageError } from '../errors.js';

const USAGE = `Usage: tsbuild fsck [--root DIR] [--json]

Rehash every blob and check every reference; exits 1 when it finds a problem.
`;

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { json: { value: false } });
  if (args.help) return void out(USAGE), 0;
  if (args.positionals.length) throw new UsageError('fsck takes no arguments');
  return withStore(args, async (store) => {
    const problems = await store.fsck();
    if (args.flags.json) out(JSON.stringify(problems, null, 2));
    else for (const p of problems) out(`${p.kind}: ${p.path}: ${p.message}`);
    if (!args.flags.json) out(problems.length ? `${problems.length} problem(s) found` : 'store is consistent');
    return problems.length ? 1 : 0;
  });
}
