import type { Observable } from 'rxjs';
import { baseline, diff } from './diff.js';
import { ConfigError, ResponseValidationError } from './errors.js';
import { pollLoop, type Tracker } from './loop.js';
import { isStepLike, isTerminal, type ExecutionSnapshot, type ExecutionUpdate } from './model.js';
import { resolveWatchOptions, type WatchOptions } from './watch-options.js';

/**
 * Anything that can fetch the current state of one execution: a provider client builds one,
 * and so can a user for a provider runwatch does not know.
 *
 * @typeParam S - the snapshot type it produces.
 *
 * @example
 * ```ts
 * import type { SnapshotSource } from 'runwatch';
 *
 * const source: SnapshotSource = {
 *   id: 'job-1',
 *   async fetchSnapshot(signal) {
 *     const body = await (await fetch('https://example.test/jobs/1', { signal })).json();
 *     return { provider: 'mine', executionId: 'job-1', status: body.done ? 'completed' : 'running', rawStatus: String(body.state), steps: [], raw: body };
 *   },
 * };
 * console.log(source.id);
 * // Logs: job-1
 * ```
 */
export interface SnapshotSource<S extends ExecutionSnapshot = ExecutionSnapshot> {
  /** The execution's id, for error messages. */
  id: string;
  /**
   * Fetches the current state. Throw a {@link RunwatchError} with `retryable: true` (or a
   * `NetworkError`) for failures worth retrying; anything else ends the watch. The signal
   * aborts when the subscriber unsubscribes.
   */
  fetchSnapshot(signal: AbortSignal): Promise<S>;
}

export { pollLoop, roundDelay, watchTimeout, WAKE_SAFETY_NET_MS, type LoopSource, type Tracker } from './loop.js';

/**
 * Checks what a source returned before the engine reads it: anything that is not an
 * {@link ExecutionSnapshot} (no `steps` array, a step without a key or status) is a
 * {@link ResponseValidationError} naming the field, never a TypeError inside the engine.
 */
export function checkSnapshot(value: unknown): void {
  const s = value as Partial<ExecutionSnapshot> | null | undefined;
  const bad =
    typeof s?.status !== 'string'
      ? 'status'
      : Array.isArray(s.steps) && s.steps.every(isStepLike)
        ? undefined
        : 'steps';
  if (bad !== undefined) {
    throw new ResponseValidationError(`The source returned no ExecutionSnapshot (at ${bad})`, {
      issues: [{ path: [bad], message: 'expected an ExecutionSnapshot', code: 'invalid_type' }],
    });
  }
}

/**
 * Diffs each snapshot against the last one (or `since`): one update per poll that changed
 * something. The baseline keeps what a body left out ({@link baseline}), so a step that
 * vanishes from one body is neither announced twice nor loses a transition.
 */
export function executionTracker<S extends ExecutionSnapshot>(since: S | undefined): Tracker<S, ExecutionUpdate<S>> {
  return new ExecutionTracker(since);
}

// A class, not closures: one small object per watch.
class ExecutionTracker<S extends ExecutionSnapshot> implements Tracker<S, ExecutionUpdate<S>> {
  constructor(private previous: S | undefined) {}

  fold(snapshot: S): { updates: ExecutionUpdate<S>[]; done: boolean } {
    checkSnapshot(snapshot);
    const before = this.previous;
    const changes = diff(before, snapshot);
    this.previous = baseline(before, snapshot);
    return {
      updates: changes.length > 0 ? [{ snapshot, previous: before, changes }] : [],
      done: isTerminal(snapshot.status),
    };
  }

  stalled(sinceMs: number): ExecutionUpdate<S> | undefined {
    const last = this.previous;
    if (last === undefined || last.status !== 'running') return undefined;
    return { snapshot: last, previous: last, changes: [{ type: 'stalled', executionId: last.executionId, sinceMs }] };
  }
}

/**
 * Watches one execution: polls `source` with backoff until a terminal status, emitting an
 * {@link ExecutionUpdate} for every poll that changed something.
 *
 * Cold: nothing is requested until subscription, and every subscription runs its own poll.
 * The first request goes out at once; the next after a delay from the backoff policy, reset
 * to `initialDelayMs` by any change. Retryable errors (network, timeouts, 408, 429, 5xx,
 * a body that is not JSON) are retried silently, up to `maxRetries` in a row, never sooner
 * than a server's hint; the next good poll is compared with the last good snapshot, so no
 * change is lost. Other errors end the stream at once. Unsubscribing aborts the request in
 * flight and clears every timer. Statuses it does not know are `'unknown'`, never terminal.
 *
 * @param source - fetches the execution's snapshot.
 * @param options - backoff, `maxWaitMs`, `since`, scheduler.
 * @returns a cold observable that emits updates and completes after the terminal one.
 * @throws {@link ConfigError} at once, when an option is invalid.
 *
 * @example
 * ```ts
 * import { watchExecution, type ExecutionSnapshot } from 'runwatch';
 *
 * let polls = 0;
 * const updates = watchExecution({
 *   id: 'job-1',
 *   fetchSnapshot: async (): Promise<ExecutionSnapshot> => {
 *     const status = ++polls < 3 ? 'running' : 'completed';
 *     return { provider: 'mine', executionId: 'job-1', status, rawStatus: status, steps: [], raw: null };
 *   },
 * }, { backoff: { initialDelayMs: 10 } });
 * updates.subscribe((u) => console.log(u.snapshot.status));
 * // Logs: running
 * // Logs: completed
 * ```
 */
export function watchExecution<S extends ExecutionSnapshot>(
  source: SnapshotSource<S>,
  options: WatchOptions = {},
): Observable<ExecutionUpdate<S>> {
  checkSource(source, 'fetchSnapshot');
  const config = resolveWatchOptions(options);
  return pollLoop(
    { id: source.id, fetch: (signal) => source.fetchSnapshot(signal) },
    () => executionTracker(config.since as S | undefined),
    config,
  );
}

/** Throws a {@link ConfigError} unless `source` has the method a watch calls. */
export function checkSource(source: unknown, method: string): void {
  if (typeof (source as Record<string, unknown> | null | undefined)?.[method] !== 'function') {
    throw new ConfigError(`Expected \`source.${method}\` to be a function`, { option: 'source' });
  }
}
