/**
 * Why a watch polled, retried or waited.
 *
 * - `policy`: the backoff policy's delay.
 * - `learned`: the adaptive cadence's estimate of when a step ends.
 * - `hint`: a server's `Retry-After` (or body hint), for this request or its budget scope.
 * - `budget`: the client's request budget is spent for now.
 * - `wake`: a wake source asked for a poll; or, for a watch that has one, the slow safety-net
 *   cadence it relaxes to in place of the policy's.
 * - `stall`: nothing changed for `stallAfterMs`.
 *
 * @example
 * ```ts
 * import type { WatchEventReason } from 'runwatch';
 *
 * const reason: WatchEventReason = 'budget';
 * console.log(reason);
 * // Logs: budget
 * ```
 */
export type WatchEventReason = 'policy' | 'learned' | 'hint' | 'budget' | 'wake' | 'stall';

/**
 * One request or decision of a client's watches, on `client.events`: a `poll` when a request
 * ends (`outcome`, `status`, `durationMs`), a `retry` when a failed poll is scheduled again,
 * a `wait` when a watch goes quiet (the next poll's delay and why). So a user can see why a
 * watch is quiet.
 *
 * @example
 * ```ts
 * import type { WatchEvent } from 'runwatch';
 *
 * const event: WatchEvent = { type: 'wait', provider: 'modelslab', executionId: '42', at: 0, delayMs: 12_000, reason: 'budget' };
 * console.log(`${event.executionId}: waiting for ${event.reason} (next in ${event.delayMs / 1000} s)`);
 * // Logs: 42: waiting for budget (next in 12 s)
 * ```
 */
export interface WatchEvent {
  /** `poll`: a request ended; `retry`: a failed one will be tried again; `wait`: the next poll is scheduled. */
  type: 'poll' | 'retry' | 'wait';
  /** The adapter's name. */
  provider: string;
  /** The execution watched (a list watch: the list's id). */
  executionId: string;
  /** When, in ms since the epoch on the client's clock. */
  at: number;
  /** For `retry` and `wait`, the delay before the next request; `0` for `poll`. */
  delayMs: number;
  /** Why this delay (for `poll`: why the request was made when it was). */
  reason: WatchEventReason;
  /** For `poll`: whether the request gave a snapshot. */
  outcome?: 'ok' | 'error';
  /** The HTTP status of a failed request, when there was a response. */
  status?: number | undefined;
  /** For `poll`: how long the request took, in ms. */
  durationMs?: number;
  /** For `retry`: failures in a row so far, and how many the policy allows. */
  attempt?: number;
  /** For `retry`: the policy's `maxRetries`. */
  maxRetries?: number;
  /** For a failed `poll` or a `retry`: the error's name (`RateLimitError`, `NetworkError`, …). */
  error?: string;
}
