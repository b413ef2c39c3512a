/**
 * tsbuild info — what this machine gives tsbuild: version, Node, the store, the executor and the
 * snapshotter a build would use (the lines `tsbuild build` shows only with --debug).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs, out, storeFrom } from './_store-args.js';
import { versionText } from '../main.js';

const USAGE = (name: string) => `Usage: tsbuild ${name} [--root DIR] [--json]

Show the version, the store, and the executor and snapshotter builds on this machine use, and what
the host allows: root or not, user namespaces, subordinate id ranges, the id mapping of a rootless
build, the syscall path (addon or perl), RUN's network, emulation handlers. Also 'tsbuild doctor'.
`;

export async function run(argv: string[], name = 'info'): Promise<number> {
  const args = parseArgs(argv, { json: { value: false } });
  if (args.help) return void out(USAGE(name)), 0;
  const store = await storeFrom(args);
  const scratch = mkdtempSync(join(store.layers.tmpDir(), 'info-'));
  try {
    const [{ detectExecutor }, { detectSnapshotter }] = await Promise.all([import('../../exec/detect.js'), import('../../snapshot/detect.js')]);
    const exec = detectExecutor({ runtime: 'auto', tmpDir: store.layers.tmpDir() });
    const snap = await detectSnapshotter({ scratchDir: scratch });
    const info = {
      version: versionText({}).trim(),
      store: store.root,
      executor: exec.message.replace(/^executor: /, ''),
      snapshotter: snap.message.replace(/^snapshotter: /, ''),
      images: (await store.list()).length,
      // what the host allows (root, user namespaces, subuid ranges, addon, network, emulation): rootless/report.ts
      ...Object.fromEntries((await import('../../rootless/report.js')).hostReport()),
    };
    if (args.flags.json) out(JSON.stringify(info, null, 2));
    else out(Object.entries(info).map(([k, v]) => `${`${k}:`.padEnd(13)}${v}`).join('\n'));
    (exec.executor as { dispose?(): void }).dispose?.();
    return 0;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
    await store.close();
  }
}
