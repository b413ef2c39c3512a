import { UsageError } from '../errors.js';

/** Placeholder until the builder lands: keeps `tsbuild --help` and flag errors working. */
export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write('Usage: tsbuild build [OPTIONS] CONTEXT\n');
    return 0;
  }
  throw new UsageError('build is not implemented yet');
}
