/**
 * Differential test against BuildKit: every fixture under fixtures/differential/<name>/ is built by
 * `DOCKER_BUILDKIT=1 docker build --network=none` and by tsbuild's `build()` on the very same base image
 * (localbase/busybox:1, imported into tsbuild's store from `docker save`), then compared:
 *  - image config fields (Env, Cmd, Entrypoint, WorkingDir, User, Labels, ExposedPorts, Volumes,
 *    StopSignal, Healthcheck, Shell, OnBuild) — not timestamps or ids;
 *  - history added over the base (created_by, empty_layer, comment) and the number of layers;
 *  - the final filesystem, both sides flattened from their layer tars by the same code (whiteouts and
 *    opaque dirs applied): type, mode, uid, gid, size, sha256, link target, hard-link groups, and the
 *    mtimes of files and symlinks (equal for anything that predates the build — base image and build
 *    context — and for fixed values a build cannot generate now (`touch -d @1500000000`, archive
 *    entries); "generated" on both sides for anything a build wrote; directory mtimes: see below).
 *
 * tsbuild's `-o type=local` and `-o type=tar` outputs of the same build must equal its image's filesystem.
 *
 * Fixture layout: `Dockerfile` + context files; optional `base.Dockerfile` built first and tagged
 * `tsdiff/<name>-base` in both builders; optional `fixture.json`:
 *   { "dockerDockerfile": "docker.Dockerfile", "skipHistory": "<reason>" } for features docker 20.10's
 *   built-in frontend lacks (heredocs): docker builds the equivalent Dockerfile, history is not compared;
 *   { "expectFailure": true, "errorContains": [...] }: bad input, both builders must fail (with these
 *   substrings in both error messages); { "buildArgs": {...}, "target": "stage" } for both builders;
 *   { "currentBuildKit": { "why", "history", "absentPaths" } } where docker 20.10's BuildKit v0.8
 *   differs from current BuildKit: docker's v0.8 result is checked, then swapped for current BuildKit's.
 *
 * Without a docker daemon (and no way to start one) every fixture is skipped with the reason printed.
 * TSDIFF_ONLY=name1,name2 limits the run.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, createReadStream } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as builder from '@tsbuild/builder';
import type { BuildOptions, BuildResult } from '@tsbuild/builder';
import type { ImageConfig, ImageRecord, LayerStore } from '@tsbuild/layerstore';
import { REPO_ROOT } from '../helpers/busybox.js';
import { busyboxRootfsTar } from '../helpers/busybox.js';
import { BENCH_DATA, DOCKER, dockerBuild, dockerSaveImage, ensureDockerBase, ensureDockerd } from '../helpers/docker.js';
import { importDockerSave, STORE_TMP, tempStore, type TempStore } from '../helpers/store.js';
import { compareModels, flattenLayers, modelFromDir, modelFromTar, type FsModel } from './fs-model.js';
import { compareImages } from './compare-image.js';
import { execFileSync } from 'node:child_process';

const FIXTURES = join(REPO_ROOT, 'fixtures', 'differential');
const BASE = 'localbase/busybox:1';
/**
 * Directory mtimes are not compared, file/symlink mtimes are. BuildKit's own directory mtimes are not a
 * stable reference: its RUN executor creates the /etc/hosts, /etc/resolv.conf and /etc/hostname mount
 * points (bumping /etc and putting an `etc/` entry into every RUN layer), and directories COPYed from the
 * context carry the mtime of BuildKit's synced copy of the context, which depends on the daemon's
 * history (the same fixture gives the context's mtime on one daemon and the first sync's time on another).
 */
const IGNORE_DIR_MTIMES = true;
/**
 * mtimes a build on this machine can generate: from 2021 (well before any daemon cache this VM holds,
 * well after the fixtures' fixed values) to a day from now. Anything outside is a fixed value (`touch -d
 * @1500000000`, an archive entry's mtime) and must be equal on both sides.
 */
const GENERATED_WINDOW = () => ({ from: Date.UTC(2021, 0, 1) / 1000, to: Math.floor(Date.now() / 1000) + 86_400 });
const only = process.env.TSDIFF_ONLY?.split(',').filter(Boolean);
const fixtures = readdirSync(FIXTURES)
  .filter((n) => statSync(join(FIXTURES, n)).isDirectory() && existsSync(join(FIXTURES, n, 'Dockerfile')))
  .filter((n) => !only || only.includes(n))
  .sort();

interface FixtureMeta {
  dockerDockerfile?: string;
  skipHistory?: string;
  expectFailure?: boolean;
  errorContains?: string[];
  /** --build-arg for both builders */
  buildArgs?: Record<string, string>;
  /** --target for both builders */
  target?: string;
  /**
   * Where docker 20.10's BuildKit v0.8 differs from current BuildKit (which tsbuild follows), what
   * current BuildKit gives instead, read from its source (`why` names the file and function):
   * `history` maps a created_by v0.8 writes to the one current BuildKit writes; `absentPaths` are
   * entries v0.8 leaves in the image and current BuildKit does not. Every v0.8 value must be in
   * docker's output, so the fixture still pins what docker did; then it is swapped for the current one.
   */
  currentBuildKit?: { why: string; history?: Record<string, string>; absentPaths?: string[] };
}
const metaOf = (name: string): FixtureMeta => {
  const p = join(FIXTURES, name, 'fixture.json');
  return existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as FixtureMeta) : {};
};

const buildFn = (builder as Record<string, unknown>).build as ((o: BuildOptions) => Promise<BuildResult>) | undefined;

let skipReason: string | undefined;
let ts: TempStore | undefined;
let tsBase: ImageRecord | undefined;
let dockerBaseHistory = 0;
let dockerBaseLayers = 0;
/**
 * mtimes that predate any build: those of the base image's files and of the fixture's context. An entry
 * with such an mtime must have exactly the same mtime on the other side; any other mtime was generated by
 * a build (not necessarily this one: docker 20.10's BuildKit reuses WORKDIR's mkdir from its cache even
 * with --no-cache) and only has to be generated on the other side too.
 */
let baseMtimes = new Set<number>();
function contextMtimes(dir: string): Set<number> {
  return new Set([...modelFromDir(dir).values()].map((e) => e.mtime));
}

async function tsBuild(store: LayerStore, context: string, tag: string, opts: { dockerfile?: string; localDest?: string; tarDest?: string; buildArgs?: Record<string, string>; target?: string } = {}): Promise<{ result?: BuildResult; error?: string; log: string }> {
  let log = '';
  try {
    const result = await buildFn!({
      context,
      ...(opts.buildArgs ? { buildArgs: opts.buildArgs } : {}),
      ...(opts.target ? { target: opts.target } : {}),
      ...(opts.dockerfile ? { dockerfile: join(context, opts.dockerfile) } : {}),
      tags: [tag],
      outputs: [
        { type: 'image' },
        ...(opts.localDest ? [{ type: 'local' as const, dest: opts.localDest }] : []),
        ...(opts.tarDest ? [{ type: 'tar' as const, dest: opts.tarDest }] : []),
      ],
      network: 'none',
      store,
      root: store.root,
      jobs: 2,
      signal: AbortSignal.timeout(150_000),
      onEvent: (e) => {
        if (e.type === 'step-log') log += e.data;
        else if (e.type === 'step-error') log += `ERROR ${e.name}: ${e.error}\n`;
      },
    });
    return { result, log };
  } catch (err) {
    const e = err as Error & { code?: string };
    return { error: `${e.code ? `[${e.code}] ` : ''}${e.message}`, log };
  }
}

/**
 * docker's config with the v0.8 history entries a fixture names replaced by current BuildKit's (see
 * FixtureMeta); their indexes (from the base's end) go to `exact`: compared as written.
 */
function withCurrentHistory(config: ImageConfig, map: Record<string, string>, from: number, exact: Set<number>, problems: string[]): ImageConfig {
  const history = (config.history ?? []).map((h) => ({ ...h }));
  for (const [v08, now] of Object.entries(map)) {
    let hits = 0;
    history.forEach((h, i) => {
      if (i < from || h.created_by !== v08) return;
      h.created_by = now;
      exact.add(i - from);
      hits++;
    });
    if (hits === 0) problems.push(`fixture.json currentBuildKit.history: docker wrote no ${JSON.stringify(v08)}`);
  }
  return { ...config, history };
}

async function tsModel(store: LayerStore, image: ImageRecord): Promise<FsModel> {
  return flattenLayers(image.layers.map((l) => ({
    open: () => store.blobStream(l.digest),
    gzip: /gzip/.test(l.mediaType),
  })));
}

describe('differential: tsbuild vs docker build (BuildKit)', () => {
  beforeAll(async () => {
    const d = await ensureDockerd();
    if (!d.ok) {
      skipReason = `no docker daemon: ${d.reason}`;
      return;
    }
    // the base: what bench setup.sh published, else the test rootfs imported into docker
    const benchRootfs = join(BENCH_DATA, 'busybox-rootfs.tar');
    await ensureDockerBase(BASE, {
      dockerSaveTar: join(BENCH_DATA, 'busybox-docker.tar'),
      rootfsTar: existsSync(benchRootfs) ? benchRootfs : busyboxRootfsTar('plain'),
    });
    // tsbuild gets the byte-identical image: docker save → store (same diffID, config, history)
    ts = await tempStore('differential-');
    const saveDir = mkdtempSync(join(STORE_TMP, 'base-save-'));
    try {
      const saveTar = join(saveDir, 'base.tar');
      execFileSync(DOCKER, ['save', '-o', saveTar, BASE]);
      tsBase = await importDockerSave(ts.store, saveTar, [BASE]);
    } finally {
      rmSync(saveDir, { recursive: true, force: true });
    }
    baseMtimes = new Set([...(await tsModel(ts.store, tsBase)).values()].map((e) => e.mtime));
    dockerBaseHistory = tsBase.config.history?.length ?? 0;
    dockerBaseLayers = tsBase.layers.length;
  }, 300_000);

  afterAll(() => {
    ts?.cleanup();
  });

  for (const name of fixtures) {
    it(name, async (ctx) => {
      if (skipReason) {
        console.warn(`differential ${name}: skipped — ${skipReason}`);
        ctx.skip();
        return;
      }
      expect(buildFn, '@tsbuild/builder does not export build()').toBeTypeOf('function');
      const dir = join(FIXTURES, name);
      const meta = metaOf(name);
      const store = ts!.store;
      const tag = `tsdiff/${name}`;
      const problems: string[] = [];

      // base image first, in both builders
      if (existsSync(join(dir, 'base.Dockerfile'))) {
        const db = await dockerBuild({ context: dir, dockerfile: join(dir, 'base.Dockerfile'), tag: `${tag}-base`, noCache: true });
        expect(db.ok, `docker build of base.Dockerfile failed:\n${db.output}`).toBe(true);
        const tb = await tsBuild(store, dir, `${tag}-base`, { dockerfile: 'base.Dockerfile' });
        expect(tb.error, `tsbuild build of base.Dockerfile failed: ${tb.error}\n${tb.log}`).toBeUndefined();
      }

      const db = await dockerBuild({
        context: dir, tag, noCache: true, buildArgs: meta.buildArgs, target: meta.target,
        ...(meta.dockerDockerfile ? { dockerfile: join(dir, meta.dockerDockerfile) } : {}),
      });
      if (meta.expectFailure) {
        // bad input: both builders must refuse it
        expect(db.ok, `docker build was expected to fail:\n${db.output}`).toBe(false);
        const tb = await tsBuild(store, dir, tag, { buildArgs: meta.buildArgs, target: meta.target });
        expect(tb.error, 'tsbuild build was expected to fail like docker build').toBeDefined();
        for (const sub of meta.errorContains ?? []) {
          expect(db.output, `docker's error lacks ${JSON.stringify(sub)}`).toContain(sub);
          expect(tb.error, `tsbuild's error lacks ${JSON.stringify(sub)} (docker: ${db.output.trim().split('\n').slice(-1)[0]})`).toContain(sub);
        }
        console.log(`differential ${name}: both failed\n  docker:  ${db.output.trim().split('\n').slice(-1)[0]}\n  tsbuild: ${tb.error}`);
        return;
      }
      expect(db.ok, `docker build failed:\n${db.output}`).toBe(true);
      const localDest = mkdtempSync(join(STORE_TMP, `local-${name}-`));
      rmSync(localDest, { recursive: true });
      const tarDest = `${localDest}.tar`;
      const tb = await tsBuild(store, dir, tag, { localDest, tarDest, buildArgs: meta.buildArgs, target: meta.target });
      expect(tb.error, `tsbuild build failed: ${tb.error}\n${tb.log}`).toBeUndefined();
      const tsImage = (await store.getImage(tag)) ?? tb.result!.image;

      const saved = await dockerSaveImage(tag);
      try {
        const current = meta.currentBuildKit;
        const exactHistory = new Set<number>();
        const dockerConfig = current?.history ? withCurrentHistory(saved.config, current.history, dockerBaseHistory, exactHistory, problems) : saved.config;
        problems.push(...compareImages(
          { config: dockerConfig, baseHistoryLength: dockerBaseHistory, baseLayers: dockerBaseLayers, layers: saved.layerTars.length },
          { config: tsImage.config, baseHistoryLength: dockerBaseHistory, baseLayers: tsBase!.layers.length, layers: tsImage.layers.length },
          { skipHistory: !!meta.skipHistory, exactHistory },
        ));
        const dockerFs = await flattenLayers(saved.layerTars.map((p) => ({ open: () => createReadStream(p) })));
        for (const p of current?.absentPaths ?? []) {
          if (!dockerFs.delete(p)) problems.push(`fixture.json currentBuildKit.absentPaths: docker's image has no ${p} (v0.8 no longer leaves it?)`);
        }
        const tsFs = await tsModel(store, tsImage);
        problems.push(...compareModels(dockerFs, tsFs, { preexisting: new Set([...baseMtimes, ...contextMtimes(dir)]), generatedWindow: GENERATED_WINDOW(), ignoreDirMtimes: IGNORE_DIR_MTIMES }));
        // `-o type=local` must write exactly the image's filesystem (the export dir itself aside)
        const local = modelFromDir(localDest);
        problems.push(...compareModels(tsFs, local, { ignorePaths: new Set(['/']), buildStart: { left: 0, right: 0 } }, { left: 'tsbuild image', right: 'tsbuild -o type=local' }));
        // `-o type=tar` likewise
        const tarFs = await modelFromTar(tarDest);
        problems.push(...compareModels(tsFs, tarFs, { ignorePaths: new Set(['/']), buildStart: { left: 0, right: 0 } }, { left: 'tsbuild image', right: 'tsbuild -o type=tar' }));
      } finally {
        saved.cleanup();
        rmSync(localDest, { recursive: true, force: true });
        rmSync(tarDest, { force: true });
      }
      if (problems.length) console.log(`differential ${name}: ${problems.length} difference(s)\n${problems.join('\n')}`);
      expect(problems, `${name}: tsbuild differs from BuildKit:\n${problems.join('\n')}`).toEqual([]);
    }, 300_000);
  }
});
