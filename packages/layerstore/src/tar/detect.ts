/** Whether a block is a tar header: its checksum (the block summed with the checksum field as spaces, bytes unsigned or signed) matches. */
export function isTarHeader(block: Buffer): boolean {
  if (block.length < 512) return false;
  const field = block.subarray(148, 156).toString('latin1').replace(/\0.*$/s, '').trim();
  if (!/^[0-7]+$/.test(field)) return false;
  const want = parseInt(field, 8);
  let sum = 0;
  let signed = 0; // old tars summed signed bytes; Go's reader takes either
  for (let i = 0; i < 512; i++) {
    const c = i >= 148 && i < 156 ? 0x20 : block[i]!;
    sum += c;
    signed += c & 0x80 ? c - 256 : c;
  }
  return sum === want || signed === want;
}
