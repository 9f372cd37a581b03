import { takeWhile, type MonoTypeOperatorFunction } from 'rxjs';
import { snapshotOf } from '../internal/changes.js';
import { isTerminal, type ExecutionSnapshot, type ExecutionUpdate } from '../core/model.js';

/**
 * Passes items through and completes after the first one whose execution status is terminal
 * (that item included). Useful on streams that do not end by themselves, such as a merged
 * or replayed stream, or snapshots from your own source.
 *
 * @returns an operator for streams of {@link ExecutionUpdate} or {@link ExecutionSnapshot}.
 *
 * @example
 * ```ts
 * import { of } from 'rxjs';
 * import { untilTerminal, type ExecutionSnapshot } from 'runwatch';
 *
 * const at = (status: ExecutionSnapshot['status']): ExecutionSnapshot =>
 *   ({ provider: 'x', executionId: '1', status, rawStatus: status, steps: [], raw: null });
 * of(at('running'), at('completed'), at('running')).pipe(untilTerminal()).subscribe((s) => console.log(s.status));
 * // Logs: running
 * // Logs: completed
 * ```
 */
export function untilTerminal<T extends ExecutionUpdate | ExecutionSnapshot>(): MonoTypeOperatorFunction<T> {
  return takeWhile((item: T) => !isTerminal(snapshotOf(item).status), true);
}
