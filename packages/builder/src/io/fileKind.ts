/**
 * The kind of file a stat describes, in one vocabulary: the context checksum, both differs, the
 * copying snapshotter's base tree and the regular-file reader each name kinds their own way (a
 * one-letter code, a change kind, a message word) by mapping this one answer.
 */
import type { BigIntStats, Stats } from 'node:fs';

export type FileKind = 'file' | 'dir' | 'symlink' | 'char' | 'block' | 'fifo' | 'socket';

export function fileKind(st: Stats | BigIntStats): FileKind {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isCharacterDevice()) return 'char';
  if (st.isBlockDevice()) return 'block';
  if (st.isFIFO()) return 'fifo';
  return 'socket';
}
