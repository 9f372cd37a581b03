/**
 * The change a watch with `stallAfterMs` emits, once per stall, when a running execution's
 * snapshot has not changed for that long (DESIGN §3, §5). `sinceMs` is how long it has gone
 * without a change, in ms. `diff()` never produces it.
 *
 * @example
 * ```ts
 * import type { StalledChange } from 'runwatch';
 *
 * const change: StalledChange = { type: 'stalled', executionId: 'e1', sinceMs: 300_000 };
 * console.log(`${change.executionId} quiet for ${change.sinceMs / 60_000} min`);
 * // Logs: e1 quiet for 5 min
 * ```
 */
export interface StalledChange {
  /** The execution has not changed for `stallAfterMs`. */
  type: 'stalled';
  /** The execution concerned. */
  executionId: string;
  /** How long it has gone without a change, in ms (at least `stallAfterMs`). */
  sinceMs: number;
}

/** What {@link stallCheck} decides. */
export interface StallVerdict {
  /** Emit a `stalled` change now. */
  report: boolean;
  /** How long the execution has gone without a change, in ms (never negative). */
  sinceMs: number;
  /**
   * In how many ms the stall becomes due, so the caller can check again then without polling;
   * `undefined` when it is due now or was already reported (the next change starts a new count).
   */
  dueInMs: number | undefined;
}

/**
 * Decides whether a running execution has stalled: no change for `stallAfterMs` since
 * `lastChangeAt`, reported once per stall (`alreadyReported` is true after the first report
 * and goes back to false when the snapshot changes again). Pure: the engine owns the clock
 * and the flag.
 *
 * @param lastChangeAt - when the snapshot last changed (or the watch started), epoch ms.
 * @param now - the current time, epoch ms.
 * @param stallAfterMs - the quiet time that counts as a stall, in ms (a positive number).
 * @param alreadyReported - whether this stall was reported already.
 * @returns whether to report now, the time without change, and when a stall will be due.
 */
export function stallCheck(
  lastChangeAt: number,
  now: number,
  stallAfterMs: number,
  alreadyReported: boolean,
): StallVerdict {
  const sinceMs = Math.max(0, now - lastChangeAt);
  if (alreadyReported) return { report: false, sinceMs, dueInMs: undefined };
  if (sinceMs >= stallAfterMs) return { report: true, sinceMs, dueInMs: undefined };
  return { report: false, sinceMs, dueInMs: stallAfterMs - sinceMs };
}

/**
 * The `stalled` change for an execution.
 *
 * @param executionId - the execution concerned.
 * @param sinceMs - how long it has gone without a change, in ms.
 * @returns the change.
 */
export function stalledChange(executionId: string, sinceMs: number): StalledChange {
  return { type: 'stalled', executionId, sinceMs };
}
