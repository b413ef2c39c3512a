/**
 * Transfer events — bytes moving: a registry pull or push of a blob (`action`, `ref`, `digest`,
 * `kind`, `status`), or a download such as `ADD <url>` (`id`, `done`) — read structurally into one
 * shape, so the views draw them whichever module emits them.
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

export function readTransfer(e: unknown): Transfer | undefined {
  const t = e as { type?: string; action?: string; ref?: string; digest?: string; kind?: string; status?: string; current?: number; total?: number; message?: string; id?: string; done?: boolean; stepId?: string };
  if (!t || t.type !== 'transfer') return undefined;
  const current = typeof t.current === 'number' ? t.current : 0;
  const total = typeof t.total === 'number' && t.total > 0 ? t.total : undefined;
  if (t.action === 'download' && typeof t.ref === 'string') {
    // ADD <url>: one event once fetched (the library's TransferEvent, action 'download')
    const settled = t.status === 'done';
    return { key: `download:${t.ref}`, name: `download ${t.ref}`, current, total, settled, line: settled ? `${t.stepId ? `#${t.stepId} ` : ''}downloaded ${t.ref} ${(current / 1e6).toFixed(1)}MB` : undefined };
  }
  if (typeof t.digest === 'string' && typeof t.status === 'string') {
    const short = t.digest.slice(7, 19);
    const settled = SETTLED.has(t.status);
    const what = t.status === 'done' ? (t.action === 'pull' ? 'Pull complete' : 'Pushed') : t.status === 'exists' ? 'Already exists' : t.status === 'mounted' ? 'Mounted' : t.status === 'retrying' ? `Retrying: ${t.message ?? ''}` : undefined;
    return {
      key: `${t.action}:${t.digest}`, name: `${t.action} ${t.ref} ${t.kind} ${short}`, current, total, settled, status: t.status,
      line: settled || t.status === 'retrying' ? `#${t.action} ${t.ref} ${t.kind} ${short}: ${what}` : undefined,
    };
  }
  if (typeof t.id === 'string') {
    const settled = t.done === true;
    return { key: t.id, name: t.id, current, total, settled, line: settled ? `${t.stepId ? `#${t.stepId} ` : ''}transferred ${t.id} ${(current / 1e6).toFixed(1)}MB` : undefined };
  }
  return undefined;
}
