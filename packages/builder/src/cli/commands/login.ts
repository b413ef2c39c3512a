import { readFileSync } from 'node:fs';
import { RegistryClient, storeCredentials, dockerConfigPath, parseReference, StoreError } from '@tsbuild/layerstore';
import { parseArgs, out, str } from './_store-args.js';
import { UsageError } from '../errors.js';
import { registryEnv } from './_transfer-progress.js';

const USAGE = `Usage: tsbuild login [-u USER] [-p PASSWORD | --password-stdin] [SERVER]

Check the credentials against the registry (default docker.io) and save them in docker's
config.json ($DOCKER_CONFIG/config.json, ~/.docker/config.json), through its credential helper
when one is configured: docker and tsbuild share logins.
`;

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { username: { short: 'u', value: true }, password: { short: 'p', value: true }, 'password-stdin': { value: false } });
  if (args.help) return void out(USAGE), 0;
  if (args.positionals.length > 1) throw new UsageError('login takes at most one SERVER');
  const registry = serverName(args.positionals[0] ?? 'docker.io');
  const username = str(args, 'username');
  let password = str(args, 'password');
  if (args.flags['password-stdin'] === true) password = readFileSync(0, 'utf8').replace(/\r?\n$/, '');
  if (!username || password === undefined) throw new UsageError('login needs -u USER and -p PASSWORD or --password-stdin');
  const env = registryEnv();
  // verify first (GET /v2/ with these credentials), as docker login does
  const client = new RegistryClient({ env, attempts: 2 });
  try {
    await client.checkLogin(registry, { username, password });
  } finally {
    client.close();
  }
  storeCredentials(registry, { username, password }, env);
  out(`Login Succeeded (saved in ${dockerConfigPath(env)})`);
  return 0;
}

/** `https://host/`, `host:5000`, `docker.io` → the registry's name as references spell it. */
export function serverName(s: string): string {
  const host = s.replace(/^https?:\/\//, '').split('/')[0]!;
  if (host === 'index.docker.io' || host === 'registry-1.docker.io') return 'docker.io';
  try {
    return parseReference(`${host}/x`).domain;
  } catch (err) {
    throw new StoreError('E_INVALID_REFERENCE', `invalid registry name ${JSON.stringify(s)}`, { server: s }, { cause: err });
  }
}
