/** Image reference names: `busybox` → `busybox:latest`, `host:5000/a/b` → `host:5000/a/b:latest`. */
import { formatError } from '../errors.js';

const NAME_RE = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?::[0-9]+)?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const HOST_RE = /^[a-zA-Z0-9.-]+(?::[0-9]+)?$/;
const TAG_RE = /^[\w][\w.-]{0,127}$/;

/**
 * Docker Hub names in Docker's familiar form: `docker.io/library/busybox:1` and `busybox:1` are one
 * image, as are `docker.io/localbase/debian:bookworm` (what skopeo writes into a docker-archive)
 * and `localbase/debian:bookworm` — `FROM localbase/debian:bookworm` once missed a base loaded from
 * such an archive.
 */
function familiar(ref: string): string {
  const m = /^(?:docker\.io|index\.docker\.io|registry-1\.docker\.io)\/(.+)$/.exec(ref);
  if (!m) return ref;
  const rest = m[1]!;
  return rest.startsWith('library/') && !rest.slice('library/'.length).includes('/') ? rest.slice('library/'.length) : rest;
}

export function normalizeRef(input: string): string {
  const ref = familiar(input);
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  let name = ref;
  let tag = 'latest';
  if (colon > slash) {
    name = ref.slice(0, colon);
    tag = ref.slice(colon + 1);
  }
  const first = name.split('/')[0]!;
  const rest = name.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost') ? name.slice(first.length + 1) : name;
  const hostOk = rest === name || HOST_RE.test(first);
  if (!hostOk || !NAME_RE.test(rest) || !TAG_RE.test(tag)) throw formatError(`invalid image reference: ${JSON.stringify(ref)}`, { ref });
  return `${name}:${tag}`;
}

export function isRefLike(ref: string): boolean {
  try {
    normalizeRef(ref);
    return true;
  } catch {
    return false;
  }
}
