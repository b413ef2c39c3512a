import type { ErrorCode } from '@tsbuild/errors';
import { ParseError } from '../errors.js';
import type { SourceRange } from '../types.js';
import { DirectiveState } from './directives.js';
import { trimGoSpace, trimLeftGoSpace } from './go-text.js';
import { heredocsFromLine } from './heredoc.js';
import { lineParsers, NotStringArrayError, parseIgnore } from './line-parsers.js';
import type { Ast, AstArg, AstHeredoc, AstNode } from './node.js';
import { MAX_TOKEN_BYTES, scanLines, trimNewline } from './scan-lines.js';
import { splitCommand } from './split-command.js';

/**
 * Dockerfile text → raw AST, line for line as BuildKit's `parser.Parse`: directives, comments,
 * continuation lines (escape token as last non-blank char), empty continuation lines (dropped + warning),
 * heredoc bodies, JSON vs shell form. Never evaluates anything.
 */
export interface ParseAstOptions { file?: string }

const HEREDOC_KEYWORDS = new Set(['add', 'copy', 'run']);

const isComment = (line: string): boolean => trimLeftGoSpace(trimNewline(line)).startsWith('#');

/** BuildKit's continuation regex `([^E])E[ \t]*$|^E[ \t]*$` without backtracking. */
function trimContinuation(line: string, escape: string): { line: string; end: boolean } {
  let j = line.length;
  while (j > 0 && (line[j - 1] === ' ' || line[j - 1] === '\t')) j--;
  if (j === 0 || line[j - 1] !== escape) return { line, end: true };
  if (j >= 2 && line[j - 2] === escape) return { line, end: true };
  return { line: line.slice(0, j - 1), end: false };
}

const rangeOf = (start: number, end: number): SourceRange => ({ start: { line: start, column: 1 }, end: { line: end, column: 1 } });

/** Builds one node from a joined line (recursively for ONBUILD). Throws plain errors. */
/** ONBUILD nests recursively; BuildKit rejects chained ONBUILD later anyway, so a deep chain is cut off here. */
const MAX_NESTING = 64;

function nodeFromLine(line: string, escape: string, comments: string[], depth = 0): AstNode {
  if (depth > MAX_NESTING) throw new Error('ONBUILD instructions nested too deeply');
  const { keyword, flags, rest } = splitCommand(line);
  const cmd = keyword.toLowerCase();
  const parser = Object.hasOwn(lineParsers, cmd) ? lineParsers[cmd]! : parseIgnore;
  const res = parser(rest, escape);
  const args: AstArg[] = res.args.map((value) => ({ value }));
  if (res.sub !== undefined) args.push({ child: nodeFromLine(res.sub, escape, [], depth + 1) });
  return { keyword, cmd, flags, args, json: res.json, heredocs: [], original: line, comments, range: rangeOf(0, 0) };
}

function canContainHeredoc(node: AstNode): boolean {
  let n = node;
  if (n.cmd === 'onbuild') {
    const c = n.args[0];
    if (c && 'child' in c) n = c.child;
  }
  return HEREDOC_KEYWORDS.has(n.cmd) && !n.json;
}

export function parseAst(text: string, opts: ParseAstOptions = {}): Ast {
  const file = opts.file ?? 'Dockerfile';
  const fail = (code: ErrorCode, message: string, start: number, end = start): never => {
    throw new ParseError(code, message, { file, range: rangeOf(Math.max(start, 1), Math.max(end, start, 1)) });
  };
  const { lines, tooLong } = scanLines(text);
  if (lines.length > 0 && lines[0]!.startsWith('\ufeff')) lines[0] = lines[0]!.slice(1);
  const d = new DirectiveState();
  const children: AstNode[] = [];
  const warnings: Ast['warnings'] = [];
  let comments: string[] = [];
  let i = 0;
  let currentLine = 0;

  const processLine = (raw: string, stripLeft: boolean): string => {
    let token = trimNewline(raw);
    if (stripLeft) token = trimLeftGoSpace(token);
    try {
      d.feed(token);
    } catch (e) {
      fail('E_PARSE', (e as Error).message, currentLine + 1);
    }
    return token.startsWith('#') ? '' : token;
  };

  while (i < lines.length) {
    const raw = lines[i++]!;
    if (isComment(raw)) {
      const c = trimGoSpace(trimLeftGoSpace(raw).slice(1));
      comments = c === '' ? [] : [...comments, c];
    }
    const first = processLine(raw, true);
    currentLine++;
    const startLine = currentLine;
    let { line, end } = trimContinuation(first, d.values.escape);
    if (end && line === '') continue;

    let emptyContinuation = false;
    while (!end && i < lines.length) {
      const rawNext = lines[i++]!;
      const next = processLine(rawNext, false);
      currentLine++;
      if (isComment(rawNext)) continue;
      if (trimLeftGoSpace(next).length === 0) {
        emptyContinuation = true;
        continue;
      }
      const t = trimContinuation(next, d.values.escape);
      end = t.end;
      line += t.line;
    }
    if (emptyContinuation) {
      warnings.push({ message: `Empty continuation line found in: ${line}`, line: currentLine, url: 'https://docs.docker.com/go/dockerfile/rule/no-empty-continuation/' });
    }

    let node: AstNode;
    try {
      node = nodeFromLine(line, d.values.escape, comments);
    } catch (e) {
      const code = e instanceof NotStringArrayError ? 'E_JSON' : 'E_PARSE';
      return fail(code, (e as Error).message, startLine, currentLine);
    }

    if (canContainHeredoc(node)) {
      let docs: ReturnType<typeof heredocsFromLine>;
      try {
        docs = heredocsFromLine(line);
      } catch (e) {
        return fail('E_HEREDOC', (e as Error).message, startLine, currentLine);
      }
      for (const doc of docs) {
        let content = '';
        let terminated = false;
        while (i < lines.length) {
          const body = lines[i++]!;
          currentLine++;
          let candidate = trimNewline(body);
          if (doc.chomp) candidate = candidate.replace(/^\t+/, '');
          if (candidate === doc.name) {
            terminated = true;
            break;
          }
          content += body;
        }
        if (!terminated) fail('E_HEREDOC', 'unterminated heredoc', startLine, currentLine);
        const h: AstHeredoc = { ...doc, content };
        node.heredocs.push(h);
      }
    }
    node.range = endRange(lines, startLine, currentLine);
    children.push(node);
    comments = [];
  }

  if (children.length === 0) fail('E_EMPTY', 'file with no instructions', currentLine);
  if (tooLong) fail('E_PARSE', `dockerfile line greater than max allowed size of ${MAX_TOKEN_BYTES - 1}`, currentLine + 1);
  return {
    children,
    startLine: children[0]!.range.start.line,
    endLine: children[children.length - 1]!.range.end.line,
    directives: { ...d.values },
    warnings,
  };
}

/** Range from the first non-blank column of the start line to the last character of the end line. */
function endRange(lines: string[], start: number, end: number): SourceRange {
  const first = trimNewline(lines[start - 1] ?? '');
  const last = trimNewline(lines[end - 1] ?? '');
  const lead = first.length - trimLeftGoSpace(first).length;
  return { start: { line: start, column: lead + 1 }, end: { line: end, column: Math.max(1, last.length) } };
}
