import { UsageError } from '../errors.js';
import { parseArgs, withStore, out } from './_store-args.js';

const USAGE = `Usage: tsbuild import [--root DIR] [--unpack] ROOTFS.tar[.gz] NAME[:TAG]

Import a root filesystem tarball as a one-layer image (like docker import).
`;

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { unpack: { value: false } });
  if (args.help) return void out(USAGE), 0;
  if (args.positionals.length !== 2) throw new UsageError('import needs ROOTFS.tar and NAME[:TAG]');
  const [file, name] = args.positionals as [string, string];
  return withStore(args, async (store) => {
    // what a killed build or load left in the store (see snapshot/reap.ts)
    await (await import('../../snapshot/reap.js')).reapDeadBuilds(store.layers);
    const rec = await store.import(file, name, { unpack: args.flags.unpack === true });
    out(rec.manifestDigest);
    return 0;
  });
}
