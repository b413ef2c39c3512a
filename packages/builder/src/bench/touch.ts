/** The incremental scenario's probe: which context file to rewrite, and rewriting it. */
import { readFileSync, writeFileSync, statSync, readdirSync } from 'node:fs';
import { join, posix } from 'node:path';

/**
 * Default touch path: the first regular file that the LAST `COPY` from the context reads
 * (a source directory contributes its first file in sorted order). A plain line scan is enough
 * here: the bench only needs a plausible late input, not full Dockerfile semantics.
 */
export function defaultTouchPath(context: string, dockerfileText: string): string | undefined {
  const joined = dockerfileText.replace(/\\\r?\n/g, ' ');
  let sources: string[] | undefined;
  for (const line of joined.split('\n')) {
    const m = /^\s*(COPY|ADD)\s+(.*)$/i.exec(line);
    if (!m) continue;
    const words = m[2]!.trim().split(/\s+/);
    if (words.some((w) => w.startsWith('--from'))) continue;
    const args = words.filter((w) => !w.startsWith('--'));
    if (args.length >= 2 && !args[0]!.startsWith('<<')) sources = args.slice(0, -1);
  }
  if (!sources) return undefined;
  for (const src of sources) {
    const rel = posix.normalize(src).replace(/^\/+/, '');
    const found = firstFile(context, rel);
    if (found) return found;
  }
  return undefined;
}

function firstFile(context: string, rel: string): string | undefined {
  let st;
  try {
    st = statSync(join(context, rel));
  } catch {
    return undefined;
  }
  if (st.isFile()) return rel;
  if (!st.isDirectory()) return undefined;
  for (const name of readdirSync(join(context, rel)).sort()) {
    const f = firstFile(context, posix.join(rel, name));
    if (f) return f;
  }
  return undefined;
}

/** Rewrite each path with new content (original + a unique marker line); returns a restore function. */
export function rewrite(context: string, paths: string[], n: number): () => void {
  const originals = paths.map((p) => [p, readFileSync(join(context, p))] as const);
  for (const [p, body] of originals) {
    writeFileSync(join(context, p), Buffer.concat([body, Buffer.from(`\n# tsbuild bench change ${n} ${process.hrtime.bigint()}\n`)]));
  }
  return () => {
    for (const [p, body] of originals) writeFileSync(join(context, p), body);
  };
}
