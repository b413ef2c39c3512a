/**
 * `tsbuild check` reads the Dockerfile and the ignore file with the build's own readers
 * (plan/readDockerfile.ts, context/loadContext.ts findIgnoreFile): the same guards against files
 * that are not regular (a FIFO ends in E_NOT_REGULAR at once, not a hang), the same text, so the
 * same warnings at the same lines and columns as the build's. Through the installed bin.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TSBUILD_BIN } from '../helpers/cli.js';
import { STORE_TMP } from '../helpers/store.js';

let work: string;
let root: string;
beforeAll(() => {
  mkdirSync(STORE_TMP, { recursive: true });
  work = mkdtempSync(join(STORE_TMP, 'check-readers-'));
  root = join(work, 'root');
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

let n = 0;
function context(files: Record<string, string | Buffer>): string {
  const dir = join(work, `ctx-${n++}`);
  mkdirSync(dir);
  for (const [p, c] of Object.entries(files)) writeFileSync(join(dir, p), c);
  return dir;
}

function ts(args: string[], env: Record<string, string> = {}) {
  const t0 = Date.now();
  // SIGKILL: a CLI blocked in open(2) of a FIFO does not run its SIGTERM handler
  const r = spawnSync(TSBUILD_BIN, args, { encoding: 'utf8', timeout: 20_000, killSignal: 'SIGKILL', env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - t0 };
}
const build = (ctx: string, env: Record<string, string> = {}) => ts(['build', '--root', root, '--network', 'none', '--progress', 'plain', ctx], env);

/** `tsbuild ARGS` while `text` is written into the FIFO it reads (killed after 20 s: a hang fails) */
async function withFifo(args: string[], fifo: string, text: string): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(TSBUILD_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  writeFileSync(fifo, text);
  const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  clearTimeout(killer);
  return { code, stderr };
}

/** `file:line:column` of every `error:` line */
const errorPlaces = (stderr: string) => [...stderr.matchAll(/^error: .*?:(\d+):(\d+): .*\[(E_\w+)\]$/gm)].map((m) => `${m[1]}:${m[2]} ${m[3]}`);

describe('tsbuild check reads as the build does', () => {
  it.each([[{}], [{ TSBUILD_NO_SNAPSHOT: '1' }]])('a FIFO Dockerfile or .dockerignore in the context: E_NOT_REGULAR at once, as the build (%o)', (env: Record<string, string>) => {
    const df = context({});
    execFileSync('mkfifo', [join(df, 'Dockerfile')]);
    const ig = context({ Dockerfile: 'FROM scratch\nCOPY a /a\n', a: 'a' });
    execFileSync('mkfifo', [join(ig, '.dockerignore')]);
    for (const ctx of [df, ig]) {
      for (const r of [ts(['check', ctx], env), build(ctx, env)]) {
        expect(r.code, r.stderr).toBe(1);
        expect(r.stderr).toMatch(/is a FIFO, not a regular file \[E_NOT_REGULAR\]/);
        expect(r.stderr).not.toMatch(/\n\s+at /);
        expect(r.ms).toBeLessThan(15_000);
      }
    }
  });

  it('a Dockerfile named with -f may be a FIFO: read once, its warnings shown with their code frame', async () => {
    const ctx = context({});
    const fifo = join(ctx, 'df.fifo');
    execFileSync('mkfifo', [fifo]);
    const c = await withFifo(['check', '-f', fifo, ctx], fifo, 'FROM scratch AS a\nFROM a as b\n');
    expect(c.code, c.stderr).toBe(1);
    expect(c.stderr).toContain(`${fifo}:2:1\n`);
    expect(c.stderr).toContain(' > 2 | FROM a as b\n');
    // a build's error on such a file: said, without a code frame (the FIFO is not opened again)
    const b = await withFifo(['build', '--root', root, '--network', 'none', '-f', fifo, ctx], fifo, 'FROM scratch\nFOO bar\n');
    expect(b.code, b.stderr).toBe(1);
    expect(errorPlaces(b.stderr)).toEqual(['2:1 E_UNKNOWN_INSTRUCTION']);
  });

  it('CRLF and a BOM in the Dockerfile and .dockerignore: the same warnings and places as the build', () => {
    const bom = '\ufeff';
    const ctx = context({
      Dockerfile: `${bom}FROM scratch\r\nENV A=1 \\\r\n  B=$NOPE\r\nCOPY secret.txt /s\r\n`,
      // the BOM belongs to no pattern and the CR to no line (patternmatcher's ignorefile.ReadAll)
      '.dockerignore': `${bom}secret.txt\r\n`,
      'secret.txt': 's',
    });
    const c = ts(['check', '--json', ctx]);
    expect(c.code, c.stderr).toBe(1);
    const warnings = (JSON.parse(c.stdout) as { warnings: { rule: string; range: { start: { line: number; column: number }; end: { line: number; column: number } } }[] }).warnings;
    expect(warnings.map((w) => `${w.rule} ${w.range.start.line}:${w.range.start.column}-${w.range.end.line}:${w.range.end.column}`))
      .toEqual(['UndefinedVar 2:1-3:9', 'CopyIgnoredFile 4:1-4:18']);
    const text = ts(['check', ctx]);
    expect(text.stderr).toContain(`${join(ctx, 'Dockerfile')}:4:1\n   2 | ENV A=1 \\\n   3 |   B=$NOPE\n > 4 | COPY secret.txt /s\n     | ^\n`);
    // the build warns of the same, at the same lines (and then fails: the file is excluded)
    const b = build(ctx);
    expect(b.stderr).toContain(`WARNING: UndefinedVar: Usage of undefined variable '$NOPE' (${join(ctx, 'Dockerfile')}:2)`);
    expect(b.stderr).toContain(`WARNING: CopyIgnoredFile: Attempting to Copy file "secret.txt" that is excluded by .dockerignore (${join(ctx, 'Dockerfile')}:4)`);
  });

  it('CRLF and a BOM: a parse error at the same line and column in check and build, frame without the BOM', () => {
    const ctx = context({ Dockerfile: `\ufeff# escape=x\r\nFROM scratch\r\n` });
    const long = context({ Dockerfile: `\ufeffFROM scratch\r\nENV A=1 \\\r\n  B=2\r\nRUN echo ${'x'.repeat(70_000)}\r\n` });
    for (const [dir, place] of [[ctx, '1:1 E_PARSE'], [long, '4:1 E_PARSE']] as const) {
      const c = ts(['check', dir]);
      const b = build(dir);
      expect(c.code).toBe(1);
      expect(b.code).toBe(1);
      expect(errorPlaces(c.stderr)).toEqual([place]);
      expect(errorPlaces(b.stderr)).toEqual([place]);
    }
    expect(ts(['check', ctx]).stderr).toContain(' > 1 | # escape=x\n     | ^\n');
  });
});
