import { from, isObservable, mergeAll, type Observable } from 'rxjs';
import { ConfigError } from '../core/errors.js';
import { describe } from '../core/options.js';
import type { ExecutionUpdate } from '../core/model.js';

/**
 * Options of {@link mergeExecutions}.
 *
 * @example
 * ```ts
 * import type { MergeExecutionsOptions } from 'runwatch';
 *
 * const options: MergeExecutionsOptions = { concurrency: 50 };
 * console.log(options.concurrency);
 * // Logs: 50
 * ```
 */
export interface MergeExecutionsOptions {
  /**
   * How many watches run at once; the rest wait their turn.
   * @defaultValue Infinity
   */
  concurrency?: number;
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
export function mergeExecutions<U extends ExecutionUpdate>(
  sources: Iterable<Observable<U>> | Observable<Observable<U>>,
  options: MergeExecutionsOptions = {},
): Observable<U> {
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
  const outer: Observable<Observable<U>> = isObservable(sources) ? sources : from(sources);
  return outer.pipe(mergeAll(concurrency));
}
