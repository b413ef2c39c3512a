import { TsbuildError } from '@tsbuild/errors';
import { parseArgs, withStore, out, shortId } from './_store-args.js';
import { UsageError } from '../errors.js';

const USAGE = `Usage: tsbuild rmi [--root DIR] [-f] NAME|ID...

Remove image tags (space is freed by tsbuild prune). An image ID (as tsbuild images
shows it, or a prefix) removes the one tag of that image; -f, --force removes all of
its tags when it has several (as docker rmi -f).
`;

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { force: { short: 'f', value: false } });
  if (args.help) return void out(USAGE), 0;
  if (args.positionals.length === 0) throw new UsageError('rmi needs an image NAME');
  const force = args.flags.force === true;
  return withStore(args, async (store) => {
    let failed = 0;
    for (const name of args.positionals) {
      try {
        await store.remove(name);
        out(`Untagged: ${name}`);
      } catch (err) {
        if (!(err instanceof TsbuildError && err.code === 'E_NOT_FOUND')) throw err;
        // not a tag: an image ID (or a manifest digest) names the image, whose tags go
        const digest = await store.layers.resolve(name); // an ambiguous ID prefix is an error of its own
        const tags = digest ? (await store.list()).filter((i) => i.manifestDigest === digest) : [];
        if (tags.length === 0) {
          process.stderr.write(`error: no such image: ${name}\n`);
          failed++;
        } else if (tags.length > 1 && !force) {
          process.stderr.write(`error: image ${shortId(tags[0]!.id)} has ${tags.length} tags (${tags.map((t) => t.name).join(', ')}): name one, or remove them all with -f\n`);
          failed++;
        } else {
          for (const t of tags) {
            await store.remove(t.name);
            out(`Untagged: ${t.name}`);
          }
        }
      }
    }
    return failed ? 1 : 0;
  });
}
