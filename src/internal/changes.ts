import { defer, mergeMap, from, type Observable, type OperatorFunction } from 'rxjs';
import { baseline, diff } from '../core/diff.js';
import type { ExecutionChange, ExecutionSnapshot, ExecutionUpdate } from '../core/model.js';
import { executionKey } from './execution.js';

/** An update carries `changes` and `snapshot`; a bare snapshot carries `steps`. */
export function isUpdate(item: ExecutionUpdate | ExecutionSnapshot): item is ExecutionUpdate {
  return 'changes' in item && 'snapshot' in item;
}

export function snapshotOf(item: ExecutionUpdate | ExecutionSnapshot): ExecutionSnapshot {
  return isUpdate(item) ? item.snapshot : item;
}

/**
 * Flattens a stream of updates, or of bare snapshots, into changes. Snapshots are diffed
 * against the previous one of the same execution, per subscription.
 */
export function changesOf(): OperatorFunction<ExecutionUpdate | ExecutionSnapshot, ExecutionChange> {
  return (source: Observable<ExecutionUpdate | ExecutionSnapshot>) =>
    defer(() => {
      const last = new Map<string, ExecutionSnapshot>();
      return source.pipe(
        mergeMap((item) => {
          if (isUpdate(item)) return from(item.changes);
          const key = executionKey(item);
          const before = last.get(key);
          last.set(key, baseline(before, item));
          return from(diff(before, item));
        }),
      );
    });
}
