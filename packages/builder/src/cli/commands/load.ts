import { loadArchive } from '@tsbuild/layerstore';
import { UsageError } from '../errors.js';
import { parseArgs, withStore, str, out } from './_store-args.js';

const USAGE = `Usage: tsbuild load [--root DIR] -i FILE

Load images from a docker-archive or OCI archive (optionally gzip-compressed).
`;

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { input: { short: 'i', value: true } });
  if (args.help) return void out(USAGE), 0;
  const file = str(args, 'input') ?? args.positionals[0];
  if (!file || args.positionals.length > (str(args, 'input') ? 0 : 1)) throw new UsageError('load needs -i FILE');
  return withStore(args, async (store) => {
    const { images } = await loadArchive(store, file);
    for (const i of images) out(i.name ? `Loaded image: ${i.name}` : `Loaded image ID: ${i.record.manifestDigest}`);
    return 0;
  });
}
