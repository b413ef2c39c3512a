import { parseArgs, withStore, out, humanSize } from './_store-args.js';
import { UsageError } from '../errors.js';
import { withCancel } from '../cancel.js';

const USAGE = `Usage: tsbuild prune [--root DIR] [--all] [--json]

Remove blobs and snapshots no tag or cache record reaches; --all also drops the build cache
(cache records, RUN cache mounts, ADD <url> downloads, context file hashes) that no running build uses.
`;

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { all: { short: 'a', value: false }, json: { value: false }, force: { short: 'f', value: false } });
  if (args.help) return void out(USAGE), 0;
  if (args.positionals.length) throw new UsageError('prune takes no arguments');
  return withCancel({ command: 'prune', debug: args.flags.debug === true }, (signal) => withStore(args, async (store) => {
    // first what killed builds left (their mounts, scratch, secret copies), then unreferenced content
    const { reapDeadBuilds } = await import('../../snapshot/reap.js');
    const reaped = await reapDeadBuilds(store.layers);
    const s = { ...(await store.prune({ all: args.flags.all === true, signal })), deadBuildDirs: reaped.scratchDirs + reaped.secretDirs, deadBuildMounts: reaped.mounts };
    if (args.flags.json) out(JSON.stringify(s));
    else out(`Removed ${s.blobsRemoved} blobs, ${s.snapshotsRemoved} snapshots, ${s.cacheRecordsRemoved} cache records, ${s.cacheMountsRemoved} cache mounts, ${s.urlRecordsRemoved} URL records\nTotal reclaimed space: ${humanSize(s.bytesFreed)}`);
    return 0;
  }));
}
