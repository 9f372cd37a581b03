import { asyncScheduler, type SchedulerLike } from 'rxjs';
import { MAX_TIMER_MS, layerBackoff, type BackoffOptions, type BackoffPolicy } from './backoff.js';
import type { ExecutionSnapshot } from './model.js';
import { assertPositive, checkKeys, fail, readOptions } from './options.js';

/**
 * How one watch behaves.
 *
 * @example
 * ```ts
 * import type { WatchOptions } from 'runwatch';
 *
 * const options: WatchOptions = { maxWaitMs: 10 * 60_000, backoff: { maxDelayMs: 5_000 } };
 * console.log(options.maxWaitMs);
 * // Logs: 600000
 * ```
 */
export interface WatchOptions {
  /** Overrides the client's backoff, field by field. */
  backoff?: BackoffOptions;
  /**
   * Error with a {@link TimeoutError} (`phase: 'watch'`) if no terminal status is seen within
   * this many ms of subscribing.
   * @defaultValue no limit
   */
  maxWaitMs?: number;
  /**
   * A snapshot handled earlier (say, persisted before a restart): changes are relative to it,
   * so nothing already handled is emitted again.
   */
  since?: ExecutionSnapshot;
  /**
   * Where time comes from: every delay and `now()`. Pass a `TestScheduler` or
   * `VirtualTimeScheduler` to run a watch in virtual time.
   * @defaultValue `asyncScheduler`
   */
  scheduler?: SchedulerLike;
  /**
   * The source of randomness for jitter, numbers in [0, 1).
   * @defaultValue `Math.random`
   */
  random?: () => number;
}

/** The keys of {@link WatchOptions}: anything else is a typo and refused. */
export const WATCH_OPTION_KEYS: readonly string[] = ['backoff', 'maxWaitMs', 'since', 'scheduler', 'random'];

/** Watch options checked, with every default filled in. */
export interface ResolvedWatch {
  policy: BackoffPolicy;
  scheduler: SchedulerLike;
  random: () => number;
  maxWaitMs: number | undefined;
  since: ExecutionSnapshot | undefined;
}

/**
 * Validates watch options up front, so a mistake throws where the watch is created rather
 * than surfacing later as a stream error. `base` is the client's backoff, under the watch's.
 */
export function resolveWatchOptions(options: unknown, base?: BackoffOptions, provider?: string): ResolvedWatch {
  const o = readOptions('watch options', options, provider) as WatchOptions;
  checkKeys('watch options', o, WATCH_OPTION_KEYS, provider);
  if (o.maxWaitMs !== undefined) assertPositive('maxWaitMs', o.maxWaitMs, MAX_TIMER_MS, provider);
  if (o.since !== undefined && !Array.isArray(o.since?.steps)) {
    fail('since', 'an ExecutionSnapshot', o.since, provider);
  }
  const scheduler = o.scheduler as Partial<SchedulerLike> | null | undefined;
  if (scheduler !== undefined && (typeof scheduler?.schedule !== 'function' || typeof scheduler.now !== 'function')) {
    fail('scheduler', 'a SchedulerLike (with `schedule` and `now`)', scheduler, provider);
  }
  if (o.random !== undefined && typeof o.random !== 'function') fail('random', 'a function', o.random, provider);
  return {
    policy: layerBackoff(provider, base, o.backoff),
    scheduler: o.scheduler ?? asyncScheduler,
    random: o.random ?? Math.random,
    maxWaitMs: o.maxWaitMs,
    since: o.since,
  };
}
