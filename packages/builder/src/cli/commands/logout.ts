import { eraseCredentials } from '@tsbuild/layerstore';
import { parseArgs, out } from './_store-args.js';
import { UsageError } from '../errors.js';
import { registryEnv } from './_transfer-progress.js';
import { serverName } from './login.js';

const USAGE = `Usage: tsbuild logout [SERVER]

Remove the saved login for SERVER (default docker.io) from docker's config.json.
`;

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, {});
  if (args.help) return void out(USAGE), 0;
  if (args.positionals.length > 1) throw new UsageError('logout takes at most one SERVER');
  const registry = serverName(args.positionals[0] ?? 'docker.io');
  const had = eraseCredentials(registry, registryEnv());
  out(had ? `Removing login credentials for ${registry}` : `Not logged in to ${registry}`);
  return 0;
}
