import { filter, pipe, type OperatorFunction } from 'rxjs';
import { changesOf } from '../internal/changes.js';
import type { ExecutionChange, ExecutionSnapshot, ExecutionUpdate, StatusChange } from '../core/model.js';

/**
 * Turns updates (or bare snapshots, which it diffs itself) into the execution's status
 * changes only. The first is `from: undefined`.
 *
 * @returns an operator emitting each `execution-status` change.
 *
 * @example
 * ```ts
 * import { datalab, statusChanges } from 'runwatch';
 *
 * const client = datalab({ apiKey: process.env.DATALAB_API_KEY ?? '' });
 * client.watch(123).pipe(statusChanges()).subscribe((c) => console.log(`${c.from ?? '∅'} → ${c.to}`));
 * // Logs: ∅ → running
 * // Logs: running → completed
 * ```
 */
export function statusChanges(): OperatorFunction<ExecutionUpdate | ExecutionSnapshot, StatusChange> {
  return pipe(
    changesOf(),
    filter((change: ExecutionChange): change is StatusChange => change.type === 'execution-status'),
  );
}
