/** Tar entry names → safe relative paths. Absolute names and `..` escapes are refused (E_UNSAFE_PATH). */
import { posix } from 'node:path';
import { unsafePath } from '../errors.js';

/** a `.` or `..` path segment */
const DOT_SEGMENT = /(?:^|\/)\.\.?(?:\/|$)/;

/** Normalised relative path ('' for the root itself). */
export function safeEntryName(name: string): string {
  if (name.includes('\0')) throw unsafePath(`tar entry name contains NUL: ${JSON.stringify(name)}`, { name });
  if (name.startsWith('/')) throw unsafePath(`tar entry has an absolute path: ${name}`, { name });
  // already normal (the usual `./a/b` or `a/b/`): what posix.normalize would return, without it
  const s = name.startsWith('./') ? name.slice(2) : name;
  if (s !== '' && !s.startsWith('/') && !s.includes('//') && !DOT_SEGMENT.test(s)) return s.endsWith('/') ? s.slice(0, -1) : s;
  const n = posix.normalize(name);
  if (n === '..' || n.startsWith('../')) throw unsafePath(`tar entry escapes the layer root: ${name}`, { name });
  if (n === '.' || n === './' || n === '') return '';
  return n.endsWith('/') ? n.slice(0, -1) : n;
}
