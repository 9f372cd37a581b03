import { map, type MonoTypeOperatorFunction } from 'rxjs';
import { ExecutionFailedError } from '../core/errors.js';
import { snapshotOf } from '../internal/changes.js';
import type { ExecutionSnapshot, ExecutionUpdate } from '../core/model.js';

/**
 * Errors the stream with an {@link ExecutionFailedError} (carrying the final snapshot) when
 * an execution ends `failed` or `cancelled`; passes everything else through.
 *
 * @returns an operator for streams of updates or snapshots.
 *
 * @example
 * ```ts
 * import { modelslab, throwOnFailure, isExecutionFailedError } from 'runwatch';
 *
 * const client = modelslab({ apiKey: process.env.MODELSLAB_API_KEY ?? '' });
 * client.watch({ workflowId: 'wf', executionId: 12345 }).pipe(throwOnFailure()).subscribe({
 *   error: (e) => console.log(isExecutionFailedError(e) ? e.snapshot.error?.message : e),
 * });
 * // Logs: Image generation failed: Invalid prompt
 * ```
 */
export function throwOnFailure<T extends ExecutionUpdate | ExecutionSnapshot>(): MonoTypeOperatorFunction<T> {
  return map((item: T) => {
    const snapshot = snapshotOf(item);
    if (snapshot.status === 'failed' || snapshot.status === 'cancelled') throw new ExecutionFailedError(snapshot);
    return item;
  });
}
