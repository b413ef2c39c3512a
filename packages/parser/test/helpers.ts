import { expect } from 'vitest';
import { ParseError } from '../src/errors.js';
import { parse } from '../src/parse.js';
import type { Instruction } from '../src/types.js';

/** The instructions of the only stage of `FROM scratch\n<body>`. */
export function body(text: string): Instruction[] {
  return parse(`FROM scratch\n${text}\n`).stages[0]!.instructions;
}

export const one = <K extends Instruction['kind']>(text: string, kind: K): Extract<Instruction, { kind: K }> => {
  const ins = body(text)[0]!;
  expect(ins.kind).toBe(kind);
  return ins as Extract<Instruction, { kind: K }>;
};

/** Runs fn, expects a ParseError, returns it. */
export function parseError(fn: () => unknown): ParseError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ParseError);
    return e as ParseError;
  }
  throw new Error('expected a ParseError');
}

export const errorOf = (text: string): ParseError => parseError(() => parse(text));
