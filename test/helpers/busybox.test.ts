import { describe, it, expect } from 'vitest';
import { existsSync, lstatSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { busyboxRootfs, busyboxRootfsTar } from './busybox.js';

describe('busybox test base', () => {
  it('builds a real busybox rootfs with applet links and accounts', () => {
    const root = busyboxRootfs();
    expect(lstatSync(join(root, 'bin/busybox')).mode & 0o777).toBe(0o755);
    expect(readlinkSync(join(root, 'bin/sh'))).toBe('busybox');
    expect(lstatSync(join(root, 'tmp')).mode & 0o7777).toBe(0o1777);
    expect(existsSync(busyboxRootfsTar())).toBe(true);
  });
});
