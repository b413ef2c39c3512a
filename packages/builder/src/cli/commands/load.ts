import { UsageError } from '../errors.js';
import { withCancel } from '../cancel.js';
import { noteActivity } from '../pending.js';
import { parseArgs, withStore, str, out } from './_store-args.js';

const USAGE = `Usage: tsbuild load [--root DIR] [--unpack] [-i FILE|-]

Load images from a docker-archive or OCI archive (optionally gzip-compressed); stdin without -i.
--unpack also extracts the images' layer snapshots now (as docker load does), not at the first
build step that needs them.
`;

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { input: { short: 'i', value: true }, unpack: { value: false } });
  if (args.help) return void out(USAGE), 0;
  if (args.positionals.length) throw new UsageError('load takes the archive with -i FILE (or stdin)');
  const file = str(args, 'input') ?? '-';
  if (file === '-' && process.stdin.isTTY) throw new UsageError('load: no archive given (-i FILE, or pipe it to stdin)');
  return withCancel({ command: 'load', debug: args.flags.debug === true }, (signal) => withStore(args, async (store) => {
    // what a killed build or load left in the store (see snapshot/reap.ts)
    await (await import('../../snapshot/reap.js')).reapDeadBuilds(store.layers);
    const images = await store.load(file === '-' ? process.stdin : file, { sourceName: 'stdin', signal });
    for (const i of images) out(i.name ? `Loaded image: ${i.name}` : `Loaded image ID: ${i.record.configDigest}`);
    if (args.flags.unpack === true) {
      for (const i of images) {
        noteActivity(`unpacking the ${i.record.layers.length} layer(s) of ${i.name ?? i.record.manifestDigest}`);
        await store.layers.ensureSnapshots(i.record.layers, { signal });
      }
    }
    return 0;
  }));
}
