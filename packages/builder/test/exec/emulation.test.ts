import { describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emulationHint, emulationState, registerLine, requireEmulation } from '../../src/exec/emulation.js';
import { parsePlatform, targetPlatforms } from '../../src/solve/resolveBase.js';

const host = { os: 'linux', architecture: 'amd64' };
const arm64 = { os: 'linux', architecture: 'arm64' };

// Debian qemu-user-static 7.2's /usr/share/binfmts/qemu-aarch64
const DESCRIPTION = `package qemu-user-static
interpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P
magic \\x7f\\x45\\x4c\\x46\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\xb7\\x00
offset 0
mask \\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff
credentials no
fix_binary yes
preserve yes
`;

function binfmt(entries: Record<string, string>, descriptions: Record<string, string> = {}): { dir: string; descriptions: string; done(): void } {
  const root = mkdtempSync(join(tmpdir(), 'binfmt-'));
  mkdirSync(join(root, 'proc'));
  mkdirSync(join(root, 'share'));
  writeFileSync(join(root, 'proc/status'), 'enabled\n');
  for (const [k, v] of Object.entries(entries)) writeFileSync(join(root, 'proc', k), v);
  for (const [k, v] of Object.entries(descriptions)) writeFileSync(join(root, 'share', k), v);
  return { dir: join(root, 'proc'), descriptions: join(root, 'share'), done: () => rmSync(root, { recursive: true, force: true }) };
}

describe('platform names', () => {
  it('normalises as containerd does and keeps the order given, without duplicates', () => {
    expect(targetPlatforms('linux/amd64, linux/aarch64,linux/arm64/v8,linux/arm,linux/armhf,linux/x86_64', host)).toEqual([
      { os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' }, { os: 'linux', architecture: 'arm', variant: 'v7' },
    ]);
    expect(targetPlatforms(undefined, host)).toEqual([host]);
    expect(parsePlatform('local', host)).toEqual(host);
    expect(parsePlatform('linux', host)).toEqual(host);
    expect(parsePlatform('linux/i386', host)).toEqual({ os: 'linux', architecture: '386' });
  });
  it('takes any OS and architecture (as BuildKit does), refuses malformed ones and lists with E_PLATFORM', () => {
    expect(parsePlatform('Windows/AMD64', host)).toEqual({ os: 'windows', architecture: 'amd64' });
    expect(parsePlatform('darwin/ppc64le', host)).toEqual({ os: 'darwin', architecture: 'ppc64le' });
    expect(() => parsePlatform('linux//v7', host)).toThrow(expect.objectContaining({ code: 'E_PLATFORM', message: expect.stringMatching(/expected os\[\/arch\[\/variant\]\]/) }));
    expect(() => parsePlatform('linux/arm64/v8/x', host)).toThrow(/invalid platform/);
    expect(() => targetPlatforms('linux/amd64,,linux/arm64', host)).toThrow(/empty entry/);
  });
});

describe('binfmt_misc emulation state', () => {
  it('native for the host and the 32-bit arch its kernel runs; nothing read for them', () => {
    expect(emulationState(host, host, { dir: '/nonexistent', descriptions: '/nonexistent' })).toEqual({ kind: 'native' });
    expect(emulationState({ os: 'linux', architecture: '386' }, host, { dir: '/nonexistent', descriptions: '/nonexistent' })).toEqual({ kind: 'native' });
  });
  it('registered only when enabled and with the F flag', () => {
    const ok = binfmt({ 'qemu-aarch64': 'enabled\ninterpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P\nflags: POCF\noffset 0\n' });
    const off = binfmt({ 'qemu-aarch64': 'disabled\ninterpreter /x\nflags: POCF\n' });
    const noF = binfmt({ 'qemu-aarch64': 'enabled\ninterpreter /usr/bin/qemu-aarch64-static\nflags: OC\n' }, { 'qemu-aarch64': DESCRIPTION });
    try {
      expect(emulationState(arm64, host, ok)).toEqual({ kind: 'registered', handler: 'qemu-aarch64', interpreter: '/usr/libexec/qemu-binfmt/aarch64-binfmt-P' });
      expect(emulationState(arm64, host, off)).toMatchObject({ kind: 'missing', handler: 'qemu-aarch64' });
      const s = emulationState(arm64, host, noF);
      expect(s).toMatchObject({ kind: 'missing', description: join(noF.descriptions, 'qemu-aarch64') });
      expect(emulationHint(s as Extract<typeof s, { kind: 'missing' }>)).toContain('run `tsbuild setup-emulation` as root');
    } finally {
      ok.done();
      off.done();
      noF.done();
    }
  });
  it('without qemu-user-static the hint says what to install; requireEmulation names the platform, once per build', () => {
    const none = binfmt({});
    try {
      const s = emulationState({ os: 'linux', architecture: 'riscv64' }, host, none);
      expect(s).toMatchObject({ kind: 'missing', handler: 'qemu-riscv64', description: undefined });
      expect(emulationHint(s as Extract<typeof s, { kind: 'missing' }>)).toContain('apt-get install qemu-user-static');
      const checked = new Map([['riscv64', s]]);
      expect(() => requireEmulation({ os: 'linux', architecture: 'riscv64' }, host, checked)).toThrow(expect.objectContaining({ code: 'E_EMULATION', message: expect.stringContaining('RUN for platform linux/riscv64 needs emulation') }));
    } finally {
      none.done();
    }
  });
  it("a binfmts description becomes the kernel's register line with the F flag", () => {
    expect(registerLine('qemu-aarch64', DESCRIPTION)).toBe(':qemu-aarch64:M:0:\\x7f\\x45\\x4c\\x46\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\xb7\\x00:\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff:/usr/libexec/qemu-binfmt/aarch64-binfmt-P:PF');
    expect(() => registerLine('qemu-x', 'package y\n')).toThrow(expect.objectContaining({ code: 'E_EMULATION' }));
  });
});
