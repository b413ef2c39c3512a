import { saveImages, type ArchiveFormat } from '@tsbuild/layerstore';
import { UsageError } from '../errors.js';
import { parseArgs, withStore, str, out } from './_store-args.js';

const USAGE = `Usage: tsbuild save [--root DIR] [--format docker|oci] -o FILE NAME...

Save images to a tar archive: docker-archive (loadable by docker load; default) or OCI archive.
`;

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { output: { short: 'o', value: true }, format: { value: true } });
  if (args.help) return void out(USAGE), 0;
  const dest = str(args, 'output');
  if (!dest) throw new UsageError('save needs -o FILE');
  if (args.positionals.length === 0) throw new UsageError('save needs at least one image NAME');
  const format = (str(args, 'format') ?? 'docker') as ArchiveFormat;
  if (format !== 'docker' && format !== 'oci') throw new UsageError(`--format must be docker or oci, not ${format}`);
  return withStore(args, async (store) => {
    await saveImages(store, args.positionals, dest, { format });
    return 0;
  });
}
