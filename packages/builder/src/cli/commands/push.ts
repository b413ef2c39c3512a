import { pushImage } from '@tsbuild/layerstore';
import { parseArgs, withStore, out } from './_store-args.js';
import { UsageError } from '../errors.js';
import { withCancel } from '../cancel.js';
import { registryEnv, transferPrinter } from './_transfer-progress.js';

const USAGE = `Usage: tsbuild push [--root DIR] [-q] NAME[:TAG] [TARGET]

Upload an image of the store to its registry (or to TARGET): blobs the registry has are skipped,
blobs another repository of the same registry has are mounted, the rest uploaded. An image
index (a multi-platform build) pushes every platform's image by digest, then the index under the tag.
`;

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { quiet: { short: 'q', value: false } });
  if (args.help) return void out(USAGE), 0;
  if (args.positionals.length < 1 || args.positionals.length > 2) throw new UsageError('push needs NAME[:TAG] (and optionally a TARGET reference)');
  const [source, target] = args.positionals as [string, string | undefined];
  const quiet = args.flags.quiet === true;
  return withCancel({ command: 'push', debug: args.flags.debug === true }, (signal) => withStore(args, async (store) => {
    const r = await pushImage(store.layers, source, { target, env: registryEnv(), onProgress: transferPrinter(process.stderr, quiet), signal });
    if (quiet) out(r.digest);
    else out(`${r.name}: digest: ${r.digest} size: ${r.size}${r.manifests > 1 ? ` (an index: ${r.manifests - 1} manifests pushed by digest before it)` : ''} (${r.uploadedBlobs} uploaded, ${r.mountedBlobs} mounted, ${r.existingBlobs} already there)`);
    return 0;
  }));
}
