import type { AstNode } from '../ast/node.js';
import type { Instruction } from '../types.js';
import { parseArg } from './arg.js';
import { parseCmd, parseEntrypoint, parseShell } from './command.js';
import { parseAdd, parseCopy } from './copy.js';
import { parseFrom } from './from.js';
import { parseHealthcheck } from './healthcheck.js';
import { parseEnv, parseLabel } from './keyvalue.js';
import { parseExpose, parseVolume } from './list.js';
import { parseOnbuild } from './onbuild.js';
import { newRequest, type InstructionRequest } from './request.js';
import { parseRun } from './run.js';
import { parseMaintainer, parseStopsignal, parseUser, parseWorkdir } from './single.js';
import { withSuggestion } from '../suggest.js';

/** One parser per keyword; each lives in its own module. */
const parsers: Record<string, (req: InstructionRequest, file: string) => Instruction> = {
  from: parseFrom,
  run: parseRun,
  cmd: parseCmd,
  entrypoint: parseEntrypoint,
  shell: parseShell,
  label: parseLabel,
  env: parseEnv,
  maintainer: parseMaintainer,
  expose: parseExpose,
  volume: parseVolume,
  copy: parseCopy,
  add: parseAdd,
  user: parseUser,
  workdir: parseWorkdir,
  arg: parseArg,
  stopsignal: parseStopsignal,
  healthcheck: parseHealthcheck,
  onbuild: (req, file) => parseOnbuild(req, (n) => toInstruction(n, file)),
};

/** AST node → typed instruction with unexpanded words; unknown keywords are `E_UNKNOWN_INSTRUCTION`. */
export function toInstruction(node: AstNode, file = 'Dockerfile'): Instruction {
  const req = newRequest(node, file);
  const parser = Object.hasOwn(parsers, node.cmd) ? parsers[node.cmd] : undefined;
  if (!parser) return req.fail('E_UNKNOWN_INSTRUCTION', withSuggestion(`unknown instruction: ${node.keyword}`, node.keyword, Object.keys(parsers).map((k) => k.toUpperCase())));
  return parser(req, file);
}
