/**
 * Lint's base-image Env in a build: a stage the target does not need is not looked up (BuildKit
 * resolves no base for it, and checks its instructions not at all); a stage it needs is looked up
 * once, by the FROM's own lookup done ahead (a base the store lacks is pulled once, and lint knows
 * its Env on the cold build as BuildKit does; one that cannot be had is asked for once, not twice);
 * FROM --platform picks the index entry lint reads. Through the installed bin.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { TSBUILD_BIN, type CliRun } from '../helpers/cli.js';
import type { TempStore } from '../helpers/store.js';
import { makeContext, removeDir, storeWithBusybox } from './helpers.js';

let t: TempStore;
const dirs: string[] = [];
let server: Server;
let port = 0;
let connections = 0;

beforeAll(async () => {
  t = await storeWithBusybox();
  // a "registry" that counts who knocks: lint must not
  server = createServer((s) => { connections++; s.destroy(); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as { port: number }).port;
});
afterAll(async () => {
  t?.cleanup();
  for (const d of dirs) removeDir(d);
  await new Promise((r) => server?.close(r));
});

const ctxOf = (files: Record<string, string>) => { const d = makeContext(files); dirs.push(d); return d; };
/** the bin, run without blocking this process (the counting server above must keep answering) */
function ts(args: string[]): Promise<CliRun> {
  return new Promise((resolve) => {
    const p = spawn(TSBUILD_BIN, args, { env: { ...process.env, SOURCE_DATE_EPOCH: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
const warnings = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('WARNING: ')).map((l) => l.replace(/ \(\/.*\)$/, ''));

describe('lint reads bases from the store only', () => {
  it('a stage off the target path: its base is not looked up, its instructions not checked; stored bases give their Env', async () => {
    const base = ctxOf({ Dockerfile: 'FROM busybox\nENV FROM_BASE=1\n' });
    expect((await ts(['build', '--root', t.root, '--progress', 'quiet', '-t', 'envbase:1', base])).code).toBe(0);
    const ctx = ctxOf({
      Dockerfile: [
        `FROM 127.0.0.1:${port}/remote/base:1 AS unused`,
        'ENV U=$UNUSED_VAR',
        'CMD echo unused',
        'FROM envbase:1 AS final',
        'ENV X=$FROM_BASE Y=$NOT_IN_BASE',
        '',
      ].join('\n'),
    });
    const r = await ts(['build', '--root', t.root, '--progress', 'plain', ctx]);
    expect(r.code, r.stderr).toBe(0);
    expect(connections).toBe(0);
    // the same warnings as for the target's stage alone: UndefinedVar knows envbase's Env
    expect(warnings(r.stderr)).toEqual(["WARNING: UndefinedVar: Usage of undefined variable '$NOT_IN_BASE'"]);
    // `tsbuild check` (no target) checks every stage, as docker build --check does (the unused
    // stage's base is not in the store: its Env is unknown, so no UndefinedVar there)
    const c = await ts(['check', '--root', t.root, '--json', ctx]);
    expect((JSON.parse(c.stdout) as { warnings: { rule: string; range: { start: { line: number } } }[] }).warnings.map((w) => `${w.rule}@${w.range.start.line}`)).toEqual(['JSONArgsRecommended@3', 'UndefinedVar@5']);
    expect(connections).toBe(0);
  });

  it('a base that cannot be had, on the target path: asked for once (lint and FROM share the lookup), lint silent', async () => {
    const ref = `127.0.0.1:${port}/remote/base:1`;
    // what one lookup costs against this server (the client may retry)
    const before = connections;
    expect((await ts(['pull', '--root', t.root, ref])).code).not.toBe(0);
    const one = connections - before;
    expect(one).toBeGreaterThan(0);
    const ctx = ctxOf({ Dockerfile: `FROM ${ref}\nENV Y=$NOT_SET\n` });
    const mid = connections;
    const r = await ts(['build', '--root', t.root, '--progress', 'plain', ctx]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('E_IMAGE_NOT_FOUND');
    expect(r.stderr).toMatch(/Dockerfile:1/);
    // unknown to lint: UndefinedVar stays silent rather than guess
    expect(warnings(r.stderr)).toEqual([]);
    expect(connections - mid).toBe(one);
  });

  it('a base the store lacks, from a real registry: pulled once before the steps, and lint knows its Env', async (ctx) => {
    const reg = '127.0.0.1:5000';
    const probe = await fetch(`http://${reg}/v2/`).then((r) => r.ok, () => false);
    if (!probe) return ctx.skip(`no registry on ${reg} (../shared/bench/setup.sh starts one)`);
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const root = mkdtempSync(join(tmpdir(), 'tsb-lintpull-'));
    dirs.push(root);
    // PATH is in busybox's Env: no warning for it; NOT_SET is nowhere
    const c = ctxOf({ Dockerfile: `FROM ${reg}/localbase/busybox:1\nENV A=$PATH B=$NOT_SET\nRUN test -n "$A"\n` });
    const r = await ts(['build', '--root', root, '--progress', 'plain', c]);
    expect(r.code, r.stderr).toBe(0);
    expect(warnings(r.stderr)).toEqual(["WARNING: UndefinedVar: Usage of undefined variable '$NOT_SET'"]);
    // the pulled image is in the store, tagged as the FROM named it
    const img = await ts(['images', '--root', root, '--json']);
    expect(img.code, img.stderr).toBe(0);
    expect(img.stdout).toContain('localbase/busybox');
  });

  it('FROM --platform: lint reads that platform\'s entry of a stored index', async () => {
    const multi = ctxOf({ Dockerfile: 'FROM scratch\nARG TARGETARCH\nENV ARCHVAR_${TARGETARCH}=1\n' });
    const m = await ts(['build', '--root', t.root, '--progress', 'quiet', '--platform', 'linux/amd64,linux/arm64', '-t', 'multi:1', multi]);
    expect(m.code, m.stderr).toBe(0);
    const ctx = ctxOf({ Dockerfile: 'FROM --platform=linux/arm64 multi:1 AS arm64\nENV X=$ARCHVAR_arm64 Y=$ARCHVAR_amd64\n' });
    const r = await ts(['build', '--root', t.root, '--progress', 'plain', ctx]);
    expect(r.code, r.stderr).toBe(0);
    expect(warnings(r.stderr)).toEqual(["WARNING: UndefinedVar: Usage of undefined variable '$ARCHVAR_amd64' (did you mean $ARCHVAR_arm64?)"]);
  });
});
