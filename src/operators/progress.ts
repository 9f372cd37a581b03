import { map, type OperatorFunction } from 'rxjs';
import { isTerminal, type ExecutionStatus, type ExecutionUpdate } from '../core/model.js';
import { FINISHED_STEP_STATUSES } from '../internal/execution.js';

/**
 * How far one execution has come.
 *
 * @example
 * ```ts
 * import type { Progress } from 'runwatch';
 *
 * const p: Progress = { executionId: 'e1', status: 'running', total: 4, done: 1, failed: 0, ratio: 0.25 };
 * console.log(`${Math.round(p.ratio * 100)}%`);
 * // Logs: 25%
 * ```
 */
export interface Progress {
  /** The execution this figure is about. */
  executionId: string;
  /** The execution's normalized status at this update. */
  status: ExecutionStatus;
  /** Steps known so far. */
  total: number;
  /** Steps that have finished, whichever way: completed, skipped, failed or cancelled. */
  done: number;
  /** Of those, the failed or cancelled ones. */
  failed: number;
  /** `done / total`, and 1 once the execution is terminal. */
  ratio: number;
}

/**
 * Maps each update to a {@link Progress}: counts of steps finished and failed, and a ratio
 * for a progress bar.
 *
 * @returns an operator from updates to progress figures.
 *
 * @example
 * ```ts
 * import { eachlabs, progress } from 'runwatch';
 *
 * const client = eachlabs({ apiKey: process.env.EACHLABS_API_KEY ?? '' });
 * client.watch('69ae8c7b-7500-4a45-b7c0-348b8cc2665b').pipe(progress()).subscribe((p) => console.log(`${p.done}/${p.total}`));
 * // Logs: 2/2
 * ```
 */
export function progress(): OperatorFunction<ExecutionUpdate, Progress> {
  return map(({ snapshot }) => {
    let done = 0;
    let failed = 0;
    for (const step of snapshot.steps) {
      if (FINISHED_STEP_STATUSES.has(step.status)) done++;
      if (step.status === 'failed' || step.status === 'cancelled') failed++;
    }
    const total = snapshot.steps.length;
    const ratio = isTerminal(snapshot.status) ? 1 : total === 0 ? 0 : done / total;
    return { executionId: snapshot.executionId, status: snapshot.status, total, done, failed, ratio };
  });
}
