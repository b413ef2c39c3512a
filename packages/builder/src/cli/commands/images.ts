import { parseArgs, withStore, out, shortId, humanSize, humanAge } from './_store-args.js';
import { UsageError } from '../errors.js';

const USAGE = `Usage: tsbuild images [--root DIR] [-q] [--json]

List tagged images: name, image ID (config digest, as docker; a multi-platform
image's: its index digest), created, size (compressed).
`;

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { quiet: { short: 'q', value: false }, json: { value: false } });
  if (args.help) return void out(USAGE), 0;
  if (args.positionals.length) throw new UsageError(`images takes no arguments`);
  return withStore(args, async (store) => {
    const list = await store.list();
    // an image that cannot be read is listed (and named on stderr), and the listing exits 1
    const bad = list.filter((i) => i.error);
    for (const i of bad) process.stderr.write(`error: image ${i.name} (${shortId(i.id)}) is unreadable: ${i.error!.message}; run \`tsbuild fsck\` [${i.error!.code}]\n`);
    const status = bad.length ? 1 : 0;
    if (args.flags.json) return void out(JSON.stringify(list, null, 2)), status;
    if (args.flags.quiet) {
      for (const i of list) out(shortId(i.id));
      return status;
    }
    const rows = [['NAME', 'ID', 'CREATED', 'SIZE'], ...list.map((i) => (i.error ? [i.name, shortId(i.id), 'UNREADABLE', '-'] : [i.name, shortId(i.id), humanAge(i.created), humanSize(i.size)]))];
    const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
    for (const r of rows) out(r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]! + 3))).join(''));
    return status;
  });
}
