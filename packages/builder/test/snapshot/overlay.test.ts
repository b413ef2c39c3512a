import { afterAll, describe, expect, test } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OverlaySnapshotter } from '../../src/snapshot/overlay.js';
import { BuildError } from '../../src/errors.js';

const work = mkdtempSync('/var/tmp/tsbuild-overlay-test-');
const mountinfo = () => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(work));

afterAll(() => {
  expect(mountinfo()).toEqual([]);
  rmSync(work, { recursive: true, force: true });
});

describe('OverlaySnapshotter', () => {
  const snap = new OverlaySnapshotter();

  test('stacks lowerdirs lowest first (the last one wins), writes go to the upperdir', async () => {
    const l1 = join(work, 'l1');
    const l2 = join(work, 'l2');
    mkdirSync(l1);
    mkdirSync(l2);
    writeFileSync(join(l1, 'f'), 'one');
    writeFileSync(join(l1, 'only1'), '1');
    writeFileSync(join(l2, 'f'), 'two');
    const m = await snap.prepare([l1, l2], { scratchDir: join(work, 'a') });
    expect(m.overlay).toBe(true);
    expect(readFileSync(join(m.root, 'f'), 'utf8')).toBe('two');
    expect(readFileSync(join(m.root, 'only1'), 'utf8')).toBe('1');
    writeFileSync(join(m.root, 'new'), 'n');
    expect(readdirSync(m.upperdir)).toEqual(['new']);
    expect(readdirSync(l2).sort()).toEqual(['f']);
    await m.release();
    await m.release(); // idempotent
    expect(existsSync(join(work, 'a'))).toBe(false);
  });

  test('more layers than fit in one page of mount options (short relative links)', async () => {
    const deep = join(work, 'a-rather-long-directory-name-to-make-every-lowerdir-path-long', 'snapshots-v1', 'sha256');
    const layers: string[] = [];
    for (let i = 0; i < 120; i++) {
      const d = join(deep, `${i.toString().padStart(4, '0')}-0123456789abcdef0123456789abcdef`, 'fs');
      mkdirSync(d, { recursive: true });
      writeFileSync(join(d, `file${i}`), String(i));
      writeFileSync(join(d, 'top'), String(i));
      layers.push(d);
    }
    expect(layers.join(':').length).toBeGreaterThan(4096);
    const m = await snap.prepare(layers, { scratchDir: join(work, 'b') });
    expect(readdirSync(m.root).length).toBe(121);
    expect(readFileSync(join(m.root, 'top'), 'utf8')).toBe('119');
    expect(readFileSync(join(m.root, 'file0'), 'utf8')).toBe('0');
    await m.release();
  });

  test('release unmounts lazily when the rootfs is busy', async () => {
    const l = join(work, 'lb');
    mkdirSync(l);
    const m = await snap.prepare([l], { scratchDir: join(work, 'c') });
    const busy = spawn('sleep', ['30'], { cwd: m.root, stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 100));
    await m.release();
    expect(mountinfo().filter((x) => x.includes(join(work, 'c')))).toEqual([]);
    busy.kill('SIGKILL');
  });

  test('a lowerdir that cannot be mounted is an E_MOUNT error and leaves nothing behind', async () => {
    const err = await snap.prepare([join(work, 'does-not-exist')], { scratchDir: join(work, 'd') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BuildError);
    expect((err as BuildError).code).toBe('E_MOUNT');
    expect(existsSync(join(work, 'd'))).toBe(false);
  });
});
