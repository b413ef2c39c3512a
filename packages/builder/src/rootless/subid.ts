/**
 * /etc/subuid and /etc/subgid: `NAME_OR_UID:START:COUNT` per line (shadow-utils' format). The
 * ranges a user may map into a user namespace through the setuid newuidmap/newgidmap.
 */

export interface IdRange {
  /** first host id of the range */
  start: number;
  count: number;
}

/** The ranges of the user named `name` or numbered `id`, in file order (newuidmap accepts either spelling). */
export function parseSubid(text: string, name: string | undefined, id: number): IdRange[] {
  const out: IdRange[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const [who, start, count] = line.split(':');
    if (who !== String(id) && (name === undefined || who !== name)) continue;
    const s = Number(start);
    const c = Number(count);
    if (!Number.isSafeInteger(s) || !Number.isSafeInteger(c) || s < 0 || c <= 0) continue;
    out.push({ start: s, count: c });
  }
  return out;
}
