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
