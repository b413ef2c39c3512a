/**
 * tar-stream decodes PAX records as UTF-8, which mangles binary xattr values
 * (SCHILY.xattr.security.capability). This wraps its decoder once so SCHILY.xattr.* values are
 * decoded as latin1 (one char per byte): `xattrValue()` turns them back into the exact bytes.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
let patched = false;

export function patchTarStream(): void {
  if (patched) return;
  patched = true;
  const headers = require(join(dirname(require.resolve('tar-stream')), 'headers.js')) as { decodePax: (buf: Buffer) => Record<string, string> };
  const original = headers.decodePax;
  headers.decodePax = function decodePax(buf: Buffer): Record<string, string> {
    const result = original(buf);
    let rest = buf;
    while (rest.length) {
      let i = 0;
      while (i < rest.length && rest[i] !== 32) i++;
      const len = parseInt(rest.subarray(0, i).toString(), 10);
      if (!len) break;
      const rec = rest.subarray(i + 1, len - 1);
      const eq = rec.indexOf(61);
      if (eq > 0) {
        const key = rec.subarray(0, eq).toString();
        if (key.startsWith('SCHILY.xattr.')) result[key] = rec.subarray(eq + 1).toString('latin1');
      }
      rest = rest.subarray(len);
    }
    return result;
  };
}

/** The xattrs of a tar header (after patchTarStream) as exact bytes. */
export function xattrsOf(pax: Record<string, string> | null | undefined): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  if (!pax) return out;
  for (const [k, v] of Object.entries(pax)) if (k.startsWith('SCHILY.xattr.')) out.set(k.slice(13), Buffer.from(v, 'latin1'));
  return out;
}
