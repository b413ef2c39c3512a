/**
 * Typed build events for one build. Assigns BuildKit-style step ids (`#1`, `#2` …) and keeps
 * the per-step clock. The library never prints: renderers live in cli/render.
 */
import type { BuildEvent } from '../types.js';

export class Progress {
  private next = 1;
  private readonly started = new Map<string, number>();

  constructor(private readonly onEvent?: (event: BuildEvent) => void) {}

  emit(event: BuildEvent): void {
    try {
      this.onEvent?.(event);
    } catch {
      // a renderer failure must not fail the build
    }
  }

  /** Allocate an id and announce the step. */
  start(name: string, stage: number, index: number, total: number): string {
    const stepId = String(this.next++);
    this.started.set(stepId, Date.now());
    this.emit({ type: 'step-start', stepId, name, stage, index, total });
    return stepId;
  }

  cached(stepId: string, name: string): void {
    this.emit({ type: 'step-cached', stepId, name });
  }

  log(stepId: string, stream: 'stdout' | 'stderr', data: string): void {
    this.emit({ type: 'step-log', stepId, stream, data });
  }

  done(stepId: string, name: string, cached: boolean, missReason?: string): number {
    const durationMs = Date.now() - (this.started.get(stepId) ?? Date.now());
    this.emit({ type: 'step-done', stepId, name, durationMs, cached, missReason });
    return durationMs;
  }

  error(stepId: string, name: string, error: string): void {
    this.emit({ type: 'step-error', stepId, name, error });
  }

  info(message: string): void {
    this.emit({ type: 'info', message });
  }

  /** Details for `--debug` (the executor and snapshotter chosen): renderers hide them otherwise. */
  debug(message: string): void {
    this.emit({ type: 'info', message, debug: true });
  }

  /** A step will run although it may have run before: why its cache key is new (solve/missReason.ts). */
  miss(stepId: string, reason: string): void {
    this.emit({ type: 'step-miss', stepId, reason });
  }

  warning(message: string, location?: { file: string; line: number }): void {
    this.emit({ type: 'warning', message, location });
  }

  /** A lint rule's finding about the Dockerfile. */
  lint(rule: string, message: string, location: { file: string; line: number; column?: number }, url?: string): void {
    this.emit({ type: 'lint', rule, message, location, url });
  }
}
