import { chmod, lchown } from 'node:fs/promises';
import { relative, join } from 'node:path';

/** Give every directory from `first` (the first one mkdir -p created) down to `target` an owner and 0755. */
export async function lchownCreated(first: string, target: string, uid: number, gid: number): Promise<void> {
  const rest = relative(first, target).split('/').filter(Boolean);
  let p = first;
  for (let i = 0; ; i++) {
    await chmod(p, 0o755);
    if (uid !== 0 || gid !== 0) await lchown(p, uid, gid);
    if (i >= rest.length) break;
    p = join(p, rest[i]!);
  }
}
