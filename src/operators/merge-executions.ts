import {
  catchError,
  defer,
  from,
  isObservable,
  map,
  mergeAll,
  of,
  tap,
  type Observable,
  type ObservedValueOf,
} from 'rxjs';
import { ConfigError, RunwatchError } from '../core/errors.js';
import { isRunwatchError } from '../core/error-guards.js';
import { describe } from '../core/options.js';
import type { ExecutionSnapshot, ExecutionUpdate } from '../core/model.js';

/**
 * Options of {@link mergeExecutions}.
 *
 * @example
 * ```ts
 * import type { MergeExecutionsOptions } from 'runwatch';
 *
 * const options: MergeExecutionsOptions = { concurrency: 50, errors: 'isolate' };
 * console.log(options.concurrency, options.errors);
 * // Logs: 50 isolate
 * ```
 */
export interface MergeExecutionsOptions {
  /**
   * How many watches run at once; the rest wait their turn.
   * @defaultValue Infinity
   */
  concurrency?: number;
  /**
   * What one watch's error does. `'isolate'`: that watch ends alone, and the merged stream
   * emits for it an update whose changes hold `{ type: 'watch-error', executionId, error }`
   * (the snapshot is the last one seen, or a minimal one with status `'unknown'`), then goes
   * on. `'fail'`: the merged stream errors at once, as RxJS's `mergeAll` does.
   * @defaultValue 'isolate'
   */
  errors?: 'isolate' | 'fail';
}

/**
 * Watches many executions as one stream of updates, at most `concurrency` at a time.
 * Each source is subscribed when its turn comes, so a watch that waits costs nothing.
 *
 * @param sources - watches, as an iterable or as an observable of watches.
 * @param options - `concurrency`.
 * @returns one stream of every source's updates, completing when all have.
 *
 * @example
 * ```ts
 * import { eachlabs, mergeExecutions, aggregateProgress } from 'runwatch';
 *
 * const client = eachlabs({ apiKey: process.env.EACHLABS_API_KEY ?? '' });
 * mergeExecutions(['e1', 'e2', 'e3'].map((id) => client.watch(id)), { concurrency: 2 })
 *   .pipe(aggregateProgress())
 *   .subscribe((p) => console.log(p.byStatus.completed, 'of', p.total));
 * // Logs: 3 of 3
 * ```
 */
export function mergeExecutions<O extends Observable<ExecutionUpdate>>(
  sources: Iterable<O> | Observable<O>,
  options: MergeExecutionsOptions = {},
): Observable<ObservedValueOf<O>> {
  const concurrency = options.concurrency ?? Infinity;
  if (
    typeof concurrency !== 'number' ||
    Number.isNaN(concurrency) ||
    concurrency < 1 ||
    (Number.isFinite(concurrency) && !Number.isInteger(concurrency))
  ) {
    throw new ConfigError(
      `Expected \`concurrency\` to be a whole number ≥ 1 or Infinity, got ${describe(concurrency)}`,
      {
        option: 'concurrency',
      },
    );
  }
  const errors = options.errors ?? 'isolate';
  if (errors !== 'isolate' && errors !== 'fail') {
    throw new ConfigError(`Expected \`errors\` to be 'isolate' or 'fail', got ${describe(errors)}`, {
      option: 'errors',
    });
  }
  const outer = (isObservable(sources) ? sources : from(sources)) as unknown as Observable<
    Observable<ObservedValueOf<O>>
  >;
  if (errors === 'fail') return outer.pipe(mergeAll(concurrency));
  return outer.pipe(
    map((source) => isolate(source)),
    mergeAll(concurrency),
  );
}

/** One watch whose error becomes a last `watch-error` update instead of an error. */
function isolate<U extends ExecutionUpdate>(source: Observable<U>): Observable<U> {
  return defer(() => {
    let last: ExecutionSnapshot | undefined;
    return source.pipe(
      tap((update) => (last = update.snapshot)),
      catchError((thrown: unknown) => {
        const error = isRunwatchError(thrown)
          ? thrown
          : new RunwatchError(thrown instanceof Error ? thrown.message : String(thrown), { cause: thrown });
        const snapshot: ExecutionSnapshot = last ?? {
          provider: error.provider ?? 'unknown',
          executionId: error.executionId ?? '',
          status: 'unknown',
          rawStatus: '',
          steps: [],
          raw: undefined,
        };
        const executionId = snapshot.executionId;
        return of({ snapshot, previous: last, changes: [{ type: 'watch-error', executionId, error }] } as unknown as U);
      }),
    );
  });
}
