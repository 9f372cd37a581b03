import type { Observable } from 'rxjs';
import { baseline, diff } from './diff.js';
import { ConfigError } from './errors.js';
import { isTerminal, type ExecutionSnapshot, type ExecutionUpdate } from './model.js';
import { checkSnapshot, checkSource, pollLoop, type Tracker } from './poll.js';
import { resolveWatchOptions, type WatchOptions } from './watch-options.js';

/**
 * Anything that can fetch the current state of many executions in one go: a list endpoint
 * (EachLabs' executions of a bulk trigger), or a user's own.
 *
 * @typeParam S - the snapshot type of each execution.
 *
 * @example
 * ```ts
 * import type { ListSource } from 'runwatch';
 *
 * const source: ListSource = {
 *   id: 'batch-7',
 *   async fetchList(signal) {
 *     const jobs: { id: string; done: boolean }[] = await (await fetch('https://example.test/batches/7', { signal })).json();
 *     return jobs.map((job) => ({ provider: 'mine', executionId: job.id, status: job.done ? 'completed' : 'running', rawStatus: '', steps: [], raw: job }));
 *   },
 * };
 * console.log(source.id);
 * // Logs: batch-7
 * ```
 */
export interface ListSource<S extends ExecutionSnapshot = ExecutionSnapshot> {
  /** Names the list (a bulk id, say), for error messages. */
  id: string;
  /** Fetches every execution of the list, each as a snapshot. Errors as for {@link SnapshotSource}. */
  fetchList(signal: AbortSignal): Promise<S[]>;
}

/** Diffs each execution of a list against its own last state: an update per execution that changed. */
export function listTracker<S extends ExecutionSnapshot>(): Tracker<S[], ExecutionUpdate<S>> {
  const last = new Map<string, S>();
  let open = 0; // executions seen and not terminal
  return {
    fold(list) {
      const updates: ExecutionUpdate<S>[] = [];
      // Not an array: taken as one item, which fails the check unless it is a snapshot.
      for (const snapshot of Array.isArray(list) ? list : [list as unknown as S]) {
        checkSnapshot(snapshot);
        const previous = last.get(snapshot.executionId);
        const changes = diff(previous, snapshot);
        if (changes.length === 0) continue;
        open += (isTerminal(snapshot.status) ? 0 : 1) - (previous === undefined || isTerminal(previous.status) ? 0 : 1);
        last.set(snapshot.executionId, baseline(previous, snapshot));
        updates.push({ snapshot, previous, changes });
      }
      return { updates, done: last.size > 0 && open === 0 };
    },
  };
}

/**
 * Watches a list of executions with one fetch per poll: emits an {@link ExecutionUpdate}
 * for each execution that changed (each diffed against its own last state) and completes
 * once every execution seen is terminal, and at least one was seen. Polling, backoff,
 * retries, `maxWaitMs` and teardown are those of {@link watchExecution}; a poll in which
 * any execution changed resets the delay.
 *
 * @param source - fetches every execution of the list.
 * @param options - backoff, `maxWaitMs`, scheduler; `since` does not apply to a list.
 * @returns a cold observable of per-execution updates.
 * @throws {@link ConfigError} at once, when an option is invalid or `since` is given.
 *
 * @example
 * ```ts
 * import { watchList, type ExecutionSnapshot } from 'runwatch';
 *
 * const job = (id: string, status: ExecutionSnapshot['status']): ExecutionSnapshot =>
 *   ({ provider: 'mine', executionId: id, status, rawStatus: status, steps: [], raw: null });
 * let polls = 0;
 * watchList({
 *   id: 'batch-7',
 *   fetchList: async () => (++polls < 2 ? [job('a', 'running'), job('b', 'completed')] : [job('a', 'completed'), job('b', 'completed')]),
 * }, { backoff: { initialDelayMs: 10 } }).subscribe((u) => console.log(u.snapshot.executionId, u.snapshot.status));
 * // Logs: a running
 * // Logs: b completed
 * // Logs: a completed
 * ```
 */
export function watchList<S extends ExecutionSnapshot>(
  source: ListSource<S>,
  options: WatchOptions = {},
): Observable<ExecutionUpdate<S>> {
  checkSource(source, 'fetchList');
  const config = resolveWatchOptions(options);
  if (config.since !== undefined) {
    throw new ConfigError('Expected no `since` for a list watch: it is a snapshot of one execution, not of a list', {
      option: 'since',
    });
  }
  return pollLoop({ id: source.id, fetch: (signal) => source.fetchList(signal) }, listTracker<S>, config);
}
