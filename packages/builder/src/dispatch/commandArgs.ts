import type { CommandLine } from '@tsbuild/parser';
import type { ImageConfig } from '@tsbuild/layerstore';

export const DEFAULT_SHELL = ['/bin/sh', '-c'];

/** argv of a CMD/ENTRYPOINT/RUN: shell form goes through the stage's SHELL. */
export function commandArgs(cmd: CommandLine, config: ImageConfig): string[] {
  if (cmd.form === 'exec') return [...cmd.args];
  const shell = config.config.Shell && config.config.Shell.length > 0 ? config.config.Shell : DEFAULT_SHELL;
  return [...shell, cmd.command];
}
