import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BuildError } from '../errors.js';
import type { BuildOptions } from '../types.js';

export interface DockerfileSource { text: string; /** path used in error locations */ file: string }

/** `dockerfileText` (e.g. `-f -`), else `dockerfile`, else <context>/Dockerfile, else <context>/dockerfile. */
export async function readDockerfile(options: Pick<BuildOptions, 'context' | 'dockerfile' | 'dockerfileText'>): Promise<DockerfileSource> {
  if (options.dockerfileText !== undefined) return { text: options.dockerfileText, file: options.dockerfile ?? 'Dockerfile' };
  const candidates = options.dockerfile ? [resolve(options.dockerfile)] : [join(options.context, 'Dockerfile'), join(options.context, 'dockerfile')];
  for (const file of candidates) {
    try {
      return { text: readFileSync(file, 'utf8'), file }; // sync: small, and read before anything else can run
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  if (!options.dockerfile && !existsSync(options.context)) throw new BuildError('E_CONTEXT', `build context ${options.context} does not exist`, { data: { dir: options.context } });
  throw new BuildError('E_NO_DOCKERFILE', `cannot read Dockerfile: ${candidates[0]} not found`, { data: { path: candidates[0] } });
}
