/** StepRecord.missReason (and the CLI's --metadata-file / rawjson) names the input that changed first. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build, type BuildOptions, type BuildResult } from '@tsbuild/builder';
import { REPO_ROOT } from '../helpers/busybox.js';
import { STORE_TMP, type TempStore } from '../helpers/store.js';
import { makeContext, removeDir, storeWithBusybox } from '../build/helpers.js';

let t: TempStore;
const dirs: string[] = [];
beforeAll(async () => { t = await storeWithBusybox(); });
afterAll(() => { t?.cleanup(); for (const d of dirs) removeDir(d); });

const reason = (r: BuildResult, instruction: string) => r.steps.find((s) => s.instruction === instruction)?.missReason;

describe('miss reasons', () => {
  it('first build, COPY source changed/added/removed, ARG, ENV, USER, WORKDIR, --no-cache', async () => {
    const ctx = makeContext({ 'src/app.ts': 'v1', 'src/old.ts': 'o' });
    dirs.push(ctx);
    const text = (user: string, env: string) => `FROM busybox\nARG VERSION=1\nCOPY src/ /src/\nENV MODE=${env}\nUSER ${user}\nRUN echo $VERSION $MODE > /tmp/out\nWORKDIR /w\nRUN true\n`;
    const o = (extra: Partial<BuildOptions> = {}): BuildOptions => ({ context: ctx, store: t.store, network: 'none', dockerfileText: text('root', 'a'), ...extra });

    const first = await build(o());
    expect(reason(first, 'COPY src/ /src/')).toBe('no earlier build of this step');
    expect(reason(first, 'RUN echo $VERSION $MODE > /tmp/out')).toBe('previous step changed');
    // a hit has no reason
    const hit = await build(o());
    expect(hit.steps.filter((s) => s.cached).every((s) => s.missReason === undefined)).toBe(true);

    writeFileSync(join(ctx, 'src/app.ts'), 'v2');
    expect(reason(await build(o()), 'COPY src/ /src/')).toBe('COPY src/: src/app.ts changed');
    writeFileSync(join(ctx, 'src/new.ts'), 'n');
    expect(reason(await build(o()), 'COPY src/ /src/')).toBe('COPY src/: src/new.ts added');
    rmSync(join(ctx, 'src/old.ts'));
    expect(reason(await build(o()), 'COPY src/ /src/')).toBe('COPY src/: src/old.ts removed');

    expect(reason(await build(o({ buildArgs: { VERSION: '2' } })), 'RUN echo $VERSION $MODE > /tmp/out')).toBe('ARG VERSION changed');
    // each reason compares with the last build that ran this step (here: the VERSION=2 one)
    const v2 = { buildArgs: { VERSION: '2' } };
    expect(reason(await build(o({ ...v2, dockerfileText: text('root', 'b') })), 'RUN echo $VERSION $MODE > /tmp/out')).toBe('ENV MODE changed');
    expect(reason(await build(o({ ...v2, dockerfileText: text('nobody', 'b') })), 'RUN echo $VERSION $MODE > /tmp/out')).toBe('USER changed');
    expect(reason(await build(o({ dockerfileText: text('root', 'a').replace('WORKDIR /w', 'WORKDIR /v') })), 'WORKDIR /v')).toBeDefined();
    const nc = await build(o({ noCache: true }));
    expect(nc.steps.filter((s) => !s.cached).every((s) => s.missReason === 'cache disabled (--no-cache)')).toBe(true);
  });

  it('the CLI metadata file carries the reasons', () => {
    const ctx = makeContext({ 'app.txt': 'one', Dockerfile: 'FROM busybox\nCOPY app.txt /app.txt\nRUN cat /app.txt\n' });
    dirs.push(ctx);
    const out = mkdtempSync(join(STORE_TMP, 'why-'));
    dirs.push(out);
    const run = () => spawnSync(process.execPath, [join(REPO_ROOT, 'packages/builder/bin/tsbuild.js'), 'build', '--root', t.root, '--network', 'none', '--progress', 'rawjson', '--metadata-file', join(out, 'm.json'), ctx], { encoding: 'utf8', env: { ...process.env, SOURCE_DATE_EPOCH: '' } });
    expect(run().status).toBe(0);
    writeFileSync(join(ctx, 'app.txt'), 'two');
    const r = run();
    expect(r.status, r.stderr).toBe(0);
    const m = JSON.parse(readFileSync(join(out, 'm.json'), 'utf8')) as { steps: { name: string; cached: boolean; missReason?: string }[] };
    const copy = m.steps.find((s) => s.name.includes('COPY app.txt'))!;
    expect(copy.missReason).toBe('COPY app.txt: app.txt changed');
    expect(r.stdout + r.stderr).toContain('app.txt changed');
  });
});
