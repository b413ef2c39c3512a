import { parsePlatform as parsePlatformSpec, pullImage } from '@tsbuild/layerstore';
import { parseArgs, withStore, out, str } from './_store-args.js';
import { UsageError } from '../errors.js';
import { withCancel } from '../cancel.js';
import { registryEnv, transferPrinter } from './_transfer-progress.js';

const USAGE = `Usage: tsbuild pull [--root DIR] [-q] [--platform os/arch[/variant]] NAME[:TAG|@DIGEST]

Download an image from a registry into the store (layers already in the store are not downloaded).
Credentials: ~/.docker/config.json ($DOCKER_CONFIG), as docker login writes it (tsbuild login).
Mirrors and plain-HTTP registries: $TSBUILD_CONFIG or ~/.config/tsbuild/config.json (docs/registry.md).
`;

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { quiet: { short: 'q', value: false }, platform: { value: true } });
  if (args.help) return void out(USAGE), 0;
  if (args.positionals.length !== 1) throw new UsageError('pull needs exactly one image reference');
  const ref = args.positionals[0]!;
  const platform = parsePlatform(str(args, 'platform'));
  const quiet = args.flags.quiet === true;
  return withCancel({ command: 'pull', debug: args.flags.debug === true }, (signal) => withStore(args, async (store) => {
    const r = await pullImage(store.layers, ref, { env: registryEnv(), platform, onProgress: transferPrinter(process.stderr, quiet), signal });
    if (quiet) out(r.name ?? `${ref}`);
    else {
      process.stderr.write(`Digest: ${r.resolvedDigest}\n`);
      out(`${r.name ?? ref} (${r.downloadedBlobs} blobs downloaded, ${r.reusedBlobs} already in the store)`);
    }
    return 0;
  }));
}

function parsePlatform(p: string | undefined): { os: string; architecture: string; variant?: string } | undefined {
  return p ? parsePlatformSpec(p) : undefined;
}
