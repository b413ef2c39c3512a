/**
 * Transfer events — bytes moving: a registry pull or push of a blob (`action`, `ref`, `digest`,
 * `kind`, `status`), or a download such as `ADD <url>` (`id`, `done`) — read structurally into one
 * shape, so the views draw them whichever module emits them. The one place that words a
 * transfer's status and sizes: the live view's bars, the plain view's lines and `tsbuild
 * pull`/`push`'s lines all say "Already exists" and "2.0MB" the same way.
 */
export interface Transfer {
  /** one bar per key */
  key: string;
  name: string;
  current: number;
  total?: number;
  /** it moves no more */
  settled: boolean;
  /** registry status (`exists`, `mounted`, `retrying` …), when there is one */
  status?: string;
  /** the plain view's line once settled (or retrying), else undefined */
  line?: string;
}

const SETTLED = new Set(['done', 'exists', 'mounted']);

/** Bytes as a transfer shows them: `512B`, `500.0kB`, `2.0MB`, `1.5GB` (decimal units, as docker). */
export function transferSize(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)}GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}kB`;
  return `${n}B`;
}

/** A rate from bytes and milliseconds (`12.5MB/s`), or '' when no time passed. */
export function transferRate(bytes: number, ms: number): string {
  return ms > 0 ? `${transferSize(Math.round((bytes * 1000) / ms))}/s` : '';
}

/**
 * What a registry blob's status says (docker pull/push's words), `undefined` while it moves.
 * `message` (why a retry) is appended where there is room for it.
 */
export function transferLabel(action: string | undefined, status: string | undefined, message?: string): string | undefined {
  switch (status) {
    case 'done': return action === 'pull' ? 'Pull complete' : action === 'push' ? 'Pushed' : 'Done';
    case 'exists': return 'Already exists';
    case 'mounted': return 'Mounted';
    case 'retrying': return message ? `Retrying: ${message}` : 'Retrying';
    default: return undefined;
  }
}

export function readTransfer(e: unknown): Transfer | undefined {
  const t = e as { type?: string; action?: string; ref?: string; digest?: string; kind?: string; status?: string; current?: number; total?: number; message?: string; id?: string; done?: boolean; stepId?: string };
  if (!t || t.type !== 'transfer') return undefined;
  const current = typeof t.current === 'number' ? t.current : 0;
  const total = typeof t.total === 'number' && t.total > 0 ? t.total : undefined;
  if (t.action === 'download' && typeof t.ref === 'string') {
    // ADD <url>: one event once fetched (the library's TransferEvent, action 'download')
    const settled = t.status === 'done';
    return { key: `download:${t.ref}`, name: `download ${t.ref}`, current, total, settled, line: settled ? `${t.stepId ? `#${t.stepId} ` : ''}downloaded ${t.ref} ${transferSize(current)}` : undefined };
  }
  if (typeof t.digest === 'string' && typeof t.status === 'string') {
    const short = t.digest.slice(7, 19);
    const settled = SETTLED.has(t.status);
    const what = transferLabel(t.action, t.status, t.message);
    return {
      key: `${t.action}:${t.digest}`, name: `${t.action} ${t.ref} ${t.kind} ${short}`, current, total, settled, status: t.status,
      line: settled || t.status === 'retrying' ? `#${t.action} ${t.ref} ${t.kind} ${short}: ${what}` : undefined,
    };
  }
  if (typeof t.id === 'string') {
    const settled = t.done === true;
    return { key: t.id, name: t.id, current, total, settled, line: settled ? `${t.stepId ? `#${t.stepId} ` : ''}transferred ${t.id} ${transferSize(current)}` : undefined };
  }
  return undefined;
}
