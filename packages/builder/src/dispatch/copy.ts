import type { CopyInstruction } from '@tsbuild/parser';
import type { StepContext } from '../solve/types.js';
import { copyStep } from './copyStep.js';

export function dispatchCopy(ctx: StepContext<CopyInstruction>): Promise<void> {
  return copyStep(ctx);
}
