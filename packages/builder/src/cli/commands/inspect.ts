import { formatPlatform, MEDIA, type ImageRecord } from '@tsbuild/layerstore';
import { parseArgs, withStore, out } from './_store-args.js';
import { UsageError } from '../errors.js';

const USAGE = `Usage: tsbuild inspect [--root DIR] NAME|ID...

Show images as JSON (shaped like docker image inspect).
`;

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, {});
  if (args.help) return void out(USAGE), 0;
  if (args.positionals.length === 0) throw new UsageError('inspect needs an image NAME or ID');
  return withStore(args, async (lib) => {
    const store = lib.layers; // index-aware reads (multi-platform images) on the raw store
    const list = await store.listImages();
    const result: unknown[] = [];
    let missing = 0;
    for (const name of args.positionals) {
      const rec = await store.getImage(name);
      if (!rec) {
        process.stderr.write(`error: no such image: ${name}\n`);
        missing++;
        continue;
      }
      // a multi-platform image: the index and each platform's image
      const digest = await store.resolve(name);
      const entries = digest ? await store.indexEntries(digest) : undefined;
      if (digest && entries) {
        const tags = list.filter((i) => i.manifestDigest === digest).map((i) => i.name);
        const platforms = await Promise.all(entries.map(async (e) => ({ Platform: e.platform ? formatPlatform(e.platform) : 'unknown', ...describe(await store.loadImage(e.digest), []) })));
        result.push({ Id: digest, RepoTags: tags, MediaType: MEDIA.ociIndex, Platforms: platforms.map((p) => p.Platform), Manifests: platforms });
        continue;
      }
      result.push(describe(rec, list.filter((i) => i.manifestDigest === rec.manifestDigest).map((i) => i.name)));
    }
    out(JSON.stringify(result, null, 4));
    return missing ? 1 : 0;
  });
}

export function describe(rec: ImageRecord, tags: string[]): Record<string, unknown> {
  const c = rec.config;
  return {
    Id: rec.manifestDigest,
    ConfigDigest: rec.configDigest,
    RepoTags: tags,
    Created: c.created,
    Author: c.author ?? '',
    Architecture: c.architecture,
    Variant: c.variant,
    Os: c.os,
    Config: c.config,
    Size: rec.layers.reduce((n, l) => n + l.size, 0),
    RootFS: { Type: 'layers', Layers: c.rootfs.diff_ids },
    Layers: rec.layers.map((l) => ({ Digest: l.digest, DiffID: l.diffID, Size: l.size, MediaType: l.mediaType })),
    History: c.history ?? [],
    Manifest: rec.manifest,
  };
}
