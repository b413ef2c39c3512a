import { describe, expect, it } from 'vitest';
import { expandInstruction } from '../src/expand-instruction.js';
import { ShellLex } from '../src/expand/lex.js';
import type { VarLookup } from '../src/types.js';
import { body, parseError } from './helpers.js';
import { parse } from '../src/parse.js';

const env = (o: Record<string, string>): VarLookup => ({ get: (k) => o[k] });
const vars = env({ A: 'a', B: 'b c', M: '0700', T: 'cache', P: 'linux/arm64', N: 'world' });
const ex = <T extends Parameters<typeof expandInstruction>[0]>(i: T) => expandInstruction(i, vars);

describe('expandInstruction', () => {
  it('expands the fields BuildKit expands', () => {
    const [copy, add, envI, label, expose, volume, stop, user, workdir, arg] = body(
      'COPY --chown=$A --chmod=$M --exclude=$A* --from=src "$A" ${B} /d/$A\n' +
        'ADD --checksum=sha256:$A x /y\n' +
        'ENV $A=$B x="q $A"\n' +
        'LABEL l=$A\n' +
        'EXPOSE 9 ${A}x $B\n' +
        'VOLUME /v/$A\n' +
        'STOPSIGNAL SIG$A\n' +
        'USER $A:$A\n' +
        'WORKDIR /w/$A\n' +
        'ARG z=$A y',
    ).map((i) => ex(i));
    // --exclude is not expanded: CopyCommand.Expand/AddCommand.Expand leave ExcludePatterns alone
    expect(copy).toMatchObject({ chown: 'a', chmod: '0700', exclude: ['$A*'], from: 'src', sources: ['a', 'b c'], dest: '/d/a' });
    expect(add).toMatchObject({ checksum: 'sha256:a' });
    expect(envI).toMatchObject({ env: [{ key: 'a', value: 'b c' }, { key: 'x', value: 'q a' }] });
    expect(label).toMatchObject({ labels: [{ key: 'l', value: 'a' }] });
    // raw words sorted first (parseExpose), then each split into words (ProcessWords)
    expect(expose).toMatchObject({ ports: ['b', 'c', 'ax', '9'] });
    expect(volume).toMatchObject({ volumes: ['/v/a'] });
    expect(stop).toMatchObject({ signal: 'SIGa' });
    expect(user).toMatchObject({ user: 'a:a' });
    expect(workdir).toMatchObject({ path: '/w/a' });
    expect(arg).toMatchObject({ args: [{ name: 'z', value: 'a' }, { name: 'y' }] });
  });

  it('FROM image and platform', () => {
    const f = parse('FROM --platform=$P img:$A\n').stages[0]!.from;
    expect(ex(f)).toMatchObject({ image: 'img:a', platform: 'linux/arm64' });
  });

  it('leaves RUN/CMD/ENTRYPOINT/HEALTHCHECK/ONBUILD bodies alone, re-parses mounts', () => {
    const [run, cmd, ep, hc, ob] = body('RUN --mount=type=$T,target=/c/$A,mode=$M echo $A\nCMD echo $A\nENTRYPOINT ["$A"]\nHEALTHCHECK CMD $A\nONBUILD RUN $A');
    const r = ex(run!);
    expect(r).toMatchObject({ cmd: { command: 'echo $A' }, mounts: [{ type: 'cache', target: '/c/a', mode: 0o700, id: '/c/a' }] });
    for (const i of [cmd!, ep!, hc!, ob!]) expect(ex(i)).toEqual(i);
  });

  it('heredoc bodies of COPY expand unless the delimiter was quoted; quotes stay literal', () => {
    const [c1, c2] = body(`COPY <<EOF /a\nHello '\${N}' "$N" \\$N\nEOF\nCOPY <<'EOF' /b\nHello \${N}\nEOF`);
    expect(ex(c1!)).toMatchObject({ heredocs: [{ content: `Hello 'world' "world" $N\n` }] });
    expect(ex(c2!)).toMatchObject({ heredocs: [{ content: 'Hello ${N}\n' }] });
  });

  it('heredoc escapes as BuildKit (heredoc-copy-special-symbols)', () => {
    const [a, b, c, raw] = body('COPY <<EOF s1\n\\\nEOF\nCOPY <<EOF s2\n\\\\\nEOF\nCOPY <<EOF s3\n\\$\nEOF\nCOPY <<"EOF" r\n\\$\nEOF');
    expect([a, b, c, raw].map((i) => (ex(i!) as { heredocs: { content: string }[] }).heredocs[0]!.content)).toEqual(['\n', '\\\n', '$\n', '\\$\n']);
  });

  it('works with the backtick escape and a shared lexer', () => {
    const d = parse('# escape=`\nFROM a\nWORKDIR C:`$A\\x\n');
    const w = expandInstruction(d.stages[0]!.instructions[0]!, vars, { lex: new ShellLex('`') });
    expect(w).toMatchObject({ path: 'C:$A\\x' });
  });

  it('errors are located E_EXPAND / E_FLAG', () => {
    const [w] = body('WORKDIR ${A:?missing}\nWORKDIR ${Z:?is required}');
    expect(ex(w!)).toMatchObject({ path: 'a' });
    const e = parseError(() => expandInstruction(body('WORKDIR ${Z:?is required}')[0]!, vars, { file: 'F' }));
    expect(e.code).toBe('E_EXPAND');
    expect(e.message).toContain('Z: is required');
    expect(e.location).toMatchObject({ file: 'F', line: 2 });
    expect(parseError(() => ex(body('COPY --chmod=$A x y')[0]!)).code).toBe('E_FLAG');
    expect(parseError(() => ex(body('RUN --mount=type=$A,target=/x true')[0]!)).code).toBe('E_FLAG');
  });

  it('ENV keys and values see the variables before the instruction', () => {
    const [envI] = body('ENV a=x b=$a $a=y');
    expect(expandInstruction(envI!, env({ a: 'image' }))).toMatchObject({ env: [{ key: 'a', value: 'x' }, { key: 'b', value: 'image' }, { key: 'image', value: 'y' }] });
  });

  it('ARG names are left as written (current BuildKit skips ArgCommand.Expand), defaults expand', () => {
    const [arg] = body('ARG ${A}=$A $B');
    expect(expandInstruction(arg!, vars)).toMatchObject({ args: [{ name: '${A}', value: 'a' }, { name: '$B' }] });
  });
});
