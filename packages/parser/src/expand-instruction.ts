import { ExpandError, ParseError } from './errors.js';
import { ShellLex, type EscapeToken } from './expand/lex.js';
import { chmodError } from './instructions/copy.js';
import { MountError } from './instructions/mount.js';
import { parseMounts } from './instructions/run.js';
import type { AddInstruction, CopyInstruction, Heredoc, Instruction, VarLookup } from './types.js';

/**
 * Word expansion of one instruction, on exactly the fields BuildKit expands at dispatch time:
 * ADD/COPY (sources, dest, --chown, --chmod, ADD --checksum, heredoc bodies whose
 * delimiter was unquoted), ENV and LABEL (keys and values, all against the scope *before* the
 * instruction), EXPOSE (split into words: `ProcessWords`), FROM (image, --platform), STOPSIGNAL, USER, VOLUME, WORKDIR, ARG defaults and
 * RUN --mount fields. RUN/CMD/ENTRYPOINT/SHELL/HEALTHCHECK bodies, MAINTAINER and ONBUILD are left as is.
 * Pure: returns a new instruction; errors are located `ExpandError`s (code E_EXPAND) or `E_FLAG`.
 */
export interface ExpandOptions {
  escape?: EscapeToken;
  /** reuse a lexer (its escape token wins over `escape`) */
  lex?: ShellLex;
  /** file name for error locations */
  file?: string;
}

export function expandInstruction<T extends Instruction>(instr: T, lookup: VarLookup, opts: ExpandOptions = {}): T {
  const lex = opts.lex ?? new ShellLex(opts.escape ?? '\\');
  const location = { file: opts.file ?? 'Dockerfile', range: instr.range };
  const word = (w: string): string => {
    try {
      return lex.processWord(w, lookup);
    } catch (e) {
      if (e instanceof ParseError) throw new ExpandError(e.message, location);
      throw e;
    }
  };
  // BuildKit ProcessWords: expanded, then split on unquoted white space (EXPOSE only)
  const words = (w: string): string[] => {
    try {
      return lex.processWords(w, lookup);
    } catch (e) {
      if (e instanceof ParseError) throw new ExpandError(e.message, location);
      throw e;
    }
  };
  const i = instr as Instruction;
  let out: Instruction;
  switch (i.kind) {
    case 'FROM':
      out = { ...i, image: word(i.image) };
      if (i.platform !== undefined) out.platform = word(i.platform);
      break;
    case 'COPY':
    case 'ADD':
      out = expandCopy(i, word, lookup, location);
      break;
    case 'ENV':
      out = { ...i, env: i.env.map((kv) => ({ key: word(kv.key), value: word(kv.value) })) };
      break;
    case 'LABEL':
      out = { ...i, labels: i.labels.map((kv) => ({ key: word(kv.key), value: word(kv.value) })) };
      break;
    case 'EXPOSE':
      // dispatchExpose: each (already sorted) raw word through ProcessWords, in order, flattened
      out = { ...i, ports: i.ports.flatMap(words) };
      break;
    case 'VOLUME':
      out = { ...i, volumes: i.volumes.map(word) };
      break;
    case 'STOPSIGNAL':
      out = { ...i, signal: word(i.signal) };
      break;
    case 'USER':
      out = { ...i, user: word(i.user) };
      break;
    case 'WORKDIR':
      out = { ...i, path: word(i.path) };
      break;
    case 'ARG':
      out = { ...i, args: i.args.map((a) => (a.value === undefined ? { ...a } : { name: a.name, value: word(a.value) })) };
      break;
    case 'RUN':
      try {
        out = { ...i, mounts: parseMounts(i.mountsRaw, true, word) };
      } catch (e) {
        if (e instanceof MountError) throw new ParseError('E_FLAG', `--mount: ${e.message}`, location);
        throw e;
      }
      break;
    default:
      out = i;
  }
  return out as T;
}

function expandCopy(i: CopyInstruction | AddInstruction, word: (w: string) => string, lookup: VarLookup, location: { file: string; range: Instruction['range'] }): CopyInstruction | AddInstruction {
  // --exclude patterns stay as written: BuildKit's CopyCommand/AddCommand.Expand (instructions/
  // commands.go) expand --chown, --chmod, ADD --checksum, sources and dest, not ExcludePatterns
  const out = { ...i, sources: i.sources.map(word), dest: word(i.dest), heredocs: i.heredocs.map((h) => expandHeredoc(h, lookup, location)) };
  // --from is never expanded (stageGraph rejects a `$` in it, as BuildKit does)
  if (i.chown !== undefined) out.chown = word(i.chown);
  if (i.chmod !== undefined) {
    out.chmod = word(i.chmod);
    const bad = chmodError(out.chmod);
    if (bad) throw new ParseError('E_FLAG', bad, location);
  }
  if (out.kind === 'ADD' && out.checksum !== undefined) out.checksum = word(out.checksum);
  return out;
}

/** Inline files of COPY/ADD: expanded like a shell heredoc body when the delimiter was unquoted (quotes are literal). */
function expandHeredoc(h: Heredoc, lookup: VarLookup, location: { file: string; range: Instruction['range'] }): Heredoc {
  if (!h.expand) return h;
  // BuildKit ExpandRaw: a fresh backslash lexer with SkipProcessQuotes, whatever the escape directive
  const bodyLex = new ShellLex('\\', { skipProcessQuotes: true });
  try {
    return { ...h, content: bodyLex.processWord(h.content, lookup) };
  } catch (e) {
    if (e instanceof ParseError) throw new ExpandError(e.message, location);
    throw e;
  }
}
