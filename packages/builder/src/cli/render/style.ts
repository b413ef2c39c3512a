/** ANSI colours for the progress views: on only for a terminal, never with NO_COLOR (no-color.org). */
export interface Style {
  readonly enabled: boolean;
  red(s: string): string;
  yellow(s: string): string;
  blue(s: string): string;
  green(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

const wrap = (on: boolean, open: string, close: string) => (s: string) => (on ? `\x1b[${open}m${s}\x1b[${close}m` : s);

export function makeStyle(enabled: boolean): Style {
  return {
    enabled,
    red: wrap(enabled, '31', '39'),
    yellow: wrap(enabled, '33', '39'),
    blue: wrap(enabled, '34', '39'),
    green: wrap(enabled, '32', '39'),
    dim: wrap(enabled, '2', '22'),
    bold: wrap(enabled, '1', '22'),
  };
}

/** Colour is wanted when the stream is a terminal and NO_COLOR is unset or empty. */
export function colorWanted(isTTY: boolean, env: Record<string, string | undefined>): boolean {
  return isTTY && !env.NO_COLOR && env.TERM !== 'dumb';
}
