/**
 * Which miss reasons the plain and tty views print under a step. A first build says nothing ("no
 * earlier build of this step"); "previous step changed" is printed only after a step of the same
 * stage printed its own reason, so a fresh stage is not a column of vague lines.
 */
import { isExplainedMiss } from '../../solve/missReason.js';

export class MissReasons {
  private readonly stageOf = new Map<string, number>();
  private readonly explainedStages = new Set<number>();

  started(stepId: string, stage: number): void {
    this.stageOf.set(stepId, stage);
  }

  /** The text to show for this step's miss, or undefined. */
  shown(stepId: string, reason: string): string | undefined {
    if (!isExplainedMiss(reason)) return undefined;
    const stage = this.stageOf.get(stepId) ?? -1;
    if (reason === 'previous step changed' && !this.explainedStages.has(stage)) return undefined;
    this.explainedStages.add(stage);
    return reason;
  }
}
