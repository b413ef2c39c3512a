import { parseHeredoc } from '../ast/heredoc.js';
import type { AddInstruction, CopyFlags, CopyInstruction, Heredoc } from '../types.js';
import { toHeredoc } from './heredocs.js';
import type { InstructionRequest } from './request.js';
import type { ParsedFlags } from './flags.js';

/** Sources, destination and inline files (heredoc sources consume the node's heredocs in order). */
function sourcesAndDest(req: InstructionRequest): { sources: string[]; dest: string; heredocs: Heredoc[] } {
  const a = req.args;
  if (a.length < 2) req.fail('E_PARSE', `${req.name} requires at least two arguments, but only one was provided. Destination could not be determined.`);
  const dest = a[a.length - 1]!;
  const docs = req.node.heredocs;
  const sources: string[] = [];
  const heredocs: Heredoc[] = [];
  if (heredocWord(dest)) req.fail('E_HEREDOC', `${req.name} cannot accept a heredoc as a destination`);
  // BuildKit looks bodies up by delimiter name (the last body of a name wins)
  const byName = new Map(docs.map((d) => [d.name, d]));
  for (const src of a.slice(0, -1)) {
    const h = heredocWord(src);
    if (!h) {
      sources.push(src);
      continue;
    }
    const body = byName.get(h.name);
    heredocs.push(toHeredoc({ ...h, content: body?.content ?? '' }));
  }
  return { sources, dest, heredocs };
}

/** BuildKit `MustParseHeredoc`: errors count as "not a heredoc". */
function heredocWord(w: string): ReturnType<typeof parseHeredoc> {
  try {
    return parseHeredoc(w);
  } catch {
    return undefined;
  }
}

const symbolicChmod = /^[ugoa]*[-+=]([rwxXst]*|[ugo])([-+=]([rwxXst]*|[ugo]))*(,[ugoa]*[-+=]([rwxXst]*|[ugo])([-+=]([rwxXst]*|[ugo]))*)*$/;

/** BuildKit's --chmod check: an octal mode up to 07777 (or a symbolic mode as newer releases accept). */
export function chmodError(v: string): string | undefined {
  if (/^[0-7]+$/.test(v) && Number.parseInt(v, 8) <= 0o7777) return undefined;
  if (symbolicChmod.test(v) && !/^[0-9]/.test(v)) return undefined;
  return `invalid chmod parameter: '${v}'. it should be octal string and between 0 and 07777`;
}

function copyFlags(f: ParsedFlags, req: InstructionRequest): CopyFlags {
  const out: CopyFlags = { link: f.bool('link'), parents: f.bool('parents'), exclude: f.strings('exclude') };
  const from = f.string('from');
  const chown = f.string('chown');
  const chmod = f.string('chmod');
  if (from !== undefined) out.from = from;
  if (chown !== undefined) out.chown = chown;
  if (chmod !== undefined) {
    const bad = chmod.includes('$') ? undefined : chmodError(chmod);
    if (bad) req.fail('E_FLAG', bad);
    out.chmod = chmod;
  }
  return out;
}

/** `COPY [--from] [--chown] [--chmod] [--link] [--parents] [--exclude]… src… dest` */
export function parseCopy(req: InstructionRequest): CopyInstruction {
  const f = req.flags.parse({ from: 'string', chown: 'string', chmod: 'string', link: 'bool', parents: 'bool', exclude: 'strings' });
  return { kind: 'COPY', range: req.range, original: req.original, ...copyFlags(f, req), ...sourcesAndDest(req) };
}

/** `ADD [--chown] [--chmod] [--link] [--keep-git-dir] [--checksum] [--exclude]… [--unpack] src… dest` */
export function parseAdd(req: InstructionRequest): AddInstruction {
  const f = req.flags.parse({ chown: 'string', chmod: 'string', link: 'bool', exclude: 'strings', 'keep-git-dir': 'bool', checksum: 'string', unpack: 'bool' });
  const out: AddInstruction = { kind: 'ADD', range: req.range, original: req.original, ...copyFlags(f, req), ...sourcesAndDest(req), keepGitDir: f.bool('keep-git-dir') };
  const checksum = f.string('checksum');
  if (checksum !== undefined) out.checksum = checksum;
  const unpack = f.optionalBool('unpack');
  if (unpack !== undefined) out.unpack = unpack;
  return out;
}
