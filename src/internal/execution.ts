import type { StepStatus } from '../core/model.js';

/** One key per execution across providers, for maps over a merged stream. */
export function executionKey(snapshot: { provider: string; executionId: string }): string {
  return `${snapshot.provider}\u0000${snapshot.executionId}`;
}

/** The step statuses that mean a step has finished, whichever way. */
export const FINISHED_STEP_STATUSES: ReadonlySet<StepStatus> = new Set(['completed', 'skipped', 'failed', 'cancelled']);
