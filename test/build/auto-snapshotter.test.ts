/**
 * The build's default snapshotter decides on overlayfs by its first real mount (no probe mount
 * first); a failing first mount is told apart from "overlayfs can't work here" by the probe.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AutoSnapshotter } from '../../packages/builder/src/snapshot/auto.js';
import { BuildError } from '../../packages/builder/src/errors.js';

const work = mkdtempSync('/var/tmp/tsbuild-auto-snap-');
const mountinfo = () => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(work));

afterAll(() => {
  expect(mountinfo()).toEqual([]);
  rmSync(work, { recursive: true, force: true });
});

describe('AutoSnapshotter', () => {
  test('concurrent first mounts: one decision, one message, both mounted on overlayfs', async () => {
    const messages: string[] = [];
    const snap = new AutoSnapshotter({ scratchDir: join(work, 'tmp1'), onChoice: (m) => messages.push(m) });
    const lower = join(work, 'lower');
    mkdirSync(lower);
    writeFileSync(join(lower, 'f'), 'x');
    const [a, b] = await Promise.all([1, 2].map((i) => snap.prepare([lower], { scratchDir: join(work, `s${i}`) })));
    expect(messages).toEqual(['snapshotter: overlayfs']);
    expect(snap.name).toBe('overlayfs');
    expect([a!.overlay, b!.overlay]).toEqual([true, true]);
    expect(readFileSync(join(a!.root, 'f'), 'utf8')).toBe('x');
    expect(mountinfo().length).toBe(2);
    await Promise.all([a!.release(), b!.release()]);
    expect(mountinfo()).toEqual([]);
  });

  test('a first mount that fails where overlayfs works is that mount\'s error (E_MOUNT), and overlayfs stays chosen', async () => {
    const messages: string[] = [];
    const snap = new AutoSnapshotter({ scratchDir: join(work, 'tmp2'), onChoice: (m) => messages.push(m) });
    const err = await snap.prepare([join(work, 'no-such-lower')], { scratchDir: join(work, 'bad') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BuildError);
    expect((err as BuildError).code).toBe('E_MOUNT');
    expect(messages).toEqual(['snapshotter: overlayfs']);
    const lower = join(work, 'lower2');
    mkdirSync(lower);
    const m = await snap.prepare([lower], { scratchDir: join(work, 'good') });
    expect(m.overlay).toBe(true);
    await m.release();
    expect(messages).toEqual(['snapshotter: overlayfs']);
  });
});

describe('AutoSnapshotter fallback', () => {
  const failing = { name: 'overlayfs', prepare: async () => { throw new BuildError('E_MOUNT', 'cannot mount overlayfs: no'); } };

  test('where the probe says overlayfs cannot work, the copying snapshotter takes over for this and every later mount', async () => {
    const messages: string[] = [];
    const { CopySnapshotter } = await import('../../packages/builder/src/snapshot/copy.js');
    let probes = 0;
    const snap = new AutoSnapshotter({
      scratchDir: join(work, 'tmp3'), onChoice: (m) => messages.push(m), overlay: failing,
      detect: async () => (probes++, { snapshotter: new CopySnapshotter(), message: 'snapshotter: copy (overlayfs unavailable: test)', reason: 'test' }),
    });
    const lower = join(work, 'lower3');
    mkdirSync(lower);
    writeFileSync(join(lower, 'f'), 'y');
    const [a, b] = await Promise.all([1, 2].map((i) => snap.prepare([lower], { scratchDir: join(work, `c${i}`) })));
    expect(messages).toEqual(['snapshotter: copy (overlayfs unavailable: test)']);
    expect(probes).toBe(1);
    expect(snap.name).toBe('copy');
    expect([a!.overlay, b!.overlay]).toEqual([false, false]);
    expect(readFileSync(join(b!.root, 'f'), 'utf8')).toBe('y');
    await Promise.all([a!.release(), b!.release()]);
  });

  test('a probe that itself fails decides nothing: the mount error is reported and the next mount tries again', async () => {
    const messages: string[] = [];
    let probes = 0;
    const snap = new AutoSnapshotter({
      scratchDir: join(work, 'tmp4'), onChoice: (m) => messages.push(m), overlay: failing,
      detect: async () => { probes++; throw new Error('probe broke'); },
    });
    for (let i = 0; i < 2; i++) {
      const err = await snap.prepare([], { scratchDir: join(work, `p${i}`) }).catch((e: unknown) => e);
      expect((err as BuildError).code).toBe('E_MOUNT');
    }
    expect(probes).toBe(2);
    expect(messages).toEqual([]);
  });
});
