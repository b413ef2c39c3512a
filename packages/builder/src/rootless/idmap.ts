/**
 * A user namespace's uid_map/gid_map as the kernel shows it ("inside outside count" per line), and
 * how many ids an image needs mapped. A leaf module: the CLI's start reads it for every build
 * (warn.ts, through cli/main.ts), so it imports nothing.
 */

/** The ids an image commonly uses: 0..65534 (nobody). A smaller range gets a warning. */
export const FULL_RANGE = 65536;

/** How many ids inside this namespace map to the outside (the sum of the map's counts). */
export function mappedCount(map: string): number {
  let n = 0;
  for (const line of map.trim().split('\n')) {
    const count = Number(line.trim().split(/\s+/)[2]);
    if (Number.isFinite(count)) n += count;
  }
  return n;
}

/** `count` mapped ids represent every owner an image commonly has (0..65534). */
export function coversImageIds(count: number): boolean {
  return count >= FULL_RANGE - 1;
}

/** The outside id that `inside` maps to, or undefined when the map leaves it out. */
export function outsideId(map: string, inside: number): number | undefined {
  for (const line of map.trim().split('\n')) {
    const [i, o, c] = line.trim().split(/\s+/).map(Number);
    if (i === undefined || o === undefined || c === undefined) continue;
    if (inside >= i && inside < i + c) return o + (inside - i);
  }
  return undefined;
}
