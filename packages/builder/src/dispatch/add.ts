import type { AddInstruction } from '@tsbuild/parser';
import type { StepContext } from '../solve/types.js';
import { copyStep } from './copyStep.js';

export function dispatchAdd(ctx: StepContext<AddInstruction>): Promise<void> {
  return copyStep(ctx);
}
