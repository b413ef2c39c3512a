import type { AddInstruction, CopyInstruction } from '@tsbuild/parser';

/**
 * The history `created_by` of an (expanded) COPY/ADD, as current BuildKit's dispatchCopy writes it
 * (dockerfile2llb/convert_copy.go): the command, ` --parents`, ` --chown=…`, ` --chmod=…` when
 * given, the source paths, a ` <<NAME` per inline file, the destination, then ` # buildkit`.
 * --from, --link, --exclude and ADD --checksum are not shown. (docker 20.10's BuildKit v0.8
 * printed no flags; fixtures/differential/README.md.)
 */
export function copyHistory(instr: CopyInstruction | AddInstruction): string {
  const words: string[] = [instr.kind];
  if (instr.parents) words.push('--parents');
  if (instr.chown) words.push(`--chown=${instr.chown}`);
  if (instr.chmod) words.push(`--chmod=${instr.chmod}`);
  words.push(...instr.sources, ...instr.heredocs.map((h) => `<<${h.name}`), instr.dest);
  return `${words.join(' ')} # buildkit`;
}
