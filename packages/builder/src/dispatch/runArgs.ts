import type { CommandLine } from '@tsbuild/parser';
import type { ImageConfig } from '@tsbuild/layerstore';
import { commandArgs, shellOf } from './commandArgs.js';

/** A file the step needs inside the container (heredoc scripts), mounted read-only. */
export interface RunFile { path: string; content: string; mode: number }

/**
 * argv of a RUN as BuildKit executes it:
 *  - `RUN <<EOF` (the command is only the heredoc): the body is the script — with a `#!` line it is
 *    written to a file and executed, otherwise it runs through SHELL (`/bin/sh -c <body>`);
 *  - other heredocs: the command plus its heredoc bodies go to the shell as one script, which then
 *    feeds each body to its redirection (quoted delimiters stay quoted: no expansion);
 *  - everything else: commandArgs (SHELL + command, or exec form).
 */
export function runArgs(cmd: CommandLine, config: ImageConfig): { args: string[]; files: RunFile[] } {
  if (cmd.form === 'exec' || cmd.heredocs.length === 0) return { args: commandArgs(cmd, config), files: [] };
  const shell = shellOf(config);
  const only = /^<<-?\s*(["']?)([^"'\s]+)\1\s*$/.exec(cmd.command.trim());
  if (only && cmd.heredocs.length === 1) {
    const body = cmd.heredocs[0]!.content;
    if (body.startsWith('#!')) {
      // BuildKit mounts it at /dev/pipes/<name>; our executor builds /dev from a skeleton, so it goes
      // to a placeholder path the executor creates and removes again
      const path = `/.tsbuild-heredoc/${cmd.heredocs[0]!.name}`;
      return { args: [path], files: [{ path, content: body, mode: 0o755 }] };
    }
    return { args: [...shell, body], files: [] };
  }
  let script = cmd.command;
  for (const h of cmd.heredocs) script += `\n${h.content}${h.content.endsWith('\n') || h.content === '' ? '' : '\n'}${h.name}`;
  return { args: [...shell, script], files: [] };
}
