/**
 * A Dockerfile of 30,000 ENV lines (issue 18) builds, through the launcher, into the config BuildKit
 * writes: every name once in Env, in first-definition order, a redefinition replacing its entry in
 * place, one empty-layer history entry per instruction. (It once took ~1 min: a name was searched
 * for in the Env array per ENV; the bench workload `manyenv` tracks the time.)
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTsbuild, TSBUILD_BIN } from '../helpers/cli.js';
import { STORE_TMP, type TempStore } from '../helpers/store.js';
import { storeWithBusybox } from './helpers.js';

const N = 30_000;
let t: TempStore;
let ctx: string;
beforeAll(async () => {
  t = await storeWithBusybox();
  mkdirSync(STORE_TMP, { recursive: true });
  ctx = mkdtempSync(join(STORE_TMP, 'many-env-'));
});
afterAll(() => {
  t?.cleanup();
  if (ctx) rmSync(ctx, { recursive: true, force: true });
});

/** `tsbuild inspect NAME` (a few MB of JSON here) */
function inspect(name: string) {
  return JSON.parse(execFileSync(TSBUILD_BIN, ['inspect', '--root', t.root, name], { encoding: 'utf8', maxBuffer: 64 << 20 }))[0];
}

describe('30,000 ENV lines', () => {
  it('Env holds each name once, redefinitions in place; one history entry per ENV', () => {
    const lines = ['FROM busybox'];
    for (let i = 0; i < N; i++) lines.push(`ENV K${i}=v${i}`);
    // redefinitions of an early, a middle and the last name, one referring to its old value,
    // and a line with two pairs (one new name, one old)
    lines.push('ENV K0=again', `ENV K${N / 2}=\${K${N / 2}}-x`, `ENV K${N - 1}=last NEW=1 K1=one`);
    writeFileSync(join(ctx, 'Dockerfile'), `${lines.join('\n')}\n`);
    const r = runTsbuild(['build', '--root', t.root, '-q', '--network', 'none', '-t', 'manyenv', ctx]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const base = inspect('busybox');
    const img = inspect('manyenv');
    const baseEnv: string[] = base.Config.Env ?? [];
    const env: string[] = img.Config.Env;
    const expected = [...baseEnv, ...Array.from({ length: N }, (_, i) => `K${i}=v${i}`), 'NEW=1'];
    expected[baseEnv.length] = 'K0=again';
    expected[baseEnv.length + 1] = 'K1=one';
    expected[baseEnv.length + N / 2] = `K${N / 2}=v${N / 2}-x`;
    expected[baseEnv.length + N - 1] = `K${N - 1}=last`;
    expect(env.length).toBe(expected.length);
    expect(env).toEqual(expected);
    const history: { created_by: string; empty_layer?: boolean }[] = img.History;
    expect(history.length).toBe(base.History.length + N + 3);
    expect(history.slice(base.History.length).every((h) => h.empty_layer === true && h.created_by.startsWith('ENV '))).toBe(true);
    expect(history.at(-1)!.created_by).toBe(`ENV K${N - 1}=last NEW=1 K1=one`);
  }, 60_000);
});
