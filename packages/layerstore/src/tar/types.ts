/** The shapes of the tar module: what the reader hands out and what the packer takes. */

export type EntryType = 'file' | 'link' | 'symlink' | 'character-device' | 'block-device' | 'directory' | 'fifo' | 'contiguous-file' | 'other';

/** One entry as read (ustar fields with PAX / GNU long-name overrides applied). Names are bytes (util/bytesName.ts). */
export interface TarHeader {
  name: string;
  type: EntryType;
  /** the raw typeflag byte ('0', '7', 'S', …): what `other` and `contiguous-file` were */
  typeflag?: string;
  mode: number;
  uid: number;
  gid: number;
  /** user/group names as recorded (extraction uses the numeric ids, as Docker's Untar does) */
  uname: string;
  gname: string;
  size: number;
  /** whole milliseconds, rounded down */
  mtime: Date;
  /** the PAX `mtime` record as written (decimal seconds, up to nanoseconds), when there was one */
  paxMtime: string | undefined;
  linkname: string;
  devmajor: number;
  devminor: number;
  /** SCHILY.xattr.* as exact bytes */
  xattrs: Map<string, Buffer>;
}

/**
 * One entry to write. Unset fields: type 'file', mode 0644 (directories 0755), ids 0, mtime 0.
 * `pax`: extra PAX records (text); with them (or a name/target that does not fit ustar) a
 * `PaxHeader` entry carrying path, linkpath and these records precedes the header.
 */
export interface PackHeader {
  name: string;
  type?: Exclude<EntryType, 'other'>;
  mode?: number;
  uid?: number;
  gid?: number;
  /** body size (files only); taken from the body when one is given */
  size?: number;
  /** a Date, or whole seconds */
  mtime?: Date | number;
  linkname?: string;
  uname?: string;
  gname?: string;
  devmajor?: number;
  devminor?: number;
  pax?: Record<string, string>;
}
