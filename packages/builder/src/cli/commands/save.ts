import type { ArchiveFormat } from '../../store/types.js';
import { UsageError } from '../errors.js';
import { withCancel } from '../cancel.js';
import { parseArgs, withStore, str, out } from './_store-args.js';

const USAGE = `Usage: tsbuild save [--root DIR] [--format docker|oci] [-o FILE|-] NAME...

Save images to a tar archive: docker-archive (loadable by docker load; default) or OCI archive.
Without -o (or with -o -) the archive goes to stdout, which must not be a terminal.
`;

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { output: { short: 'o', value: true }, format: { value: true } });
  if (args.help) return void out(USAGE), 0;
  const dest = str(args, 'output') ?? '-';
  if (dest === '-' && process.stdout.isTTY) throw new UsageError('save: refusing to write an archive to a terminal; use -o FILE');
  if (args.positionals.length === 0) throw new UsageError('save needs at least one image NAME');
  const format = (str(args, 'format') ?? 'docker') as ArchiveFormat;
  if (format !== 'docker' && format !== 'oci') throw new UsageError(`--format must be docker or oci, not ${format}`);
  return withCancel({ command: 'save', debug: args.flags.debug === true, stdoutData: dest === '-' }, (signal) => withStore(args, async (store) => {
    await store.save(args.positionals, dest === '-' ? process.stdout : dest, { format, signal });
    return 0;
  }));
}
