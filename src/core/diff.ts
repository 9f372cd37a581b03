import { deepEqual } from '../internal/equal.js';
import type { ExecutionChange, ExecutionSnapshot, StepSnapshot } from './model.js';

/**
 * Lists what changed between two snapshots of one execution. Pure.
 *
 * Order inside the result: for each step in the snapshot's order its `step-added` or
 * `step-status`, then its `step-output`; then `execution-output`; then `execution-status`
 * last, so a stream's terminal status change is always its last change. Outputs are
 * compared by value. Without `previous`, the result describes the initial state: a
 * `step-added` per step (and `step-output` for a step that already has one), the output if
 * any, and an `execution-status` change `from: undefined`.
 *
 * @param previous - the last snapshot handled, or `undefined` for none.
 * @param next - the new snapshot.
 * @returns the changes, empty when nothing a user can see changed.
 *
 * @example
 * ```ts
 * import { diff, type ExecutionSnapshot } from 'runwatch';
 *
 * const a: ExecutionSnapshot = { provider: 'x', executionId: '1', status: 'running', rawStatus: 'running', steps: [], raw: null };
 * const b: ExecutionSnapshot = { ...a, status: 'completed', rawStatus: 'completed' };
 * console.log(diff(a, b).map((c) => c.type));
 * // Logs: [ 'execution-status' ]
 * ```
 */
export function diff(previous: ExecutionSnapshot | undefined, next: ExecutionSnapshot): ExecutionChange[] {
  const executionId = next.executionId;
  const changes: ExecutionChange[] = [];
  const before = new Map<string, StepSnapshot>();
  if (previous) for (const step of previous.steps) before.set(step.key, step);

  for (const step of next.steps) {
    const old = before.get(step.key);
    if (old === undefined) {
      changes.push({ type: 'step-added', executionId, step });
      if (hasOutput(step)) changes.push({ type: 'step-output', executionId, step });
      continue;
    }
    if (old.status !== step.status) {
      changes.push({ type: 'step-status', executionId, step, from: old.status, to: step.status });
    }
    if (hasOutput(step) && (!sameResource(old.outputUrl, step.outputUrl) || !deepEqual(old.output, step.output))) {
      changes.push({ type: 'step-output', executionId, step });
    }
  }

  if (next.output !== undefined && (previous === undefined || !deepEqual(previous.output, next.output))) {
    changes.push({ type: 'execution-output', executionId, output: next.output });
  }
  if (previous === undefined || previous.status !== next.status) {
    changes.push({ type: 'execution-status', executionId, from: previous?.status, to: next.status });
  }
  return changes;
}

/**
 * The changes `snapshot` makes for someone who has `previous`, whatever the update that
 * brought it was computed against (a shared poll's, a relay's): a diff, and the `stalled`
 * changes of `changes`, news that no diff makes.
 */
export function changesFor(
  previous: ExecutionSnapshot | undefined,
  snapshot: ExecutionSnapshot,
  changes: readonly ExecutionChange[],
): ExecutionChange[] {
  const mine = diff(previous, snapshot);
  for (const change of changes) if (change.type === 'stalled') mine.push(change);
  return mine;
}

/**
 * The snapshot to compare the next poll with (DESIGN §2): `next`, plus what `next` left out
 * and `previous` had. A step missing from one body keeps its last seen state here, so when it
 * returns only what really changed is emitted: no second `step-added`, and its `step-status`
 * for a transition made while it was away. An output missing from one body likewise, the
 * execution's or a step's: when it comes back unchanged, no second `step-output`.
 */
export function baseline<S extends ExecutionSnapshot>(previous: S | undefined, next: S): S {
  if (previous === undefined) return next;
  const before = new Map<string, StepSnapshot>();
  for (const step of previous.steps) before.set(step.key, step);
  let steps = next.steps; // copied only if a step's output must be kept
  for (let i = 0; i < next.steps.length; i++) {
    const step = next.steps[i]!;
    const old = before.get(step.key);
    if (old === undefined) continue;
    before.delete(step.key); // what is left is gone from this body
    if (!hasOutput(step) && hasOutput(old)) {
      if (steps === next.steps) steps = [...steps];
      steps[i] = withOutputOf(step, old);
    }
  }
  if (before.size > 0) steps = [...steps, ...before.values()];
  const base = steps === next.steps ? next : { ...next, steps };
  return next.output === undefined && previous.output !== undefined ? { ...base, output: previous.output } : base;
}

/** `step` with the output (and its URL) `from` had. */
function withOutputOf(step: StepSnapshot, from: StepSnapshot): StepSnapshot {
  const kept = { ...step };
  if (from.output !== undefined) kept.output = from.output;
  if (from.outputUrl !== undefined) kept.outputUrl = from.outputUrl;
  return kept;
}

function hasOutput(step: StepSnapshot): boolean {
  return step.output !== undefined || step.outputUrl !== undefined;
}

/**
 * Presigned URLs are signed anew on every poll (a new query string, same object): only a
 * new resource is an output change, or every Datalab poll would look like one.
 */
function sameResource(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.split('?', 1)[0] === b.split('?', 1)[0];
}
