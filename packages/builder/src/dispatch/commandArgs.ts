import type { CommandLine } from '@tsbuild/parser';
import type { ImageConfig } from '@tsbuild/layerstore';

export const DEFAULT_SHELL = ['/bin/sh', '-c'];
/** BuildKit's default shell for a Windows target */
export const WINDOWS_SHELL = ['cmd', '/S', '/C'];

/** The stage's SHELL, else the target OS's default. */
export function shellOf(config: ImageConfig): string[] {
  if (config.config.Shell && config.config.Shell.length > 0) return config.config.Shell;
  return config.os === 'windows' ? WINDOWS_SHELL : DEFAULT_SHELL;
}

/** argv of a CMD/ENTRYPOINT/RUN: shell form goes through the stage's SHELL. */
export function commandArgs(cmd: CommandLine, config: ImageConfig): string[] {
  if (cmd.form === 'exec') return [...cmd.args];
  return [...shellOf(config), cmd.command];
}
