/** The CLI end to end (through bin/tsbuild.js, i.e. dist/): flags, outputs, exit codes, progress. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/busybox.js';
import { runTsbuild } from '../helpers/cli.js';
import { STORE_TMP, type TempStore } from '../helpers/store.js';
import { makeContext, removeDir, storeWithBusybox } from './helpers.js';

let t: TempStore;
const dirs: string[] = [];
beforeAll(async () => {
  t = await storeWithBusybox();
});
afterAll(() => {
  t?.cleanup();
  for (const d of dirs) removeDir(d);
});

function tsbuild(args: string[], input?: string) {
  return runTsbuild(args, { input, env: { SOURCE_DATE_EPOCH: '' } });
}

describe('tsbuild build (CLI)', () => {
  it('builds the README example, tags it, writes iidfile and metadata, then rebuilds from cache', () => {
    const out = mkdtempSync(join(STORE_TMP, 'cli-'));
    dirs.push(out);
    const ctx = join(REPO_ROOT, 'fixtures/example');
    const args = ['build', '--root', t.root, '--progress', 'plain', '-t', 'app:1', '--iidfile', join(out, 'iid'), '--metadata-file', join(out, 'meta.json'), ctx];
    const first = tsbuild(args);
    expect(first.stderr).toMatch(/#\d+ \[build 4\/4\] RUN sh \.\/build\.sh/);
    expect(first.code).toBe(0);
    const iid = readFileSync(join(out, 'iid'), 'utf8');
    expect(iid).toMatch(/^sha256:[0-9a-f]{64}$/);
    const meta = JSON.parse(readFileSync(join(out, 'meta.json'), 'utf8'));
    // --iidfile holds the image ID as docker's does: the config digest (what `docker images` shows)
    expect(meta['containerimage.config.digest']).toBe(iid);
    expect(meta['containerimage.digest']).toMatch(/^sha256:/);
    expect(meta['containerimage.digest']).not.toBe(iid);
    const again = tsbuild(args);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/#\d+ CACHED/);
    // nothing ran: no RUN output lines (`#N 0.123 …`)
    expect(again.stderr).not.toMatch(/#\d+ \d+\.\d{3} /);
    expect(readFileSync(join(out, 'iid'), 'utf8')).toBe(iid);
  });

  it('writes -o type=local, type=tar, type=oci and type=docker', () => {
    const ctx = makeContext({ 'hello.txt': 'hi' });
    dirs.push(ctx);
    writeFileSync(join(ctx, 'Dockerfile'), 'FROM busybox\nCOPY hello.txt /hello.txt\n');
    const out = mkdtempSync(join(STORE_TMP, 'cli-out-'));
    dirs.push(out);
    const r = tsbuild(['build', '--root', t.root, '--progress', 'quiet', '-t', 'outs:1', '-o', `type=local,dest=${join(out, 'local')}`, '-o', `type=tar,dest=${join(out, 'fs.tar')}`,
      '-o', `type=oci,dest=${join(out, 'oci.tar')}`, '-o', `type=docker,dest=${join(out, 'docker.tar')}`, ctx]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(readFileSync(join(out, 'local/hello.txt'), 'utf8')).toBe('hi');
    expect(existsSync(join(out, 'local/bin/busybox'))).toBe(true);
    const list = (f: string) => spawnSync('tar', ['-tf', join(out, f)], { encoding: 'utf8' }).stdout.split('\n');
    expect(list('fs.tar')).toContain('./hello.txt');
    expect(list('oci.tar')).toEqual(expect.arrayContaining(['oci-layout', 'index.json']));
    expect(list('docker.tar')).toContain('manifest.json');
  });

  it('reads the Dockerfile from stdin; a failing RUN exits 1 with the step error; bad flags exit 2', () => {
    const ctx = makeContext({});
    dirs.push(ctx);
    const ok = tsbuild(['build', '--root', t.root, '-q', '-f', '-', ctx], 'FROM busybox\nENV A=1\n');
    expect(ok.code).toBe(0);
    expect(ok.stdout.trim()).toMatch(/^sha256:[0-9a-f]{64}$/);
    writeFileSync(join(ctx, 'Dockerfile'), 'FROM busybox\nRUN echo doomed && exit 7\n');
    const bad = tsbuild(['build', '--root', t.root, '--progress', 'plain', '--network', 'none', ctx]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('exit code: 7');
    expect(bad.stderr).toContain('[E_EXEC_FAILED]');
    expect(bad.stderr).toMatch(/> 2 \| RUN echo doomed/);
    expect(tsbuild(['build', '--root', t.root, '--frobnicate', ctx]).code).toBe(2);
    expect(tsbuild(['build', '--root', t.root]).code).toBe(2);
  });
});
