/**
 * COPY and ADD share one step: key = parent + instruction (expanded, flags) + a content checksum of
 * exactly the selected sources (context) or the source stage's key (--from); apply = applyCopy
 * into the mounted rootfs.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { AddInstruction, CopyInstruction } from '@tsbuild/parser';
import type { CopyOp, CopySource, RemoteFile } from '../copy/types.js';
import { isHeredocMarker, isUrl } from '../copy/select.js';
import { copyHistory } from './copyHistory.js';

/** the copy module is loaded only when a COPY/ADD runs or fetches (a cached build never needs it) */
const copyModule = () => import('../copy/index.js');
import { commitLayer } from '../solve/commitLayer.js';
import type { StepInputs } from '../solve/missReason.js';
import { sourceState } from '../solve/sourceState.js';
import { dirContext } from '../solve/namedContexts.js';
import type { StepContext } from '../solve/types.js';

export async function copyStep(ctx: StepContext<CopyInstruction | AddInstruction>): Promise<void> {
  const { instr, state, solve } = ctx;
  const workdir = state.config.config.WorkingDir || '/';
  const op: CopyOp = {
    kind: instr.kind,
    sources: instr.sources,
    dest: instr.dest,
    heredocs: instr.heredocs.map((h) => ({ name: h.name, content: h.content })),
    chown: instr.chown,
    chmod: instr.chmod,
    link: instr.link,
    parents: instr.parents,
    exclude: instr.exclude,
    ...(instr.kind === 'ADD' ? { checksum: instr.checksum, unpack: instr.unpack } : {}),
  };
  const localSources = instr.sources.filter((s) => !isHeredocMarker(s) && !isUrl(s));
  // --from=NAME of a directory build context: copied from that directory as from the context
  const dirCtx = instr.from ? await dirContext(solve, instr.from) : undefined;
  const context = dirCtx ?? solve.context;
  const from = instr.from && !dirCtx ? await sourceState(solve, instr.from, state.stage.index, ctx.location) : undefined;
  const inputs: StepInputs = [['instruction', ctx.raw.original], ['WORKDIR', workdir]];
  let sources: string | undefined;
  if (from) {
    inputs.push([`stage ${instr.from}`, from.fsKey]);
  } else if (localSources.length > 0) {
    const sum = await context.checksum(localSources, { exclude: instr.exclude, parents: instr.parents });
    sources = sum.digest;
    for (const [path, digest] of sum.files) inputs.push([`file ${path}`, digest]);
  }
  // ADD <url>: the content's digest keys the step (fetched now, reused by the copy on a miss)
  const remote = new Map<string, RemoteFile>();
  if (instr.kind === 'ADD') {
    for (const url of instr.sources.filter(isUrl)) {
      // persistent per-store HTTP cache, revalidated with If-None-Match / If-Modified-Since:
      // a warm build costs one conditional request (304) and no transfer
      const { fetchRemote } = await copyModule();
      const file = await fetchRemote(url, { store: solve.store, checksum: instr.checksum, signal: solve.signal });
      if (!file.fromCache) {
        solve.progress.emit({ type: 'transfer', action: 'download', ref: url, digest: file.digest, kind: 'url', status: 'done', current: file.size, total: file.size, stepId: ctx.step.id });
      }
      remote.set(url, file);
      inputs.push([`url ${url}`, file.digest]);
    }
  }
  const heredocs = instr.heredocs.map((h) => ({ name: h.name, content: createHash('sha256').update(h.content).digest('hex') }));
  const label = `${instr.kind} ${instr.sources.join(' ')}`;
  inputs[0] = ['instruction', label];

  await commitLayer(ctx, {
    key: {
      op: instr.kind,
      instruction: { ...op, heredocs, workdir },
      sources,
      from: from?.fsKey,
      ...(remote.size > 0 ? { mounts: [...remote.values()].map((r) => ({ url: r.url, digest: r.digest, filename: r.filename, lastModified: r.lastModified?.toISOString() })) } : {}),
    },
    inputs,
    createdBy: copyHistory(instr),
    // --link without --chmod: the layer holds only what was copied (parents created 0755 root), not
    // copied-up parent dirs; a --chown by name still needs the parent's /etc/passwd, so it stays merged
    independent: instr.link && !instr.chmod && (!instr.chown || /^\d+(:\d+)?$/.test(instr.chown)),
    // a plain COPY of a context directory into a new path: copied and tarred in one pass
    async applyToLayer(mounted, tarOpts) {
      if (from || localSources.length === 0) return undefined;
      const { copyToLayer } = await copyModule();
      return copyToLayer(op, { source: context.copySource(), mounted, workdir, sourceDateEpoch: tarOpts.sourceDateEpoch, signal: solve.signal });
    },
    async apply(mounted) {
      let source: CopySource | undefined;
      let release: (() => Promise<void>) | undefined;
      if (from) {
        const lower = await solve.store.ensureSnapshots(from.layers, { signal: solve.signal });
        const scratchDir = await mkdtemp(join(solve.store.tmpDir(), 'from-'));
        const snap = await (await solve.snapshotter()).prepare(lower, { scratchDir });
        release = async () => {
          await snap.release();
          await rm(scratchDir, { recursive: true, force: true });
        };
        source = { root: snap.root, owner: 'preserve', name: `stage ${instr.from}` };
      } else {
        source = context.copySource();
      }
      try {
        const { applyCopy } = await copyModule();
        await applyCopy(op, {
          source,
          destRoot: mounted.root,
          workdir,
          tmpDir: solve.store.tmpDir(),
          remote,
          signal: solve.signal,
          onWarning: (m: string) => solve.progress.warning(m, { file: ctx.location.file, line: ctx.location.line }),
        });
      } finally {
        await release?.();
      }
    },
  });
}
