import { checkKeys, fail } from './options.js';

/**
 * How a watch spaces its polls and its retries.
 *
 * The delay before poll `n` (counting polls since the last change, from 0) is
 *
 * ```text
 * base(n)  = min(maxDelayMs, initialDelayMs × multiplierⁿ)
 * none:    delay = base(n)
 * equal:   delay = base(n)/2 + random() × base(n)/2
 * full:    delay = random() × base(n)
 * ```
 *
 * After a failed request the same formula runs on the count of failures in a row, and a
 * server's hint (`Retry-After`, ModelsLab's `retry_after`) is a floor under either.
 *
 * @example
 * ```ts
 * import type { BackoffOptions } from 'runwatch';
 *
 * const patient: BackoffOptions = { initialDelayMs: 5_000, maxDelayMs: 60_000, jitter: 'none' };
 * console.log(patient.jitter);
 * // Logs: none
 * ```
 */
export interface BackoffOptions {
  /**
   * The delay after a poll that saw a change (and after the first poll), in ms.
   * Three seconds: in bench/backoff.mjs (steps of a median 20 s, as in the providers'
   * documented examples) 1 s costs a third more requests to learn of a change 0.35 s sooner.
   * @defaultValue 3000
   */
  initialDelayMs?: number | undefined;
  /**
   * The longest delay between two polls, in ms. Ten seconds bounds how late a finished
   * execution is noticed (p95 under 8 s in the benchmark) while a long-running step costs
   * six to eight requests a minute; 30 s saves 29% of requests but the p95 reaches 19 s.
   * @defaultValue 10000
   */
  maxDelayMs?: number | undefined;
  /**
   * How much the delay grows per poll without change. 1.5 reaches the cap after five quiet
   * polls (about 25 s), so short steps are still seen quickly.
   * @defaultValue 1.5
   */
  multiplier?: number | undefined;
  /**
   * How to randomise each delay so that thousands of watches started together spread out.
   * `'equal'` keeps at least half the delay, so a poll never follows its predecessor
   * almost at once (`'full'` can).
   * @defaultValue 'equal'
   */
  jitter?: 'full' | 'equal' | 'none' | undefined;
  /**
   * Go back to `initialDelayMs` after a poll that saw a change: a step that just finished
   * usually means the next one will soon.
   * @defaultValue true
   */
  resetOnChange?: boolean | undefined;
  /**
   * How many transient failures in a row are retried before the watch errors. 0 fails on
   * the first; `Infinity` never gives up. Five rides out a minute-long outage at the
   * default delays without hiding a dead endpoint for long.
   * @defaultValue 5
   */
  maxRetries?: number | undefined;
}

/**
 * The backoff options with every default filled in and validated.
 *
 * @example
 * ```ts
 * import { resolveBackoff } from 'runwatch';
 *
 * console.log(resolveBackoff().initialDelayMs);
 * // Logs: 3000
 * ```
 */
export type BackoffPolicy = Readonly<{ [K in keyof BackoffOptions]-?: Exclude<BackoffOptions[K], undefined> }>;

/**
 * The defaults of {@link BackoffOptions}, each explained there.
 *
 * @example
 * ```ts
 * import { DEFAULT_BACKOFF } from 'runwatch';
 *
 * console.log(DEFAULT_BACKOFF.maxDelayMs);
 * // Logs: 10000
 * ```
 */
export const DEFAULT_BACKOFF: BackoffPolicy = Object.freeze({
  initialDelayMs: 3_000,
  maxDelayMs: 10_000,
  multiplier: 1.5,
  jitter: 'equal',
  resetOnChange: true,
  maxRetries: 5,
});

/**
 * The largest delay a timer may be set to: setTimeout overflows past 2³¹−1 ms and then
 * fires at once, which would turn a far-off hint into a hot loop.
 */
export const MAX_TIMER_MS = 2_147_483_647;

/**
 * A server hint longer than this is capped: an hour is already more than any documented
 * limit (ModelsLab's window is a minute), and a hint of years is a bug on the server's side.
 */
export const MAX_HINT_MS = 3_600_000;

/**
 * Checks backoff options and fills in the defaults.
 *
 * @param options - the user's options, possibly partial, possibly layered.
 * @returns the complete, frozen policy.
 * @throws {@link ConfigError} naming the option and the value when one is out of range.
 *
 * @example
 * ```ts
 * import { resolveBackoff } from 'runwatch';
 *
 * try {
 *   resolveBackoff({ multiplier: 0 });
 * } catch (error) {
 *   console.log((error as Error).message);
 * }
 * // Logs: Expected `backoff.multiplier` to be a number ≥ 1, got 0
 * ```
 */
export function resolveBackoff(...options: (BackoffOptions | undefined)[]): BackoffPolicy {
  return layerBackoff(undefined, ...options);
}

const BACKOFF_KEYS = Object.keys(DEFAULT_BACKOFF);

/** {@link resolveBackoff} for a client: every ConfigError names the provider. */
export function layerBackoff(provider: string | undefined, ...options: (BackoffOptions | undefined)[]): BackoffPolicy {
  const merged: Record<string, unknown> = { ...DEFAULT_BACKOFF };
  for (const layer of options) {
    if (layer === undefined) continue;
    if (typeof layer !== 'object' || layer === null) fail('backoff', 'an object', layer, provider);
    checkKeys('backoff', layer, BACKOFF_KEYS, provider);
    for (const [key, value] of Object.entries(layer)) if (value !== undefined) merged[key] = value;
  }
  const policy = merged as { -readonly [K in keyof BackoffPolicy]: BackoffPolicy[K] };
  const positive = (name: string, value: unknown): void => {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > MAX_TIMER_MS) {
      fail(`backoff.${name}`, 'a positive number of ms', value, provider);
    }
  };
  positive('initialDelayMs', policy.initialDelayMs);
  positive('maxDelayMs', policy.maxDelayMs);
  if (typeof policy.multiplier !== 'number' || !Number.isFinite(policy.multiplier) || policy.multiplier < 1) {
    fail('backoff.multiplier', 'a number ≥ 1', policy.multiplier, provider);
  }
  if (policy.jitter !== 'full' && policy.jitter !== 'equal' && policy.jitter !== 'none') {
    fail('backoff.jitter', "'full', 'equal' or 'none'", policy.jitter, provider);
  }
  if (typeof policy.resetOnChange !== 'boolean')
    fail('backoff.resetOnChange', 'a boolean', policy.resetOnChange, provider);
  const r = policy.maxRetries;
  if (typeof r !== 'number' || Number.isNaN(r) || r < 0 || (Number.isFinite(r) && !Number.isInteger(r))) {
    fail('backoff.maxRetries', 'a whole number ≥ 0 or Infinity', r, provider);
  }
  if (policy.initialDelayMs > policy.maxDelayMs) {
    fail(
      'backoff.initialDelayMs',
      `at most \`backoff.maxDelayMs\` (${policy.maxDelayMs})`,
      policy.initialDelayMs,
      provider,
    );
  }
  return Object.freeze({ ...policy });
}

/**
 * The delay before attempt `attempt` under a policy; the formula is on
 * {@link BackoffOptions}.
 *
 * @param attempt - polls since the last change, or failures in a row, from 0.
 * @param policy - a resolved policy.
 * @param random - a source of numbers in [0, 1); injectable for tests.
 * @returns the delay in ms, finite and at most `policy.maxDelayMs`.
 *
 * @example
 * ```ts
 * import { backoffDelay, resolveBackoff } from 'runwatch';
 *
 * const policy = resolveBackoff({ initialDelayMs: 100, multiplier: 2, maxDelayMs: 1000, jitter: 'none' });
 * console.log([0, 1, 2, 3, 4, 5].map((n) => backoffDelay(n, policy)));
 * // Logs: [ 100, 200, 400, 800, 1000, 1000 ]
 * ```
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  // Exponent grows without bound on a long watch; cap it before Math.pow overflows to Infinity.
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.multiplier ** Math.min(attempt, 1024));
  const capped = Number.isFinite(base) ? base : policy.maxDelayMs;
  switch (policy.jitter) {
    case 'none':
      return capped;
    case 'equal':
      return capped / 2 + unit(random) * (capped / 2);
    case 'full':
      return unit(random) * capped;
  }
}

/**
 * The one rule for a server's hints, whatever their form (a `Retry-After` header in seconds
 * or as an HTTP date, a body's `retry_after`): each sets the next delay at least that long, so
 * the longest that is a number ≥ 0 wins, and a negative, unreadable or past hint means "no
 * hint"; `fallback` (a provider's documented default) only when there is none. One over
 * {@link MAX_HINT_MS} (`1e308` seconds included) is capped, and the wait asked for is kept
 * as `hintCappedFromMs` so that the cap is reported, not silent.
 */
export function readHint(
  hints: readonly (number | undefined)[],
  fallback?: number,
): { retryAfterMs?: number; hintCappedFromMs?: number } {
  let ms: number | undefined;
  for (const hint of hints) if (hint !== undefined && hint >= 0 && (ms === undefined || hint > ms)) ms = hint;
  ms ??= fallback;
  if (ms === undefined) return {};
  return ms > MAX_HINT_MS ? { retryAfterMs: MAX_HINT_MS, hintCappedFromMs: ms } : { retryAfterMs: ms };
}

/**
 * Turns a server's hint into a safe floor for the next delay: ignores what is not a positive
 * finite number and caps it at {@link MAX_HINT_MS}.
 */
export function clampHint(hintMs: number | undefined): number {
  if (hintMs === undefined || !Number.isFinite(hintMs) || hintMs <= 0) return 0;
  return Math.min(hintMs, MAX_HINT_MS);
}

function unit(random: () => number): number {
  const r = random();
  return Number.isFinite(r) ? Math.min(Math.max(r, 0), 1) : 0.5;
}
