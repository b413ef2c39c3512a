/**
 * File names are bytes. Linux allows any bytes but '/' and NUL in a name, tar carries them as they
 * are, and Docker copies and diffs them exactly; JavaScript strings are UTF-16, and Node decodes
 * names as UTF-8, turning every invalid byte into U+FFFD — after which the file cannot be found
 * (a RUN that created one crashed the build; a context holding one gave "internal error ENOENT").
 *
 * So names are decoded losslessly, as Python's "surrogateescape" does: valid UTF-8 stays text,
 * each byte of an invalid sequence becomes the lone surrogate U+DC80..U+DCFF (which valid UTF-8
 * can never produce). Such a string goes back to the exact bytes with `encodeName`, and to the
 * file system with `fsName` (a Buffer path when it holds an escaped byte, else the string itself:
 * the common case costs one regex test).
 */

const ESCAPED = /[\udc80-\udcff]/;

/** true when `s` carries escaped (non-UTF-8) bytes */
export function hasEscapes(s: string): boolean {
  return ESCAPED.test(s);
}

/** The name's bytes, losslessly decoded (see the header). */
export function decodeName(b: Buffer, start = 0, end = b.length): string {
  const s = b.toString('utf8', start, end);
  // U+FFFD appears only for invalid input — or a genuine U+FFFD (EF BF BD), which the slow path keeps
  if (!s.includes('\ufffd')) return s;
  let out = '';
  let i = start;
  while (i < end) {
    const c = b[i]!;
    let n = 0;
    let min = 0;
    if (c < 0x80) {
      out += String.fromCharCode(c);
      i++;
      continue;
    } else if (c >= 0xc2 && c <= 0xdf) {
      n = 1;
      min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      min = 0x10000;
    }
    let cp = n === 1 ? c & 0x1f : n === 2 ? c & 0x0f : c & 0x07;
    let ok = n > 0 && i + n < end;
    for (let k = 1; ok && k <= n; k++) {
      const cc = b[i + k];
      if (cc === undefined || (cc & 0xc0) !== 0x80) ok = false;
      else cp = (cp << 6) | (cc & 0x3f);
    }
    if (ok && (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))) ok = false;
    if (ok) {
      out += String.fromCodePoint(cp);
      i += n + 1;
    } else {
      out += String.fromCharCode(0xdc00 + c);
      i++;
    }
  }
  return out;
}

/** The exact bytes of a name from `decodeName`. */
export function encodeName(s: string): Buffer {
  if (!hasEscapes(s)) return Buffer.from(s, 'utf8');
  const parts: Buffer[] = [];
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const u = s.charCodeAt(i);
    if (u < 0xdc80 || u > 0xdcff) continue;
    // a lone low surrogate (a high one before it would make a pair: none can, see decodeName)
    if (i > from) parts.push(Buffer.from(s.slice(from, i), 'utf8'));
    parts.push(Buffer.from([u - 0xdc00]));
    from = i + 1;
  }
  if (from < s.length) parts.push(Buffer.from(s.slice(from), 'utf8'));
  return Buffer.concat(parts);
}

/** The path to hand to node:fs: a Buffer only when the name holds escaped bytes. */
export function fsName(s: string): string | Buffer {
  return hasEscapes(s) ? encodeName(s) : s;
}
