/**
 * Bad input through the CLI: each case exits 1 with a clear error (code, and file:line:column with a
 * code frame where there is a Dockerfile line to blame), never a stack trace; afterwards the store is
 * unchanged in what users see (no new tag) and passes fsck.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runTsbuild } from '../helpers/cli.js';
import { type TempStore } from '../helpers/store.js';
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

function tsbuild(args: string[]) {
  return runTsbuild(args);
}

/** Build `dockerfile` in a fresh context as tag bad:latest and return the CLI result. */
function buildBad(dockerfile: string, files: Record<string, string> = {}, prepare?: (ctx: string) => void) {
  const ctx = makeContext({ Dockerfile: dockerfile, ...files });
  dirs.push(ctx);
  prepare?.(ctx);
  return { ctx, ...tsbuild(['build', '--root', t.root, '--progress', 'plain', '--network', 'none', '-t', 'bad:latest', ctx]) };
}

async function expectStoreUnchanged(): Promise<void> {
  const names = (await t.store.listImages()).map((i) => i.name);
  expect(names).not.toContain('bad:latest');
  expect(await t.store.fsck()).toEqual([]);
}

describe('bad input gives a clear error and leaves the store consistent', () => {
  it('a RUN that fails: exit code, file:line, the last output lines', async () => {
    const r = buildBad('FROM busybox\nRUN echo first-line && echo boom-output >&2 && exit 7\n');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Dockerfile:2:1: /);
    expect(r.stderr).toContain('exit code: 7');
    expect(r.stderr).toContain('boom-output');
    expect(r.stderr).toContain('[E_EXEC_FAILED]');
    expect(r.stderr).toMatch(/> 2 \| RUN echo first-line/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    await expectStoreUnchanged();
  });

  it('a COPY of a missing file', async () => {
    const r = buildBad('FROM busybox\nCOPY nothere.txt /x\n');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Dockerfile:2:1: .*nothere\.txt.*not found/);
    expect(r.stderr).toContain('[E_COPY_SOURCE]');
    await expectStoreUnchanged();
  });

  it('a --from naming no stage and no image', async () => {
    const r = buildBad('FROM busybox AS a\nRUN true\nFROM busybox\nCOPY --from=nosuchstage /x /x\n');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('nosuchstage');
    expect(r.stderr).toMatch(/\[E_[A-Z_]+\]/);
    await expectStoreUnchanged();
  });

  it('a cyclic stage reference', async () => {
    const r = buildBad('FROM busybox AS a\nCOPY --from=b /x /x\nFROM busybox AS b\nCOPY --from=a /y /y\n');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/\[E_STAGE\]/);
    expect(r.stderr).toMatch(/Dockerfile:\d+:\d+: /);
    await expectStoreUnchanged();
  });

  it('an unknown instruction and a bad flag name their line and column', async () => {
    const r1 = buildBad('FROM busybox\nRUN true\nFNTRYPOINT ["a"]\n');
    expect(r1.code).toBe(1);
    expect(r1.stderr).toMatch(/Dockerfile:3:1: unknown instruction: FNTRYPOINT/i);
    expect(r1.stderr).toContain('[E_UNKNOWN_INSTRUCTION]');
    const r2 = buildBad('FROM busybox\nCOPY --nope=1 a /a\n', { a: 'x' });
    expect(r2.code).toBe(1);
    expect(r2.stderr).toMatch(/Dockerfile:2:\d+: unknown flag: nope/); // BuildKit's wording
    expect(r2.stderr).toContain('[E_FLAG]');
    await expectStoreUnchanged();
  });

  it('a context symlink pointing outside the context is copied as a link, never followed out', async () => {
    const outside = makeContext({ 'secret.txt': 'host secret' });
    dirs.push(outside);
    const r = buildBad('FROM busybox\nCOPY link.txt /link.txt\nRUN cat /link.txt\n', {}, (ctx) => {
      symlinkSync(join(outside, 'secret.txt'), join(ctx, 'link.txt'));
    });
    // BuildKit resolves the source symlink inside the context: the target does not exist there.
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).not.toContain('host secret');
    await expectStoreUnchanged();
  });

  it('an ADD of a tar with ../ entries is not bad input: clamped into the destination as BuildKit does', async () => {
    // BuildKit untars chrooted into the destination (chrootarchive.Untar), where "../../x" is "/x"
    const ctx = makeContext({ Dockerfile: 'FROM busybox\nADD evil.tar /dst/\nRUN test "$(cat /dst/escape.txt)" = escaped && test ! -e /escape.txt\n' });
    dirs.push(ctx);
    const src = join(ctx, 'src');
    mkdirSync(join(src, 'd'), { recursive: true });
    writeFileSync(join(src, 'escape.txt'), 'escaped');
    spawnSync('tar', ['-cf', join(ctx, 'evil.tar'), '-C', src, '--transform', 's,^escape.txt,../../escape.txt,', 'escape.txt', 'd'], { encoding: 'utf8' });
    const r = tsbuild(['build', '--root', t.root, '--progress', 'plain', '--network', 'none', '-t', 'clamped:latest', ctx]);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(ctx, '..', 'escape.txt'))).toBe(false);
    expect(await t.store.fsck()).toEqual([]);
  });

  it('garbage input is a located parse error, not a stack trace', async () => {
    const r = buildBad('\u0000\u0001\u0002binary\nFROM busybox\n');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: .*Dockerfile:1:\d+: /m);
    expect(r.stderr).not.toContain('internal error');
    await expectStoreUnchanged();
  });
});
