import { EMPTY, catchError, connect, zip, type Observable } from 'rxjs';
import {
  aggregateProgress,
  mergeExecutions,
  progress,
  type AggregateProgress,
  type ExecutionSnapshot,
  type ExecutionUpdate,
  type Progress,
} from '../index.js';
import { plain } from './text.js';

/**
 * One watch to follow, with a label for its errors (before its id is known, say).
 *
 * @example
 * ```ts
 * import { EMPTY } from 'rxjs';
 * import type { Target } from './follow.js';
 *
 * const target: Target = { label: 'eachlabs e1', id: 'e1', updates: EMPTY };
 * console.log(target.label);
 * // Logs: eachlabs e1
 * ```
 */
export interface Target {
  /** `eachlabs 69ae…`, or `modelslab workflow wf-1` for a run not yet started. */
  label: string;
  /** The id in the label (execution or workflow): an error that names it needs no label. */
  id: string;
  /** The watch. */
  updates: Observable<ExecutionUpdate>;
}

/**
 * What shows the story as it unfolds: the live display, or NDJSON.
 *
 * @example
 * ```ts
 * import type { Sink } from './follow.js';
 *
 * const ndjson: Sink = {
 *   update: (update) => update.changes.forEach((change) => console.log(JSON.stringify(change))),
 *   error: () => {},
 * };
 * // Logs: {"type":"execution-status","executionId":"e1","from":"running","to":"completed"}
 * ```
 */
export interface Sink {
  /** One update, with its execution's progress and the progress of all. */
  update(update: ExecutionUpdate, progress: Progress, aggregate: AggregateProgress): void;
  /** A watch ended in an error instead of a status. */
  error(target: Target, error: unknown): void;
}

/**
 * How following ended.
 *
 * @example
 * ```ts
 * import { exitCodeOf, type Outcome } from './follow.js';
 *
 * const outcome: Outcome = { snapshots: [], errors: [], interrupted: true };
 * console.log(exitCodeOf(outcome));
 * // Logs: 130
 * ```
 */
export interface Outcome {
  /** The last snapshot of each execution, in the order they first appeared. */
  snapshots: ExecutionSnapshot[];
  /** The watches that ended in an error, with the error. */
  errors: { target: Target; error: unknown }[];
  /** Whether the user stopped it (Ctrl-C) before every watch ended. */
  interrupted: boolean;
}

/**
 * Follows every watch at once through the public fan-in: `mergeExecutions`, with
 * `progress()` and `aggregateProgress()` alongside. A watch that errors is reported to the
 * sink and the others go on, so one bad id does not hide the rest.
 *
 * @param targets - the watches.
 * @param sink - where updates and errors go.
 * @param signal - aborting it unsubscribes every watch (aborting requests in flight).
 * @returns the outcome, once every watch has ended or the signal aborted.
 *
 * @example
 * ```ts
 * import { follow } from './follow.js';
 *
 * const outcome = await follow([], { update() {}, error() {} });
 * console.log(outcome.snapshots.length);
 * // Logs: 0
 * ```
 */
export function follow(targets: readonly Target[], sink: Sink, signal?: AbortSignal): Promise<Outcome> {
  const latest = new Map<string, ExecutionSnapshot>();
  const errors: Outcome['errors'] = [];
  const guarded = targets.map((target) =>
    target.updates.pipe(
      catchError((error: unknown) => {
        errors.push({ target, error });
        sink.error(target, error);
        return EMPTY;
      }),
    ),
  );
  return new Promise((resolve) => {
    let settled = false;
    const finish = (interrupted: boolean) => {
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      resolve({ snapshots: [...latest.values()], errors, interrupted });
    };
    const onAbort = () => {
      subscription.unsubscribe();
      finish(true);
    };
    const subscription = mergeExecutions(guarded)
      // progress() and aggregateProgress() are maps and scans of the same stream, so zip
      // pairs each update with its own figures, one for one.
      .pipe(connect((shared) => zip(shared, shared.pipe(progress()), shared.pipe(aggregateProgress()))))
      .subscribe({
        next: ([update, execution, all]) => {
          latest.set(executionKey(update.snapshot), update.snapshot);
          sink.update(update, execution, all);
        },
        error: (error: unknown) => {
          // Not a watch's error (those are caught above): a bug in a sink, say.
          const target: Target = { label: 'runwatch', id: 'runwatch', updates: EMPTY };
          errors.push({ target, error });
          sink.error(target, error);
          finish(false);
        },
        complete: () => finish(false),
      });
    if (settled) return;
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * The exit code for an outcome: 130 interrupted, 3 any error, 1 any failed or cancelled
 * (or not finished), 0 all completed.
 *
 * @param outcome - how following ended.
 * @returns the process exit code.
 *
 * @example
 * ```ts
 * import { exitCodeOf } from './follow.js';
 *
 * console.log(exitCodeOf({ snapshots: [], errors: [], interrupted: false }));
 * // Logs: 0
 * ```
 */
export function exitCodeOf(outcome: Outcome): number {
  if (outcome.interrupted) return 130;
  if (outcome.errors.length > 0) return 3;
  return outcome.snapshots.every((s) => s.status === 'completed') ? 0 : 1;
}

/**
 * One line for an error: its message only (the library's messages are already free of the
 * key; a raw `cause` might not be), never a stack; prefixed with the watch's label unless
 * the message already names its id.
 *
 * @param error - anything thrown.
 * @param target - the watch it ended, if any.
 * @returns a single line.
 *
 * @example
 * ```ts
 * import { errorLine } from './follow.js';
 *
 * console.log(errorLine(new Error('bad\nthing')));
 * // Logs: bad thing
 * ```
 */
export function errorLine(error: unknown, target?: Target): string {
  const text = error instanceof Error ? error.message : String(error);
  // One line, and no control characters from a provider's body reach the terminal.
  const message = plain(text.replace(/\s*\n\s*/g, ' ')).trim() || 'unknown error';
  return target === undefined || message.includes(target.id) ? message : `${target.label}: ${message}`;
}

/**
 * One key per execution across providers (ids are unique within a provider only), for maps
 * over a merged stream.
 *
 * @param snapshot - the execution, or anything naming it.
 * @returns the key.
 *
 * @example
 * ```ts
 * import { executionKey } from './follow.js';
 *
 * console.log(executionKey({ provider: 'datalab', executionId: '1' }) === executionKey({ provider: 'eachlabs', executionId: '1' }));
 * // Logs: false
 * ```
 */
export function executionKey(snapshot: Pick<ExecutionSnapshot, 'provider' | 'executionId'>): string {
  return `${snapshot.provider}\u0000${snapshot.executionId}`;
}
