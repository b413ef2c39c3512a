import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BuildError } from '../errors.js';
import { readRegularFileSync } from '../io/readRegular.js';

/** a Dockerfile is read whole and parsed in memory: refuse absurd ones */
export const MAX_DOCKERFILE_BYTES = 16 << 20;

function isFifo(file: string): boolean {
  try {
    return statSync(file).isFIFO();
  } catch {
    return false;
  }
}
import type { BuildOptions } from '../types.js';

export interface DockerfileSource { text: string; /** path used in error locations */ file: string }

/** `dockerfileText` (e.g. `-f -`), else `dockerfile`, else <context>/Dockerfile, else <context>/dockerfile. */
export async function readDockerfile(options: Pick<BuildOptions, 'context' | 'dockerfile' | 'dockerfileText'>): Promise<DockerfileSource> {
  if (options.dockerfileText !== undefined) return { text: options.dockerfileText, file: options.dockerfile ?? 'Dockerfile' };
  const candidates = options.dockerfile ? [resolve(options.dockerfile)] : [join(options.context, 'Dockerfile'), join(options.context, 'dockerfile')];
  for (const file of candidates) {
    try {
      // sync: small, and read before anything else can run. A Dockerfile named with -f may be a
      // FIFO (`-f <(generate)`), as docker allows; the context's own must be a regular file
      if (options.dockerfile && isFifo(file)) return { text: readFileSync(file, 'utf8'), file };
      return { text: readRegularFileSync(file, { what: 'the Dockerfile', max: MAX_DOCKERFILE_BYTES }).toString('utf8'), file };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  if (!options.dockerfile && !existsSync(options.context)) throw new BuildError('E_CONTEXT', `build context ${options.context} does not exist`, { data: { dir: options.context } });
  throw new BuildError('E_NO_DOCKERFILE', `cannot read Dockerfile: ${candidates[0]} not found`, { data: { path: candidates[0] } });
}
