import { asyncScheduler, isObservable, type Observable, type SchedulerLike } from 'rxjs';
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
  since?: ExecutionSnapshot | undefined;
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
  /**
   * Wake hints (a webhook, a message queue): each emission polls now, coalesced with the
   * other subscriptions of the execution and within the budget. With a wake source the
   * regular cadence relaxes to a slow safety net (one poll a minute).
   */
  wake?: Observable<unknown> | undefined;
  /**
   * After this many ms without any change while running, the watch emits one update whose
   * changes hold `{ type: 'stalled', executionId, sinceMs }`; once per stall.
   * @defaultValue never
   */
  stallAfterMs?: number | undefined;
  /**
   * Whether the watch may use what its client learned of step durations to choose when to
   * poll (`false`: the backoff policy alone).
   * @defaultValue true
   */
  adaptive?: boolean | undefined;
}

/** The keys of {@link WatchOptions}: anything else is a typo and refused. */
export const WATCH_OPTION_KEYS: readonly string[] = [
  'backoff',
  'maxWaitMs',
  'since',
  'scheduler',
  'random',
  'wake',
  'stallAfterMs',
  'adaptive',
];

/** Watch options checked, with every default filled in. */
export interface ResolvedWatch {
  policy: BackoffPolicy;
  scheduler: SchedulerLike;
  random: () => number;
  maxWaitMs: number | undefined;
  since: ExecutionSnapshot | undefined;
  /** The watch brought its own `scheduler` or `random`: it runs apart from a client's shared polls. */
  apart: boolean;
  wake: Observable<unknown> | undefined;
  stallAfterMs: number | undefined;
  adaptive: boolean;
}

/**
 * Validates watch options up front, so a mistake throws where the watch is created rather
 * than surfacing later as a stream error. `base` is the client's backoff, under the watch's.
 */
export function resolveWatchOptions(
  options: unknown,
  base?: BackoffOptions,
  provider?: string,
  scheduler: SchedulerLike = asyncScheduler,
): ResolvedWatch {
  const o = readOptions('watch options', options, provider) as WatchOptions;
  checkKeys('watch options', o, WATCH_OPTION_KEYS, provider);
  if (o.maxWaitMs !== undefined) assertPositive('maxWaitMs', o.maxWaitMs, MAX_TIMER_MS, provider);
  if (o.since !== undefined && !Array.isArray(o.since?.steps)) {
    fail('since', 'an ExecutionSnapshot', o.since, provider);
  }
  const own = o.scheduler as Partial<SchedulerLike> | null | undefined;
  if (own !== undefined && (typeof own?.schedule !== 'function' || typeof own.now !== 'function')) {
    fail('scheduler', 'a SchedulerLike (with `schedule` and `now`)', own, provider);
  }
  if (o.random !== undefined && typeof o.random !== 'function') fail('random', 'a function', o.random, provider);
  if (o.wake !== undefined && !isObservable(o.wake)) fail('wake', 'an Observable', o.wake, provider);
  if (o.stallAfterMs !== undefined) assertPositive('stallAfterMs', o.stallAfterMs, MAX_TIMER_MS, provider);
  if (o.adaptive !== undefined && typeof o.adaptive !== 'boolean') fail('adaptive', 'a boolean', o.adaptive, provider);
  return {
    policy: layerBackoff(provider, base, o.backoff),
    scheduler: o.scheduler ?? scheduler,
    random: o.random ?? Math.random,
    maxWaitMs: o.maxWaitMs,
    since: o.since,
    apart: o.scheduler !== undefined || o.random !== undefined,
    wake: o.wake,
    stallAfterMs: o.stallAfterMs,
    adaptive: o.adaptive ?? true,
  };
}
