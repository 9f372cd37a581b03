import { defer, map, type OperatorFunction } from 'rxjs';
import { EXECUTION_STATUSES, isTerminal, type ExecutionStatus, type ExecutionUpdate } from '../core/model.js';
import { executionKey } from '../internal/execution.js';
import { ConfigError } from '../core/errors.js';
import { describe } from '../core/options.js';

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
  /** Executions expected (the `total` option), or seen so far when none was given. */
  total: number;
  /** How many are in each status now (an errored watch counts in `errored`, not here). */
  byStatus: Record<ExecutionStatus, number>;
  /** Watches that ended with a `watch-error` (see `mergeExecutions`). */
  errored: number;
  /**
   * Whether every execution has reached a terminal status or errored: all `total` of them
   * when `total` was given, else every one seen.
   */
  done: boolean;
}

/**
 * Options of {@link aggregateProgress}.
 *
 * @example
 * ```ts
 * import type { AggregateProgressOptions } from 'runwatch';
 *
 * const options: AggregateProgressOptions = { total: 3 };
 * console.log(options.total);
 * // Logs: 3
 * ```
 */
export interface AggregateProgressOptions {
  /**
   * How many executions the stream will carry. Without it, `done` can only speak for the
   * executions seen so far (with `concurrency: 1`, the first one).
   */
  total?: number;
}

/**
 * Folds a merged stream of updates into counts per status: one figure per update, for a
 * dashboard over many executions. Give `total` when you know how many executions the
 * stream carries, so that `done` is not said after the first one; watches that ended with a
 * `watch-error` count in `errored`.
 *
 * @param options - `total`.
 * @returns an operator from updates to {@link AggregateProgress}.
 * @throws {@link ConfigError} at once, for a `total` that is not a whole number ≥ 0.
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
export function aggregateProgress(
  options: AggregateProgressOptions = {},
): OperatorFunction<ExecutionUpdate, AggregateProgress> {
  const expected = options.total;
  if (expected !== undefined && !(Number.isInteger(expected) && expected >= 0)) {
    throw new ConfigError(`Expected \`total\` to be a whole number ≥ 0, got ${describe(expected)}`, {
      option: 'total',
    });
  }
  return (source) =>
    defer(() => {
      // Counts kept incrementally: a fan-in of thousands must not rescan every execution on
      // each update (that made 10,000 watches ten times slower; bench/fan-in.mjs).
      const latest = new Map<string, ExecutionStatus | 'errored'>();
      const byStatus = Object.fromEntries(EXECUTION_STATUSES.map((s) => [s, 0])) as Record<ExecutionStatus, number>;
      let open = 0;
      let errored = 0;
      let unnamed = 0; // watches that failed before naming their execution (a refused trigger)
      return source.pipe(
        map(({ snapshot, changes }) => {
          const failed = changes.some((c) => c.type === 'watch-error');
          // Each is an execution of its own: sharing the key '' they counted as one, and
          // `done` never came with a `total`. A watch-error is a watch's last update.
          const key = failed && snapshot.executionId === '' ? `\u0000\u0000${unnamed++}` : executionKey(snapshot);
          const before = latest.get(key);
          if (before === 'errored') errored -= 1;
          else if (before !== undefined) {
            byStatus[before] -= 1;
            if (!isTerminal(before)) open -= 1;
          }
          if (failed) {
            latest.set(key, 'errored');
            errored += 1;
          } else {
            latest.set(key, snapshot.status);
            byStatus[snapshot.status] += 1;
            if (!isTerminal(snapshot.status)) open += 1;
          }
          const total = expected ?? latest.size;
          const ended = latest.size - open;
          return { total, byStatus: { ...byStatus }, errored, done: open === 0 && ended >= total };
        }),
      );
    });
}
