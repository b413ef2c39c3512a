import { describe, expect, it } from 'vitest';
import { dumpAst, parseAst } from '../../src/ast/index.js';
import { goQuote } from '../../src/ast/go-text.js';
import { ParseError } from '../../src/errors.js';

const dump = (t: string): string => dumpAst(parseAst(t));
const code = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ParseError);
    return (e as ParseError).code;
  }
  throw new Error('expected a ParseError');
};

describe('parseAst: directives', () => {
  it('reads syntax, escape and check at the top', () => {
    const ast = parseAst('# syntax=docker/dockerfile:1\n# escape=`\n# check=skip=all\nFROM a\nRUN echo `\n  hi\n');
    expect(ast.directives).toEqual({ syntax: 'docker/dockerfile:1', escape: '`', check: 'skip=all' });
    expect(dump('# escape=`\nFROM a\nRUN echo `\n  hi\n')).toBe('(from "a")\n(run "echo   hi")');
  });
  it('stops at the first non-directive line', () => {
    const ast = parseAst('# hello\n# escape=`\nFROM a\nRUN a \\\n b\n');
    expect(ast.directives.escape).toBe('\\');
    expect(dumpAst(ast)).toBe('(from "a")\n(run "a  b")');
  });
  it('rejects a repeated directive and a bad escape token', () => {
    expect(code(() => parseAst('# escape=`\n# escape=\\\nFROM a'))).toBe('E_PARSE');
    expect(code(() => parseAst('# escape=x\nFROM a'))).toBe('E_PARSE');
  });
});

describe('parseAst: lines', () => {
  it('joins continuations, drops comments and empty continuation lines (with a warning)', () => {
    const ast = parseAst('FROM a\nRUN a \\\n# c\n\n  b\n');
    expect(dumpAst(ast)).toBe('(from "a")\n(run "a   b")');
    expect(ast.warnings).toHaveLength(1);
    expect(ast.warnings[0]!.message).toContain('Empty continuation line');
    expect(ast.children[1]!.range.start.line).toBe(2);
    expect(ast.children[1]!.range.end.line).toBe(5);
  });
  it('keeps an escaped escape token at the end of a line', () => {
    expect(dump('FROM a\nENV C x\\\\\nENV D y\n')).toBe('(from "a")\n(env "C" "x\\\\\\\\" "")\n(env "D" "y" "")');
  });
  it('strips leading whitespace and a BOM, handles CRLF', () => {
    expect(dump('\ufeff  FROM a\r\n\tRUN b\r\n')).toBe('(from "a")\n(run "b")');
  });
  it('records columns of instructions (first non-blank to last character)', () => {
    const ast = parseAst('FROM a\n  RUN b \\\n  c\n');
    expect(ast.children[1]!.range).toEqual({ start: { line: 2, column: 3 }, end: { line: 3, column: 3 } });
    // a BOM is not a column (BuildKit strips it before parsing)
    expect(parseAst('\ufeffFROM a\n').children[0]!.range).toEqual({ start: { line: 1, column: 1 }, end: { line: 1, column: 6 } });
  });
  it('extracts flags, keeps unknown instructions with an empty argument', () => {
    expect(dump('COPY --from=x --chown="a b" -- s d\nFOO bar')).toBe('(copy ["--from=x" "--chown=a b"] "s" "d")\n(foo "")');
  });
  it('JSON form, fallback, and non-string arrays', () => {
    expect(dump('CMD ["a","b"]\nCMD ["a"]b\nCMD [\'a\']')).toBe('(cmd "a" "b")\n(cmd "[\\"a\\"]b")\n(cmd "[\'a\']")');
    expect(code(() => parseAst('CMD ["a", 1]'))).toBe('E_JSON');
    // a trailing "comment" is text too (json.Unmarshal, BuildKit 80518e257): shell form, or a word list
    expect(dump('ENTRYPOINT ["x"] # note\nVOLUME ["/v"] # c')).toBe('(entrypoint "[\\"x\\"] # note")\n(volume "[\\"/v\\"]" "#" "c")');
  });
  it('ENV/LABEL forms and errors', () => {
    expect(dump('ENV a=1 b="2 3"\nLABEL x y z')).toBe('(env "a" "1" "=" "b" "\\"2 3\\"" "=")\n(label "x" "y z" "")');
    expect(code(() => parseAst('ENV PATH'))).toBe('E_PARSE');
    expect(code(() => parseAst('ENV a=1 b'))).toBe('E_PARSE');
  });
  it('ONBUILD nests the trigger', () => {
    expect(dump('ONBUILD RUN ["a"]\nONBUILD --x=1 COPY a b')).toBe('(onbuild (run "a"))\n(onbuild ["--x=1"] (copy "a" "b"))');
  });
  it('empty files and comment-only files have no instructions', () => {
    expect(code(() => parseAst(''))).toBe('E_EMPTY');
    expect(code(() => parseAst('# a\n\n# b\n'))).toBe('E_EMPTY');
  });
});

describe('parseAst: heredocs', () => {
  it('reads bodies after continuation lines, several per line, with fd and chomp', () => {
    const ast = parseAst('FROM a\nRUN 3<<A cat <<-"B" \\\n  x\nbody a\nA\n\tbody b\n\tB\nRUN ok\n');
    const run = ast.children[1]!;
    expect(run.heredocs).toEqual([
      { name: 'A', fileDescriptor: 3, expand: true, chomp: false, content: 'body a\n' },
      { name: 'B', fileDescriptor: 0, expand: false, chomp: true, content: '\tbody b\n' },
    ]);
    expect(run.range.start.line).toBe(2);
    expect(run.range.end.line).toBe(7);
    expect(dumpAst(ast).split('\n')[2]).toBe('(run "ok")');
  });
  it('does not read heredocs for JSON form or other instructions', () => {
    const ast = parseAst('FROM a\nRUN ["<<EOF"]\nUSER <<EOF\nEOF\n');
    expect(ast.children.map((c) => c.heredocs.length)).toEqual([0, 0, 0, 0]);
  });
  it('ONBUILD triggers carry heredocs', () => {
    const ast = parseAst('FROM a\nONBUILD RUN <<EOF\nhi\nEOF\n');
    expect(ast.children[1]!.heredocs[0]!.content).toBe('hi\n');
  });
  it('an unterminated heredoc is an error', () => {
    expect(code(() => parseAst('FROM a\nRUN <<EOF\nno end\n'))).toBe('E_HEREDOC');
  });
});

describe('parseAst: robustness', () => {
  it('binary garbage gives a ParseError or a tree, never a crash', () => {
    let seed = 1;
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
    for (let k = 0; k < 50; k++) {
      let s = '';
      for (let i = 0; i < 400; i++) s += String.fromCharCode(rnd() % 256);
      try {
        parseAst(s);
      } catch (e) {
        expect(e).toBeInstanceOf(ParseError);
      }
    }
  });
  it('a 10 MB line fails fast with a located error (scanner token limit)', () => {
    const t0 = Date.now();
    const text = 'FROM a\nRUN echo ' + 'x\\'.repeat(5 * 1024 * 1024) + '\n';
    let err: ParseError | undefined;
    try {
      parseAst(text);
    } catch (e) {
      err = e as ParseError;
    }
    expect(err?.code).toBe('E_PARSE');
    expect(err?.message).toContain('max allowed size of 65535');
    expect(err?.location?.line).toBe(2);
    expect(Date.now() - t0).toBeLessThan(2000);
  });
  it('a 60 KB line of hostile text parses quickly', () => {
    const t0 = Date.now();
    parseAst('# a=' + ' '.repeat(30000) + 'x\nFROM a\nRUN ' + '"\\'.repeat(20000) + '\nENV ' + 'a=" '.repeat(10000) + '\n');
    expect(Date.now() - t0).toBeLessThan(2000);
  });
});

describe('goQuote', () => {
  it('follows strconv.Quote', () => {
    expect(goQuote('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(goQuote('\x00\x07\x7f\t\n')).toBe('"\\x00\\a\\x7f\\t\\n"');
    expect(goQuote('♥ é \u00a0\u2028')).toBe('"♥ é \\u00a0\\u2028"');
    expect(goQuote('/')).toBe('"/"');
  });
});

describe('extractBuilderFlags', () => {
  it('works on bytes like BuildKit (non-ASCII flag text is read as Latin-1)', async () => {
    const { extractBuilderFlags } = await import('../../src/ast/split-command.js');
    expect(extractBuilderFlags('--a="x y" --b=1\\ 2 -- --c rest')).toEqual({ flags: ['--a=x y', '--b=1 2'], rest: ' --c rest' });
    expect(extractBuilderFlags('--label=é rest ü')).toEqual({ flags: ['--label=Ã©'], rest: 'rest ü' });
    expect(extractBuilderFlags("--x='' y")).toEqual({ flags: ['--x='], rest: 'y' });
  });
});
