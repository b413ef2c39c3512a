import type { MaintainerInstruction, StopsignalInstruction, UserInstruction, WorkdirInstruction } from '../types.js';
import { errExactlyOne, type InstructionRequest } from './request.js';

/** Instructions that take exactly one (whole-rest-of-line) argument. */
function one(req: InstructionRequest, checkFlags = true): string {
  if (checkFlags) req.flags.parse({});
  if (req.args.length !== 1) errExactlyOne(req);
  return req.args[0]!;
}

export const parseUser = (req: InstructionRequest): UserInstruction => ({ kind: 'USER', range: req.range, original: req.original, user: one(req) });
export const parseWorkdir = (req: InstructionRequest): WorkdirInstruction => ({ kind: 'WORKDIR', range: req.range, original: req.original, path: one(req) });
export const parseStopsignal = (req: InstructionRequest): StopsignalInstruction => ({ kind: 'STOPSIGNAL', range: req.range, original: req.original, signal: one(req, false) }); // BuildKit never parses STOPSIGNAL's flags
export const parseMaintainer = (req: InstructionRequest): MaintainerInstruction => ({ kind: 'MAINTAINER', range: req.range, original: req.original, maintainer: one(req) });
