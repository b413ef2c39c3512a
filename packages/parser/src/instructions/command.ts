import type { CmdInstruction, CommandLine, EntrypointInstruction, ShellInstruction } from '../types.js';
import { heredocsOf } from './heredocs.js';
import type { InstructionRequest } from './request.js';

/** Exec form when the arguments were a JSON array, else one shell-form string (BuildKit `handleJSONArgs`). */
export function commandLine(req: InstructionRequest): CommandLine {
  if (req.node.json) return { form: 'exec', args: [...req.args] };
  return { form: 'shell', command: req.args.join(' '), heredocs: heredocsOf(req.node) };
}

export function parseCmd(req: InstructionRequest): CmdInstruction {
  req.flags.parse({});
  return { kind: 'CMD', range: req.range, original: req.original, cmd: commandLine(req) };
}

export function parseEntrypoint(req: InstructionRequest): EntrypointInstruction {
  req.flags.parse({});
  return { kind: 'ENTRYPOINT', range: req.range, original: req.original, cmd: commandLine(req) };
}

/** SHELL only accepts the JSON form. */
export function parseShell(req: InstructionRequest): ShellInstruction {
  req.flags.parse({});
  if (req.args.length === 0) req.fail('E_PARSE', 'SHELL requires at least one argument');
  if (!req.node.json) req.fail('E_JSON', 'SHELL requires the arguments to be in JSON form');
  return { kind: 'SHELL', range: req.range, original: req.original, shell: [...req.args] };
}
