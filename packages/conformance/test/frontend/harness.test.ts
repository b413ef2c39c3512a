/** The frontend suite's own pieces: context writing, in-root path resolution, expectation checks, skips. */
import { lstatSync, mkdirSync, mkdtempSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ImageConfig } from '@tsbuild/layerstore';
import { editContext, writeContext } from '../../src/frontend/context.js';
import { existsInRoot, readInRoot, resolveInRoot } from '../../src/frontend/fs-read.js';
import { evaluate } from '../../src/frontend/expect.js';
import { skipReason } from '../../src/frontend/run-case.js';
import type { FrontendCase } from '../../src/frontend/types.js';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'frontend-harness-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const mode = (p: string) => lstatSync(p).mode & 0o7777;

describe('writeContext', () => {
  it('creates files 0600 and dirs 0700 unless contextModes says otherwise, plus symlinks and the Dockerfile', () => {
    const d = join(tmp(), 'ctx');
    writeContext(d, {
      dockerfile: 'FROM scratch\n', dockerfileName: 'Dockerfile.web',
      files: { 'a/b/c.txt': 'c', 'x.sh': '#!/bin/sh\n' }, dirs: ['empty'], symlinks: { Dockerfile: 'Dockerfile.web' },
      modes: { 'x.sh': '0755', a: '0755' },
    });
    expect(mode(join(d, 'a'))).toBe(0o755);
    expect(mode(join(d, 'a/b'))).toBe(0o700);
    expect(mode(join(d, 'a/b/c.txt'))).toBe(0o600);
    expect(mode(join(d, 'x.sh'))).toBe(0o755);
    expect(mode(join(d, 'empty'))).toBe(0o700);
    expect(mode(join(d, 'Dockerfile.web'))).toBe(0o600);
    expect(readlinkSync(join(d, 'Dockerfile'))).toBe('Dockerfile.web');
  });

  it('applies then-edits: changed content and renames', () => {
    const d = join(tmp(), 'ctx');
    writeContext(d, { files: { file1: 'one', keep: 'k' } });
    editContext(d, { keep: 'k2', 'new/dir/f': 'n' }, { file1: 'file2' });
    expect(readInRoot(d, 'keep')!.toString()).toBe('k2');
    expect(readInRoot(d, 'new/dir/f')!.toString()).toBe('n');
    expect(existsInRoot(d, 'file1')).toBe(false);
    expect(readInRoot(d, 'file2')!.toString()).toBe('one');
  });
});

describe('resolveInRoot', () => {
  it('follows absolute and relative symlinks inside the export root, never on the host', () => {
    const r = tmp();
    mkdirSync(join(r, 'etc'));
    writeFileSync(join(r, 'etc/passwd'), 'in-root');
    symlinkSync('/etc/passwd', join(r, 'abs'));
    symlinkSync('../../../../etc/passwd', join(r, 'up'));
    symlinkSync('nowhere', join(r, 'dangling'));
    expect(readInRoot(r, 'abs')!.toString()).toBe('in-root');
    expect(readInRoot(r, 'up')!.toString()).toBe('in-root');
    expect(resolveInRoot(r, 'dangling')).toBeUndefined();
    expect(existsInRoot(r, 'dangling')).toBe(true);
  });
});

describe('evaluate', () => {
  const cfg = (c: ImageConfig['config'], history: ImageConfig['history'] = [], diffIds = 0): ImageConfig => ({
    architecture: 'amd64', os: 'linux', config: c, rootfs: { type: 'layers', diff_ids: Array(diffIds).fill('sha256:00') }, history,
  });

  it('checks success, error substrings and log', () => {
    expect(evaluate({ success: true }, { ok: true, log: '' }, { previous: [] })).toEqual([]);
    expect(evaluate({ success: true }, { ok: false, log: '', error: 'boom' }, { previous: [] })[0]).toContain('boom');
    expect(evaluate({ success: false, error: ['needs to be defined'] }, { ok: false, log: '', error: 'x needs to be defined before' }, { previous: [] })).toEqual([]);
    expect(evaluate({ success: false, error: ['other'] }, { ok: false, log: '', error: 'x' }, { previous: [] })).toHaveLength(1);
    expect(evaluate({ success: false, logContains: ['did not complete'] }, { ok: false, log: 'step: did not complete successfully', error: 'e' }, { previous: [] })).toEqual([]);
  });

  it('checks files, absence, directories and comparisons with earlier builds', () => {
    const a = tmp();
    const b = tmp();
    writeFileSync(join(a, 'f'), 'same');
    writeFileSync(join(b, 'f'), 'same');
    writeFileSync(join(a, 'u'), '1');
    writeFileSync(join(b, 'u'), '2');
    mkdirSync(join(b, 'd'));
    const prev = [{ ok: true, log: '', exportDir: a }];
    const out = { ok: true, log: '', exportDir: b };
    expect(evaluate({ success: true, files: { f: 'same' }, dirs: ['d'], absent: ['nope'], exists: ['u'], sameAsBuild: { f: 0 }, differentFromBuild: { u: 0 } }, out, { previous: prev })).toEqual([]);
    expect(evaluate({ success: true, files: { f: 'other' } }, out, { previous: prev })).toHaveLength(1);
    expect(evaluate({ success: true, sameAsBuild: { u: 0 } }, out, { previous: prev })).toHaveLength(1);
    expect(evaluate({ success: true, differentFromBuild: { f: 0 } }, out, { previous: prev })).toHaveLength(1);
    expect(evaluate({ success: true, absent: ['f'] }, out, { previous: prev })).toHaveLength(1);
    expect(evaluate({ success: true, filesContain: { f: 'am' }, filesNotContain: { f: 'x' } }, out, { previous: prev })).toEqual([]);
  });

  it('checks config fields (null = unset or empty), labels, env and history relative to the base', () => {
    const base = cfg({ Env: ['PATH=/bin'], Cmd: ['sh'] }, [{ created_by: 'ADD' }, { created_by: 'CMD', empty_layer: true }], 1);
    const img = cfg({ Env: ['PATH=/bin', 'foo=bar'], Cmd: [], Entrypoint: ['ls', 'x'], Labels: { a: 'b' }, WorkingDir: '/' },
      [{ created_by: 'ADD' }, { created_by: 'CMD', empty_layer: true }, { created: 'now', created_by: 'LABEL a=b', empty_layer: true }, { created: 'now', created_by: 'RUN /bin/sh -c ls # buildkit' }], 2);
    const out = { ok: true, log: '', config: img };
    expect(evaluate({
      success: true, config: { Cmd: null, Entrypoint: ['ls', 'x'] }, configLabelsInclude: { a: 'b' }, configEnvIncludes: ['foo=bar'], configEnvHasPrefix: ['PATH='],
      image: { workingDirNonEmpty: true, rootfsType: 'layers', newDiffIDsOverBase: 1, newHistoryOverBase: 2,
        historyFromBaseEnd: [{ offset: 0, createdByContains: 'a=b', emptyLayer: true, createdNonNull: true }, { offset: 1, createdByContains: 'RUN ls', emptyLayer: false }] },
    }, out, { previous: [], baseConfig: base })).toEqual(['history[base+1]: created_by "RUN /bin/sh -c ls # buildkit" does not contain "RUN ls"']);
    expect(evaluate({ success: true, config: { Cmd: ['x'] } }, out, { previous: [] })).toHaveLength(1);
  });
});

describe('skipReason', () => {
  const c = (attrs: Record<string, string>, exp: FrontendCase['export'] = 'local') => ({ frontendAttrs: attrs, export: exp, then: [] }) as unknown as FrontendCase;
  it('skips nothing since multi-platform builds: foreign target platforms and OCI index exports are built', () => {
    expect(skipReason(c({}))).toBeUndefined();
    expect(skipReason(c({ platform: 'darwin/ppc64le' }))).toBeUndefined();
    expect(skipReason(c({ platform: 'windows/amd64,linux/amd64' }, 'oci'))).toBeUndefined();
  });
});

describe('evaluate: platforms of an OCI index', () => {
  const cfg = (os: string, Env: string[] | null) => ({ os, architecture: 'amd64', config: { Env }, rootfs: { type: 'layers', diff_ids: [] } }) as never;
  const out = { ok: true, log: '', platforms: [{ platform: 'windows/amd64', config: cfg('windows', null), layers: 1 }, { platform: 'linux/amd64', config: cfg('linux', ['PATH=/bin']), layers: 1 }] };
  it('checks the order, each config field and the layer count', () => {
    expect(evaluate({ success: true, platforms: { 'windows/amd64': { config: { Env: null }, layers: 1 }, 'linux/amd64': { config: { Env: ['PATH=/bin'] }, layers: 1 } } }, out, { previous: [] })).toEqual([]);
    expect(evaluate({ success: true, platforms: { 'linux/amd64': { layers: 2 }, 'windows/amd64': {} } }, out, { previous: [] })).toEqual([
      'index platforms ["windows/amd64","linux/amd64"] != expected ["linux/amd64","windows/amd64"]', 'linux/amd64: 1 layers, expected 2',
    ]);
    expect(evaluate({ success: true, platforms: { 'linux/amd64': {} } }, { ok: true, log: '' }, { previous: [] })).toEqual(['no OCI image index to check platforms in']);
  });
});
