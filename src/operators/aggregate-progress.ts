import { map, scan, type OperatorFunction } from 'rxjs';
import { EXECUTION_STATUSES, isTerminal, type ExecutionStatus, type ExecutionUpdate } from '../model.js';

/**
 * Where a set of executions stands.
 *
 * @example
 * ```ts
 * import type { AggregateProgress } from 'runwatch';
 *
 * declare const p: AggregateProgress;
 * console.log(`${p.byStatus.completed + p.byStatus.failed}/${p.total}`);
 * // Logs: 2/3
 * ```
 */
export interface AggregateProgress {
  /** Executions seen so far. */
  total: number;
  /** How many are in each status now. */
  byStatus: Record<ExecutionStatus, number>;
  /** Whether every execution seen has reached a terminal status. */
  done: boolean;
}

/**
 * Folds a merged stream of updates into counts per status: one figure per update, for a
 * dashboard over many executions.
 *
 * @returns an operator from updates to {@link AggregateProgress}.
 *
 * @example
 * ```ts
 * import { eachlabs, aggregateProgress } from 'runwatch';
 *
 * const client = eachlabs({ apiKey: process.env.EACHLABS_API_KEY ?? '' });
 * client.watchBulk('wf', 'bulk-1').pipe(aggregateProgress()).subscribe((p) => console.log(p.done));
 * // Logs: true
 * ```
 */
export function aggregateProgress(): OperatorFunction<ExecutionUpdate, AggregateProgress> {
  return (source) =>
    source.pipe(
      scan((latest, { snapshot }) => latest.set(`${snapshot.provider}\u0000${snapshot.executionId}`, snapshot.status), new Map<string, ExecutionStatus>()),
      map((latest) => {
        const byStatus = Object.fromEntries(EXECUTION_STATUSES.map((s) => [s, 0])) as Record<ExecutionStatus, number>;
        let done = true;
        for (const status of latest.values()) {
          byStatus[status] += 1;
          if (!isTerminal(status)) done = false;
        }
        return { total: latest.size, byStatus, done };
      }),
    );
}
