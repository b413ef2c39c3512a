/**
 * Execute one COPY/ADD into the step's writable rootfs with BuildKit's rules:
 *  - dest is relative to WORKDIR; a dest ending in '/' (or '.', or empty) is a directory, created with its
 *    parents (0755, or the --chmod mode; owner --chown or 0:0); otherwise only its parent is created
 *  - dest is resolved through symlinks inside destRoot (never outside it)
 *  - a directory source copies its CONTENTS; a file into an existing directory keeps its name
 *  - sources are selected first (a missing literal source fails before anything is written, E_COPY_SOURCE);
 *    a wildcard matching nothing is fine (BuildKit's AllowEmptyWildcard)
 *  - a symlink named as a source (or matched by a wildcard) is followed inside the source root;
 *    symlinks below a copied directory are copied as symlinks
 *  - ADD: a local (possibly compressed) tar is extracted into dest; URLs are downloaded (never extracted)
 *  - heredocs become files named after their delimiter, mode 0644
 * Several sources into a non-directory dest copy one after the other (BuildKit does not reject it;
 * `strictMultiSource` restores the classic builder's error).
 */
import { open, rm, lutimes, lchown, chmod, copyFile } from 'node:fs/promises';
import { constants as fsConstants } from 'node:fs';
import { basename, dirname, join, posix } from 'node:path';
import { BuildError } from '../errors.js';
import { defaultIgnoreMatcher } from '../context/ignoreMatcher.js';
import { resolveChown } from '../users/resolveChown.js';
import { extractArchive, isArchive } from './archive.js';
import { capabilitiesSupported } from './capabilities.js';
import { chmodMode, parseChmod, type ChmodSpec } from './chmod.js';
import { Copier } from './copier.js';
import { discardRemote, downloadUrl } from './downloadUrl.js';
import { lstatOrUndefined, mkdirAll, statOrUndefined, type DirMeta } from './fsops.js';
import { cleanComponents, fileName, resolveInRootAsync } from '@tsbuild/layerstore';
import { isHeredocMarker, isUrl, selectSource } from './select.js';
import type { ApplyCopyOptions, CopyOp, CopyResult, RemoteFile, SourceMatch } from './types.js';

type Item =
  | { kind: 'match'; m: SourceMatch }
  | { kind: 'remote'; r: RemoteFile }
  | { kind: 'inline'; name: string; content: string };

/** --link without --chmod makes an independent layer in BuildKit (copy into an empty dir, then merge). */
export function isIndependentLayer(op: Pick<CopyOp, 'link' | 'chmod'>): boolean {
  return !!op.link && !op.chmod;
}

/** Absolute in-image destination and whether it names a directory. */
export function destinationOf(dest: string, workdir = '/'): { path: string; isDir: boolean } {
  const isDir = dest === '' || dest === '.' || dest.endsWith('/') || dest.endsWith('/.');
  const abs = dest.startsWith('/') ? dest : posix.join(workdir || '/', dest);
  return { path: '/' + cleanComponents(abs).join('/'), isDir };
}

export async function applyCopy(op: CopyOp, opts: ApplyCopyOptions): Promise<CopyResult> {
  const destRoot = opts.destRoot;
  const chmodSpec: ChmodSpec | undefined = op.chmod ? parseChmod(op.chmod) : undefined;
  let chown: { uid: number; gid: number } | undefined;
  let unresolvedOwner: string[] | undefined;
  if (op.chown) {
    const o = await resolveChown(opts.userRoot ?? destRoot, op.chown, { strict: opts.strictChown });
    chown = { uid: o.uid, gid: o.gid };
    if (o.unresolved) {
      unresolvedOwner = o.unresolved;
      opts.onWarning?.(`--chown=${op.chown}: ${o.unresolved.join(', ')} not found in /etc/passwd or /etc/group; using 0 as BuildKit does`);
    }
  }
  const exclude = op.exclude?.length ? defaultIgnoreMatcher(op.exclude) : undefined;
  const dest = destinationOf(op.dest, opts.workdir);
  const unpackLocal = op.kind === 'ADD' && op.unpack !== false;

  if (op.checksum !== undefined && op.checksum !== '') {
    // BuildKit's frontend checks
    if (op.kind !== 'ADD') throw new BuildError('E_CHECKSUM', "checksum can't be specified for COPY");
    if (op.sources.length !== 1) throw new BuildError('E_CHECKSUM', "checksum can't be specified for multiple sources");
    if (!isUrl(op.sources[0]!)) throw new BuildError('E_CHECKSUM', 'checksum requires HTTP(S) or Git sources');
  }

  // 1. select everything first: errors before any write
  const items: Item[] = [];
  const fetched: RemoteFile[] = [];
  try {
    for (const s of op.sources) {
      if (isHeredocMarker(s)) continue;
      if (isUrl(s)) {
        if (op.kind !== 'ADD') throw new BuildError('E_COPY_SOURCE', `source can't be a URL for COPY: ${s}`, { data: { path: s } });
        let r = opts.remote?.get(s);
        if (!r) { r = await downloadUrl(s, { checksum: op.checksum, tmpDir: opts.tmpDir, signal: opts.signal }); fetched.push(r); }
        items.push({ kind: 'remote', r });
        continue;
      }
      if (!opts.source) throw new BuildError('E_COPY_SOURCE', `no source to copy "${s}" from`, { data: { path: s } });
      for (const m of await selectSource(opts.source, s, { parents: op.parents })) items.push({ kind: 'match', m });
    }
    for (const h of op.heredocs ?? []) items.push({ kind: 'inline', name: singleName(h.name, 'heredoc name', op.kind), content: h.content });
    for (const i of items) if (i.kind === 'remote') singleName(i.r.filename, 'file name of URL', op.kind);

    if (opts.strictMultiSource && items.length > 1 && !dest.isDir) {
      const existing = await statOrUndefined(await resolveInRootAsync(destRoot, dest.path));
      if (!existing?.isDirectory()) {
        throw new BuildError('E_COPY', `When using ${op.kind} with more than one source file, the destination must be a directory and end with a /`, { data: { dest: op.dest } });
      }
    }

    // 2. copy, one source at a time (each like one BuildKit FileOp copy action)
    const dirMeta: DirMeta = {
      mode: chmodSpec ? chmodMode(chmodSpec, 0o40755, true) : 0o755,
      uid: chown?.uid ?? 0,
      gid: chown?.gid ?? 0,
    };
    const keepCaps = capabilitiesSupported();
    if (!keepCaps && items.some((i) => i.kind === 'match')) opts.onWarning?.('no way to read/write xattrs (neither the syscall addon nor perl): file capabilities of copied files are not preserved');
    const copier = new Copier({ source: opts.source ?? { root: destRoot, owner: 'root', name: 'none' }, chown, chmod: chmodSpec, exclude, signal: opts.signal, destRoot, keepCapabilities: keepCaps });
    let extraEntries = 0;
    let extraBytes = 0;
    const shown = (p: string) => (p.startsWith(destRoot) ? p.slice(destRoot.length) || '/' : p);

    for (const item of items) {
      opts.signal?.throwIfAborted();
      copier.nextSource();
      try {
        const ensure = dest.isDir ? dest.path : posix.dirname(dest.path);
        await mkdirAll(await resolveInRootAsync(destRoot, ensure), dirMeta);
        const dstHost = await resolveInRootAsync(destRoot, dest.path);

        if (item.kind === 'match') {
          const m = item.m;
          if (op.parents) {
            await copyParents(m, dstHost, copier, dirMeta, opts.source!.root);
            continue;
          }
          if (unpackLocal && m.stat.isFile() && (await isArchive(m.abs))) {
            const r = await extractArchive(m.abs, dstHost, { chown, destDirMeta: dirMeta, signal: opts.signal });
            extraEntries += r.entries;
            extraBytes += r.bytes;
            continue;
          }
          const fiDest = await statOrUndefined(dstHost);
          const name = basename('/' + m.rel) || '/';
          const target = !m.stat.isDirectory() && fiDest?.isDirectory() ? join(dstHost, name) : dstHost;
          if (m.stat.isDirectory() && !fiDest) await mkdirAll(target, dirMeta);
          else await mkdirAll(dirname(target), dirMeta);
          await copier.copy(m.abs, '', target, false);
          // file capabilities survive the copy (read from the sources, set after owners and modes)
          if (keepCaps) await copier.applyCapabilities();
          continue;
        }

        // ADD --unpack=true <url>: BuildKit extracts a downloaded archive too
        if (item.kind === 'remote' && op.unpack === true && (await isArchive(item.r.file))) {
          const r = await extractArchive(item.r.file, dstHost, { chown, destDirMeta: dirMeta, signal: opts.signal });
          extraEntries += r.entries;
          extraBytes += r.bytes;
          continue;
        }
        // a single generated file: URL content or heredoc
        // a file NAME (checked in step 1): joined to the resolved dest, it cannot leave it
        const name = item.kind === 'remote' ? singleName(item.r.filename, 'file name of URL', op.kind) : item.name;
        const fiDest = await statOrUndefined(dstHost);
        const target = fiDest?.isDirectory() ? join(dstHost, name) : dstHost;
        await mkdirAll(dirname(target), dirMeta);
        await copier.clearFileTarget(target);
        const baseMode = item.kind === 'remote' ? 0o600 : 0o644;
        if (item.kind === 'remote') {
          await copyFile(item.r.file, target, fsConstants.COPYFILE_EXCL);
          extraBytes += item.r.size;
        } else {
          const fh = await open(target, 'wx', 0o600);
          try { await fh.writeFile(item.content); } finally { await fh.close(); }
          extraBytes += Buffer.byteLength(item.content);
        }
        await lchown(target, chown?.uid ?? 0, chown?.gid ?? 0);
        await chmod(target, chmodSpec ? chmodMode(chmodSpec, 0o100000 | baseMode, false) : baseMode);
        if (item.kind === 'remote' && item.r.lastModified) await lutimes(target, item.r.lastModified, item.r.lastModified);
        extraEntries++;
      } catch (err) {
        if (err instanceof BuildError) throw err;
        const e = err as NodeJS.ErrnoException;
        const what = item.kind === 'match' ? item.m.src : item.kind === 'remote' ? item.r.url : `<<${item.name}`;
        throw new BuildError('E_COPY', `${op.kind} ${what} → ${op.dest}: ${e.code ?? ''} ${shown(e.path ?? '')} ${e.message.replaceAll(destRoot, '')}`.replace(/\s+/g, ' ').trim(), { cause: err, data: { source: what, dest: op.dest } });
      }
    }
    const result: CopyResult = {
      independentLayer: isIndependentLayer(op),
      entries: copier.entries + extraEntries,
      bytes: copier.bytes + extraBytes,
      remote: items.filter((i): i is Extract<Item, { kind: 'remote' }> => i.kind === 'remote').map((i) => i.r),
    };
    if (unresolvedOwner) result.unresolvedOwner = unresolvedOwner;
    return result;
  } finally {
    for (const r of fetched) await discardRemote(r);
  }
}

/**
 * A heredoc's or URL's name as the one file name it stands for. BuildKit makes the file with
 * Mkfile(join("/", name)) in an empty scratch and copies it from there, so `../x` is `x` and a name
 * with a directory part (`a/b`, `../../tmp/x`) fails: there is no such directory in scratch.
 */
function singleName(name: string, what: string, kind: string): string {
  try {
    return fileName(name, what);
  } catch (err) {
    throw new BuildError('E_COPY', `${kind} ${what} ${JSON.stringify(name)}: not a single file name (BuildKit cannot create a name with a directory part, nor "." or "..")`, { cause: err, data: { name } });
  }
}

/**
 * --parents: recreate the match's path below the pivot under dest. Missing intermediate
 * directories take the metadata of the source directories they stand for.
 */
async function copyParents(m: SourceMatch, dstHost: string, copier: Copier, dirMeta: DirMeta, srcRoot: string): Promise<void> {
  const rel = m.parentsPath ?? m.rel;
  const comps = rel.split('/').filter(Boolean);
  await mkdirAll(dstHost, dirMeta);
  // source dirs standing for the intermediate components: walk up from the match
  const srcDirs: string[] = [];
  let s = m.abs;
  for (let i = comps.length - 1; i > 0; i--) { s = dirname(s); srcDirs.unshift(s); }
  let cur = dstHost;
  for (let i = 0; i < comps.length - 1; i++) {
    cur = join(cur, comps[i]!);
    const existing = await lstatOrUndefined(cur);
    if (existing?.isDirectory()) continue;
    if (existing) await rm(cur, { force: true });
    const sd = srcDirs[i]!;
    const st = await lstatOrUndefined(sd.startsWith(srcRoot) ? sd : srcRoot);
    await mkdirAll(cur, dirMeta);
    if (st) {
      const owner = copier.ownerOf(st);
      await lchown(cur, owner.uid, owner.gid);
      await chmod(cur, copier.modeOf(st) ?? st.mode & 0o7777);
      await lutimes(cur, st.atimeMs / 1000, st.mtimeMs / 1000);
    }
  }
  const target = comps.length === 0 ? dstHost : join(dstHost, ...comps);
  await copier.copy(m.abs, '', target, comps.length > 0);
  await copier.applyCapabilities();
}
