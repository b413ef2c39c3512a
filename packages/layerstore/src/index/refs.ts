/** Image reference names: `busybox` → `busybox:latest`, `host:5000/a/b` → `host:5000/a/b:latest`. */
import { formatError } from '../errors.js';

const NAME_RE = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?::[0-9]+)?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const HOST_RE = /^[a-zA-Z0-9.-]+(?::[0-9]+)?$/;
const TAG_RE = /^[\w][\w.-]{0,127}$/;

export function normalizeRef(ref: string): string {
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
