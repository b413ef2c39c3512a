import { parse, type Instruction } from '@tsbuild/parser';
import { BuildError } from '../errors.js';

/** The base image's ONBUILD triggers as instructions (they run first in the child stage). */
export function parseTriggers(onBuild: readonly string[], file: string): Instruction[] {
  if (onBuild.length === 0) return [];
  const out: Instruction[] = [];
  for (const t of onBuild) {
    let df;
    try {
      df = parse(`FROM scratch\n${t}\n`, { file: `${file} (ONBUILD ${t})` });
    } catch (err) {
      throw new BuildError('E_PARSE', `invalid ONBUILD trigger in base image: ${t}: ${(err as Error).message}`, { cause: err });
    }
    const instrs = df.stages[0]?.instructions ?? [];
    for (const i of instrs) {
      if (i.kind === 'ONBUILD' || (i.kind as string) === 'FROM' || (i.kind as string) === 'MAINTAINER') {
        throw new BuildError('E_PARSE', `${i.kind} isn't allowed as an ONBUILD trigger`);
      }
      out.push(i);
    }
  }
  return out;
}
