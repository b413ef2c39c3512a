import { importRootfs } from '@tsbuild/layerstore';
import { UsageError } from '../errors.js';
import { withCancel } from '../cancel.js';
import { hostPlatform, parsePlatform } from '../../solve/resolveBase.js';
import { parseArgs, withStore, out } from './_store-args.js';

const USAGE = `Usage: tsbuild import [--root DIR] [--unpack] [--platform linux/ARCH[/VARIANT]] ROOTFS.tar[.gz] NAME[:TAG]

Import a root filesystem tarball as a one-layer image (like docker import); --platform
records the architecture of its binaries (default the host's).
`;

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { unpack: { value: false }, platform: { value: true } });
  if (args.help) return void out(USAGE), 0;
  if (args.positionals.length !== 2) throw new UsageError('import needs ROOTFS.tar and NAME[:TAG]');
  const [file, name] = args.positionals as [string, string];
  return withCancel({ command: 'import', debug: args.flags.debug === true }, (signal) => withStore(args, async (store) => {
    // what a killed build or load left in the store (see snapshot/reap.ts)
    await (await import('../../snapshot/reap.js')).reapDeadBuilds(store.layers);
    const platform = typeof args.flags.platform === 'string' ? parsePlatform(args.flags.platform, hostPlatform()) : undefined;
    const rec = await importRootfs(store.layers, file, name, { unpack: args.flags.unpack === true, platform, signal });
    out(rec.configDigest); // the image ID, as docker import prints it
    return 0;
  }));
}
