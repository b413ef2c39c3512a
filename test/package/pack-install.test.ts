/**
 * The `tsbuild` package as a user gets it: `npm pack` of packages/tsbuild, `npm install` of the
 * tarball into an empty project outside the repo (no registry needed: every dependency is bundled),
 * and there: the bin through the launcher with a startup snapshot made at install, a strict
 * TypeScript consumer (exactOptionalPropertyTypes), plain .mjs and .cjs consumers that build, the
 * examples/pipeline.mjs script (three builds at once on one store and base, one cancelled by
 * AbortSignal.timeout: typed E_CANCELLED, no mount or process left, the others built), the
 * first-start snapshot build after `--ignore-scripts`, and a warm rebuild of the `small` bench
 * workload through the installed bin against packages/builder/bin/tsbuild.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { busyboxRootfsTar, REPO_ROOT } from '../helpers/busybox.js';
import { STORE_TMP } from '../helpers/store.js';

const PKG_DIR = join(REPO_ROOT, 'packages/tsbuild');
const TSC = join(REPO_ROOT, 'node_modules/typescript/bin/tsc');
const work = mkdtempSync(join(tmpdir(), 'tsb-pack-'));
mkdirSync(STORE_TMP, { recursive: true });
const storeDir = mkdtempSync(join(STORE_TMP, 'pack-'));
const root = join(storeDir, 'root');
const project = join(work, 'project');
const bin = join(project, 'node_modules/.bin/tsbuild');
let tarball = '';

const sh = (cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', cwd: opts.cwd ?? project, env: { ...process.env, ...opts.env }, input: opts.input, maxBuffer: 64 << 20 });
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
};
const ok = (r: { code: number | null; stdout: string; stderr: string }) => {
  if (r.code !== 0) throw new Error(`exit ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r;
};
/** mounts under the store, from this process's view */
const storeMounts = () => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(storeDir)).length;

beforeAll(() => {
  // npm pack runs the package's prepack (tsc -b and the bundles) and prints the tarball's name last
  const packed = ok(sh('npm', ['pack', '--pack-destination', work, '--silent'], { cwd: PKG_DIR }));
  tarball = join(work, packed.stdout.trim().split('\n').pop()!);
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  ok(sh('npm', ['install', '--no-audit', '--no-fund', '--offline', tarball]));
  ok(sh(bin, ['import', '--root', root, busyboxRootfsTar(), 'busybox']));
}, 180_000);

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  rmSync(storeDir, { recursive: true, force: true });
});

describe('npm install ./tsbuild-<version>.tgz', () => {
  it('packs no machine-specific build output: the addon and the snapshot are made at install', () => {
    const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n');
    expect(files).toContain('package/native/sys.c');
    expect(files).toContain('package/dist/startup/cli.cjs');
    for (const f of ['README.md', 'errors.md', 'THIRD-PARTY-NOTICES.txt', 'dist/lib/index.js', 'dist/lib/index.cjs', 'dist/types/builder/index.d.ts']) expect(files).toContain(`package/${f}`);
    expect(files.filter((f) => /sys\.node|tsbuild\.blob/.test(f))).toEqual([]);
    const manifest = JSON.parse(readFileSync(join(project, 'node_modules/tsbuild/package.json'), 'utf8'));
    expect(manifest.dependencies ?? {}).toEqual({}); // everything bundled: nothing to fetch
    expect(existsSync(join(project, 'node_modules/tsbuild/dist/native/sys.node'))).toBe(true);
  });

  it('the library finds its addon, ESM (whose shared code sits in dist/lib/chunks/) and CommonJS alike', () => {
    const backend = 'console.log(sys.sys()?.backend)';
    expect(ok(sh(process.execPath, ['--input-type=module', '-e', `import { sys } from 'tsbuild/engine'; ${backend}`])).stdout).toBe('addon\n');
    expect(ok(sh(process.execPath, ['-e', `const { sys } = require('tsbuild/engine'); ${backend}`])).stdout).toBe('addon\n');
    expect(ok(sh(process.execPath, ['--input-type=module', '-e', `import { sys } from 'tsbuild/engine'; ${backend}`], { env: { TSBUILD_NO_NATIVE: '1' } })).stdout).toBe('perl\n');
  });

  it('links the launcher as the bin, which starts from a startup snapshot made for this node', () => {
    expect(realpathSync(bin)).toBe(realpathSync(join(project, 'node_modules/tsbuild/bin/tsbuild')));
    const r = ok(sh(bin, ['--version']));
    expect(r.stdout).toBe(`tsbuild 0.1.0 (node ${process.version}, startup snapshot)\n`);
    expect(r.stderr).toBe('');
    // the plain bundle of the package works too (what runs where no snapshot can be made)
    expect(ok(sh(bin, ['--version'], { env: { TSBUILD_NO_SNAPSHOT: '1' } })).stdout).toBe(`tsbuild 0.1.0 (node ${process.version})\n`);
    expect(ok(sh(bin, ['images', '--root', root], { env: { TSBUILD_NO_SNAPSHOT: '1' } })).stdout).toMatch(/^busybox:latest\s/m);
  });

  it('strict TypeScript consumers, ESM and CommonJS (exactOptionalPropertyTypes, no skipLibCheck), type-check, compile and build', () => {
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, exactOptionalPropertyTypes: true,
        noUncheckedIndexedAccess: true, skipLibCheck: false, lib: ['ES2023', 'ESNext.Disposable'],
        typeRoots: [join(REPO_ROOT, 'node_modules/@types')], types: ['node'], outDir: 'out',
      },
      files: ['strict.mts', 'strict.cts'],
    }));
    writeFileSync(join(project, 'strict.mts'), `
import { build, openStore, parse, TsbuildError, type BuildEvent, type BuildOptions, type ErrorCode } from 'tsbuild';
import type { Executor } from 'tsbuild/engine';

interface Job { context: string; signal?: AbortSignal | undefined; target?: string | undefined; executor?: Executor | undefined }
const events: BuildEvent['type'][] = [];
async function run(job: Job): Promise<string | ErrorCode> {
  await using store = await openStore({ root: process.argv[2] });
  // optional values pass straight through: every optional property is '| undefined'
  const options: BuildOptions = { context: job.context, signal: job.signal, target: job.target, executor: job.executor, store, network: 'none',
    dockerfileText: 'FROM busybox\\nRUN echo typed > /typed\\n', tags: ['strict:1'], onEvent: (e) => { events.push(e.type); } };
  try {
    return (await build(options)).imageDigest;
  } catch (err) {
    if (err instanceof TsbuildError) return err.code;
    throw err;
  }
}
parse('FROM busybox\\n');
console.log(JSON.stringify({ digest: await run({ context: '.' }), events: [...new Set(events)].sort() }));
`);
    // the same API from a CommonJS TypeScript module (compiled to require())
    writeFileSync(join(project, 'strict.cts'), `
import { openStore, ParseError, TsbuildError, parse, type ErrorLocation } from 'tsbuild';
import { detectExecutor } from 'tsbuild/engine';
let location: ErrorLocation | undefined;
try { parse('FROM busybox\\nRUN --bogus=1 true\\n'); } catch (e) { if (e instanceof ParseError && e instanceof TsbuildError) location = e.location; }
void openStore;
console.log(JSON.stringify({ location, engine: typeof detectExecutor }));
`);
    ok(sh('node', [TSC, '-p', '.']));
    expect(JSON.parse(ok(sh('node', ['out/strict.cjs'])).stdout)).toEqual({ location: { file: 'Dockerfile', line: 2, column: 1, endLine: 2, endColumn: 18 }, engine: 'function' });
    const out = JSON.parse(ok(sh('node', ['out/strict.mjs', root])).stdout);
    expect(out.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(out.events).toEqual(['export', 'info', 'step-done', 'step-miss', 'step-start']);
    const img = JSON.parse(ok(sh(bin, ['inspect', '--root', root, 'strict:1'])).stdout);
    expect(img[0].ManifestDigest).toBe(out.digest); // imageDigest: the manifest's (Id is the config's, as docker)
  });

  it('a plain .mjs consumer builds; a .cjs consumer builds and catches a ParseError as TsbuildError', () => {
    mkdirSync(join(project, 'ctx'), { recursive: true });
    writeFileSync(join(project, 'ctx/hello.txt'), 'hello\n');
    writeFileSync(join(project, 'esm.mjs'), `
import { build, openStore } from 'tsbuild';
const store = await openStore(process.argv[2]);
const r = await build({ context: 'ctx', store, dockerfileText: 'FROM busybox\\nCOPY hello.txt /hello.txt\\n', tags: ['esm:1'] });
console.log(JSON.stringify({ digest: r.imageDigest, images: (await store.list()).map((i) => i.name) }));
await store.close();
`);
    const esm = JSON.parse(ok(sh('node', ['esm.mjs', root])).stdout);
    expect(esm.images).toContain('esm:1');
    writeFileSync(join(project, 'cjs.cjs'), `
const { build, openStore, TsbuildError, ParseError } = require('tsbuild');
(async () => {
  const store = await openStore({ root: process.argv[2] });
  const r = await build({ context: 'ctx', store, dockerfileText: 'FROM busybox\\nCOPY hello.txt /again.txt\\n', tags: ['cjs:1'] });
  let bad;
  try { await build({ context: 'ctx', store, dockerfileText: 'FROM busybox\\nFNTRYPOINT ["x"]\\n' }); } catch (e) { bad = e; }
  const d = await store.inspect('cjs:1');
  await store.close();
  console.log(JSON.stringify({ digest: r.imageDigest, layers: d.Layers.length, bad: { typed: bad instanceof TsbuildError, parse: bad instanceof ParseError, code: bad.code, location: bad.location } }));
})().catch((e) => { console.error(e); process.exit(1); });
`);
    const cjs = JSON.parse(ok(sh('node', ['cjs.cjs', root])).stdout);
    expect(cjs.layers).toBe(2);
    expect(cjs.bad).toEqual({ typed: true, parse: true, code: 'E_UNKNOWN_INSTRUCTION', location: { file: 'Dockerfile', line: 2, column: 1, endLine: 2, endColumn: 16 } });
  });

  it('examples/pipeline.mjs: three builds at once on one store and base, one cancelled by AbortSignal.timeout, no mount or process left', () => {
    cpSync(join(REPO_ROOT, 'examples'), join(project, 'examples'), { recursive: true });
    const before = storeMounts();
    const r = ok(sh('node', ['examples/pipeline.mjs', '--root', root, '--deadline', '2500']));
    const summary = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(summary.images.web).toMatchObject({ ok: true, steps: 3 });
    expect(summary.images.worker).toMatchObject({ ok: true, steps: 3 });
    expect(summary.images.slow).toMatchObject({ ok: false, code: 'E_CANCELLED', cause: 'TimeoutError' });
    expect(summary.images.slow.step).toContain('sleep 120');
    expect(summary.store.sort()).toEqual(['example/web:1', 'example/worker:1']);
    expect(r.stdout).toMatch(/\[slow\] #\d+ started/); // it was cancelled mid-RUN, not before
    expect(storeMounts()).toBe(before);
    expect(execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })).not.toContain('sleep 120 && echo never');
    const worker = JSON.parse(ok(sh(bin, ['inspect', '--root', root, 'example/worker:1'])).stdout)[0];
    expect(worker.Config.Cmd).toEqual(['cat', '/etc/worker.conf']);
    expect(ok(sh(bin, ['fsck', '--root', root])).stdout).toContain('store is consistent');
  });

  it('installed with --ignore-scripts, the first start builds the snapshot for the node running it (once), and again after a move', () => {
    const other = join(work, 'noscripts');
    mkdirSync(other);
    writeFileSync(join(other, 'package.json'), JSON.stringify({ name: 'noscripts', private: true }));
    ok(sh('npm', ['install', '--no-audit', '--no-fund', '--offline', '--ignore-scripts', tarball], { cwd: other }));
    const b = join(other, 'node_modules/.bin/tsbuild');
    expect(readdirSync(join(other, 'node_modules/tsbuild/dist/startup'))).toEqual(['cli.cjs']);
    const first = ok(sh(b, ['--version'], { cwd: other }));
    expect(first.stdout).toBe(`tsbuild 0.1.0 (node ${process.version}, startup snapshot)\n`);
    expect(first.stderr).toContain('first start');
    const second = ok(sh(b, ['--version'], { cwd: other }));
    expect(second.stdout).toContain('startup snapshot');
    expect(second.stderr).toBe('');
    expect(existsSync(join(other, 'node_modules/tsbuild/dist/native/sys.node'))).toBe(true);
    // module paths are fixed in a blob: a moved project gets a new one at its next start
    const moved = join(work, 'moved');
    renameSync(other, moved);
    const after = ok(sh(join(moved, 'node_modules/.bin/tsbuild'), ['--version'], { cwd: moved }));
    expect(after.stdout).toContain('startup snapshot');
    expect(after.stderr).toContain('first start');
    expect(readFileSync(join(moved, 'node_modules/tsbuild/dist/startup/tsbuild.blob.node'), 'utf8')).toContain(realpathSync(join(moved, 'node_modules/tsbuild')));
  });
});

// ../shared beside the repo (TSBUILD_SHARED elsewhere, e.g. from a git worktree)
const SMALL = join(process.env.TSBUILD_SHARED ?? join(REPO_ROOT, '../shared'), 'bench/workloads/small');
const BASE_TAR = join(process.env.BENCH_DATA ?? '/var/tmp/bench', 'busybox-docker.tar');
const haveBench = existsSync(SMALL) && existsSync(BASE_TAR);

describe.skipIf(!haveBench)(`warm rebuild of small (${haveBench ? 'from ../shared/bench' : `skipped: needs ${SMALL} and ${BASE_TAR} from ../shared/bench/setup.sh`})`, () => {
  it('through the installed bin is within noise of packages/builder/bin/tsbuild', () => {
    const ctx = join(work, 'small');
    cpSync(SMALL, ctx, { recursive: true });
    const broot = join(storeDir, 'bench');
    ok(sh(bin, ['load', '--root', broot, '--unpack', '-i', BASE_TAR]));
    const repoBin = join(REPO_ROOT, 'packages/builder/bin/tsbuild');
    const args = ['build', '--root', broot, '-q', '-t', 'small', ctx];
    ok(sh(bin, args));
    ok(sh(repoBin, args)); // both warm
    // wall time and, through GNU time, CPU time (user + sys): on this shared machine the CPU time is
    // what the code costs, wall time also measures the neighbours
    const gnuTime = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
    const wall: Record<'installed' | 'repo', number[]> = { installed: [], repo: [] };
    const cpu: Record<'installed' | 'repo', number[]> = { installed: [], repo: [] };
    const cpuFile = join(work, 'cpu');
    for (let i = 0; i < 9; i++) {
      for (const [k, b] of (i % 2 ? [['installed', bin], ['repo', repoBin]] : [['repo', repoBin], ['installed', bin]]) as [keyof typeof wall, string][]) {
        const t0 = process.hrtime.bigint();
        if (gnuTime) ok(sh(gnuTime, ['-f', '%U %S', '-o', cpuFile, b, ...args]));
        else ok(sh(b, args));
        wall[k].push(Number(process.hrtime.bigint() - t0) / 1e6);
        if (gnuTime) cpu[k].push(readFileSync(cpuFile, 'utf8').trim().split(/\s+/).reduce((n, v) => n + Number(v) * 1000, 0));
      }
    }
    const med = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1]!;
    const sum = (a: number[]) => a.reduce((n, v) => n + v, 0);
    console.log(`warm small, 9 runs each: installed wall median ${med(wall.installed).toFixed(0)} ms (min ${Math.min(...wall.installed).toFixed(0)}), `
      + `repo wall median ${med(wall.repo).toFixed(0)} ms (min ${Math.min(...wall.repo).toFixed(0)})`
      + (gnuTime ? `; CPU ${(sum(cpu.installed) / 9).toFixed(0)} vs ${(sum(cpu.repo) / 9).toFixed(0)} ms a run` : ''));
    if (gnuTime) expect(sum(cpu.installed)).toBeLessThan(sum(cpu.repo) * 1.2 + 9 * 10);
    else expect(Math.min(...wall.installed)).toBeLessThan(Math.min(...wall.repo) * 1.25 + 15);
  });
});
