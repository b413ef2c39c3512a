/**
 * `--cache-to` / `--cache-from` values as buildx writes them: comma-separated key=value fields
 * (CSV: a field may be double-quoted to hold a comma). `type=local` (a directory) and
 * `type=registry` (ref=REFERENCE); a bare reference (no `=`) means a registry cache, as in buildx.
 */
import { parseReference } from '@tsbuild/layerstore';
import { BuildError } from '../errors.js';
import type { CacheFromSpec, CacheMode, CacheToSpec } from './types.js';

export function parseCacheSpec(text: string, direction: 'to'): CacheToSpec;
export function parseCacheSpec(text: string, direction: 'from'): CacheFromSpec;
export function parseCacheSpec(text: string, direction: 'to' | 'from'): CacheToSpec | CacheFromSpec {
  const flag = `--cache-${direction}`;
  const fail = (msg: string): never => {
    throw new BuildError('E_USAGE', `${flag} ${JSON.stringify(text)}: ${msg}`);
  };
  if (text.trim() === '') fail('empty value');
  const fields = splitCsv(text, fail);
  // buildx: a bare reference means type=registry,ref=REFERENCE
  if (fields.length === 1 && !fields[0]!.includes('=')) fields.splice(0, 1, 'type=registry', `ref=${fields[0]!}`);
  const kv = new Map<string, string>();
  for (const f of fields) {
    const eq = f.indexOf('=');
    if (eq <= 0) fail(`invalid field ${JSON.stringify(f)}, expected key=value`);
    const key = f.slice(0, eq).trim().toLowerCase();
    if (kv.has(key)) fail(`field ${key} given twice`);
    kv.set(key, f.slice(eq + 1));
  }
  const type = kv.get('type');
  if (type === undefined) fail('type is required (type=local)');
  if (type !== 'local' && type !== 'registry') fail(`cache type ${JSON.stringify(type)} is not supported (type=local or type=registry)`);
  const allowed = type === 'registry' ? (direction === 'to' ? ['type', 'ref', 'mode', 'ignore-error'] : ['type', 'ref']) : direction === 'to' ? ['type', 'dest', 'mode', 'ignore-error'] : ['type', 'src'];
  for (const k of kv.keys()) if (!allowed.includes(k)) fail(`unknown field ${JSON.stringify(k)} for type=${type} (allowed: ${allowed.join(', ')})`);
  if (type === 'registry') {
    const ref = kv.get('ref');
    if (!ref) fail('ref=REFERENCE is required for type=registry');
    try {
      parseReference(ref!);
    } catch (err) {
      fail((err as Error).message);
    }
    if (direction === 'from') return { type: 'registry', ref: ref! };
  }

  if (direction === 'from') {
    const src = kv.get('src');
    if (!src) fail('src=DIR is required');
    return { type: 'local', src: src! };
  }
  const dest = type === 'registry' ? undefined : kv.get('dest');
  if (type === 'local' && !dest) fail('dest=DIR is required');
  const mode = kv.get('mode') ?? 'min';
  if (mode !== 'min' && mode !== 'max') fail(`mode must be min or max, not ${JSON.stringify(mode)}`);
  const ie = kv.get('ignore-error') ?? 'false';
  if (ie !== 'true' && ie !== 'false') fail(`ignore-error must be true or false, not ${JSON.stringify(ie)}`);
  if (type === 'registry') return { type: 'registry', ref: kv.get('ref')!, mode: mode as CacheMode, ignoreError: ie === 'true' };
  return { type: 'local', dest: dest!, mode: mode as CacheMode, ignoreError: ie === 'true' };
}

/** One CSV record (encoding/csv rules as buildx uses them): quotes wrap fields, "" is a quote. */
function splitCsv(text: string, fail: (msg: string) => never): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cur += '"'; i += 2; continue; }
      if (c === '"') { quoted = false; i++; continue; }
      cur += c;
    } else if (c === '"' && cur === '') {
      quoted = true;
    } else if (c === ',') {
      out.push(cur);
      cur = '';
    } else {
      cur += c;
    }
    i++;
  }
  if (quoted) fail('unterminated quote');
  out.push(cur);
  return out;
}
