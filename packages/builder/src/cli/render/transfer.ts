/**
 * Registry transfer events (layerstore's TransferEvent: a blob of a pull or push), read
 * structurally so the views draw them whichever module emits them.
 */
export interface TransferLike { type: 'transfer'; action: string; ref: string; digest: string; kind: string; status: string; current: number; total: number; message?: string }

/** statuses after which a blob moves no more */
export const SETTLED = new Set(['done', 'exists', 'mounted']);

export function asTransfer(e: unknown): TransferLike | undefined {
  const t = e as Partial<TransferLike>;
  return t && t.type === 'transfer' && typeof t.digest === 'string' && typeof t.status === 'string' ? (t as TransferLike) : undefined;
}
