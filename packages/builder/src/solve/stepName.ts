/**
 * The name a step is shown under, as BuildKit's dockerfile2llb makes it (prefixCommand,
 * uppercaseCmd, processCmdEnv): `[stage n/total] RUN groupadd --gid 10001`.
 * The instruction text goes through the parser's ShellLex with the stage's variables as they are
 * before the step runs — RUN with quotes kept and unset variables left as written (so a secret
 * mounted as an env var is never shown), COPY/ADD/WORKDIR with the ordinary word rules. A text
 * that does not expand is shown as written, as BuildKit does.
 */
import { ShellLex, type Instruction, type VarLookup } from '@tsbuild/parser';

/** `[label n/total] ` with n padded to total's width (BuildKit's `%*d`). */
export function stepPrefix(label: string, n: number, total: number): string {
  return `[${label} ${String(n).padStart(String(total).length)}/${total}] `;
}

export function displayCommand(instr: Instruction, vars: VarLookup, escape: '\\' | '`'): string {
  let text = instr.original;
  if (instr.kind === 'RUN' || instr.kind === 'COPY' || instr.kind === 'ADD' || instr.kind === 'WORKDIR') {
    const lex = instr.kind === 'RUN' ? new ShellLex(escape, { rawQuotes: true, skipUnsetEnv: true }) : new ShellLex(escape);
    try {
      text = lex.processWord(text, vars);
    } catch {
      // shown as written
    }
  }
  if (instr.kind === 'RUN' && instr.cmd.form === 'shell' && instr.cmd.heredocs.length > 0) text += ` (${summarizeHeredoc(instr.cmd.heredocs[0]!.rawContent)})`;
  const sp = text.indexOf(' ');
  return sp < 0 ? text.toUpperCase() : text.slice(0, sp).toUpperCase() + text.slice(sp);
}

function summarizeHeredoc(doc: string): string {
  const lines = doc.trim().replace(/\r\n/g, '\n').split('\n');
  return lines.length > 1 ? `${lines[0]}...` : lines[0]!;
}
