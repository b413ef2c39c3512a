/** Flag parsing shared by the store commands (import, save, load, images, inspect, rmi, prune, fsck, tag). */
import { openStore, type Store } from '../../store/store.js';
import { UsageError } from '../errors.js';
import { extractWorkersFromEnv } from '../env.js';
import { suggest } from '@tsbuild/parser';

export interface FlagSpec {
  /** long name without dashes → takes a value? */
  [long: string]: { short?: string; value: boolean; repeat?: boolean };
}

export interface ParsedArgs {
  flags: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
  help: boolean;
}

const COMMON: FlagSpec = { root: { value: true }, debug: { short: 'D', value: false } };

export function parseArgs(argv: string[], spec: FlagSpec): ParsedArgs {
  const all: FlagSpec = { ...COMMON, ...spec };
  const byShort = new Map(Object.entries(all).flatMap(([k, v]) => (v.short ? [[v.short, k] as const] : [])));
  const flags: ParsedArgs['flags'] = {};
  const positionals: string[] = [];
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (a === '--help' || a === '-h') {
      help = true;
      continue;
    }
    if (!a.startsWith('-') || a === '-') {
      positionals.push(a);
      continue;
    }
    let name: string | undefined;
    let inline: string | undefined;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
      inline = eq >= 0 ? a.slice(eq + 1) : undefined;
    } else {
      name = byShort.get(a.slice(1, 2));
      inline = a.length > 2 ? a.slice(2).replace(/^=/, '') : undefined;
    }
    const def = name ? all[name] : undefined;
    if (!name || !def) {
      const near = suggest(a.replace(/=.*$/, ''), Object.keys(all).map((k) => `--${k}`));
      throw new UsageError(`unknown flag: ${a}${near ? ` (did you mean ${near}?)` : ''}`);
    }
    let value: string | boolean;
    if (def.value) {
      value = inline ?? argv[++i] ?? '';
      if (inline === undefined && i >= argv.length) throw new UsageError(`flag --${name} needs a value`);
    } else {
      if (inline !== undefined && !['true', 'false'].includes(inline)) throw new UsageError(`flag --${name} takes no value`);
      value = inline !== 'false';
    }
    if (def.repeat) flags[name] = [...((flags[name] as string[] | undefined) ?? []), String(value)];
    else flags[name] = value;
  }
  return { flags, positionals, help };
}

/** Open the store named by --root (default: $TSBUILD_ROOT, /var/lib/tsbuild as root, XDG data dir otherwise). */
export function storeFrom(args: ParsedArgs): Promise<Store> {
  const root = args.flags.root;
  if (root === '') throw new UsageError('--root needs a directory');
  return openStore({ root: typeof root === 'string' ? root : undefined, extractWorkers: extractWorkersFromEnv(process.env) });
}

export function str(args: ParsedArgs, name: string): string | undefined {
  const v = args.flags[name];
  return typeof v === 'string' ? v : undefined;
}

export function out(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

export function shortId(digest: string): string {
  return digest.replace(/^sha256:/, '').slice(0, 12);
}

export function humanSize(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = n;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? v : v.toPrecision(3)}${units[i]}`;
}

export function humanAge(iso: string | undefined, now = Date.now()): string {
  if (!iso) return 'N/A';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (Number.isNaN(s)) return 'N/A';
  const steps: [number, string][] = [[60, 'second'], [60, 'minute'], [24, 'hour'], [7, 'day'], [4.35, 'week'], [12, 'month'], [Infinity, 'year']];
  let v = s;
  for (const [div, unit] of steps) {
    if (v < div) return `${Math.floor(v)} ${unit}${Math.floor(v) === 1 ? '' : 's'} ago`;
    v /= div;
  }
  return 'long ago';
}

export async function withStore<T>(args: ParsedArgs, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await storeFrom(args);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
