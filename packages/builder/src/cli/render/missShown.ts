/**
 * Which miss reasons the plain and tty views print under a step. A first build says nothing ("no
 * earlier build of this step"); "previous step changed" is printed only after a step of the same
 * stage printed its own reason, so a fresh stage is not a column of vague lines. A stage built on
 * another stage (`FROM base`) whose steps missed for a reason starts from a new parent, so its
 * first miss has no earlier build to compare with: that one says `stage base changed`.
 */
import { isExplainedMiss, NO_EARLIER_BUILD } from '../../solve/missReason.js';

/** `[label n/total] FROM image` → label and, for a FROM, the image (an earlier stage's label or an image) */
export function parseStepName(name: string): { label?: string; from?: string } {
  const m = /^\[(?:\S+\s+)??([^\s\]]+)\s+\d+\/\d+\]\s+(\S+)(?:\s+(\S+))?/.exec(name);
  if (!m) return {};
  return { label: m[1], from: m[2]!.toUpperCase() === 'FROM' ? m[3] : undefined };
}

export class MissReasons {
  private readonly stageOf = new Map<string, number>();
  private readonly explainedStages = new Set<number>();
  private readonly labels = new Map<string, number>();
  private readonly baseOf = new Map<number, string>();

  started(stepId: string, stage: number, name = ''): void {
    this.stageOf.set(stepId, stage);
    const { label, from } = parseStepName(name);
    if (label) this.labels.set(label.toLowerCase(), stage);
    if (from) this.baseOf.set(stage, from.toLowerCase());
  }

  /** The text to show for this step's miss, or undefined. */
  shown(stepId: string, reason: string): string | undefined {
    const stage = this.stageOf.get(stepId) ?? -1;
    if (reason === NO_EARLIER_BUILD) {
      const base = this.baseOf.get(stage);
      const baseStage = base === undefined ? undefined : this.labels.get(base);
      if (baseStage === undefined || baseStage === stage || !this.explainedStages.has(baseStage)) return undefined;
      this.explainedStages.add(stage);
      return `stage ${base} changed`;
    }
    if (!isExplainedMiss(reason)) return undefined;
    if (reason === 'previous step changed' && !this.explainedStages.has(stage)) return undefined;
    this.explainedStages.add(stage);
    return reason;
  }
}
