import { filter, pipe, type OperatorFunction } from 'rxjs';
import { changesOf } from '../internal/changes.js';
import type { ExecutionChange, ExecutionSnapshot, ExecutionUpdate, StepChange } from '../core/model.js';

/**
 * Turns updates (or bare snapshots, which it diffs itself) into the step-level changes:
 * `step-added`, `step-status` and `step-output`, in order.
 *
 * @returns an operator emitting one {@link StepChange} at a time.
 *
 * @example
 * ```ts
 * import { eachlabs, stepChanges } from 'runwatch';
 *
 * const client = eachlabs({ apiKey: process.env.EACHLABS_API_KEY ?? '' });
 * client.watch('69ae8c7b-7500-4a45-b7c0-348b8cc2665b').pipe(stepChanges()).subscribe((change) => {
 *   if (change.type === 'step-status') console.log(`${change.step.name}: ${change.from} → ${change.to}`);
 * });
 * // Logs: step1: running → completed
 * ```
 */
export function stepChanges(): OperatorFunction<ExecutionUpdate | ExecutionSnapshot, StepChange> {
  return pipe(
    changesOf(),
    filter((change: ExecutionChange): change is StepChange => 'step' in change),
  );
}
