import type { Observable } from 'rxjs';
import { ExecutionFailedError, RunwatchError } from '../core/errors.js';
import { isTerminal, type ExecutionSnapshot, type ExecutionUpdate } from '../core/model.js';

/**
 * Subscribes and resolves with the terminal snapshot when the execution completes.
 * Rejects with an {@link ExecutionFailedError} when it fails or is cancelled, with the
 * stream's error when it errors, and with the signal's reason when aborted (which also
 * unsubscribes, aborting the request in flight).
 *
 * @param source - a watch.
 * @param options - `signal` to give up early.
 * @returns the completed execution's last snapshot.
 *
 * @example
 * ```ts
 * import { eachlabs, waitForTerminal } from 'runwatch';
 *
 * const client = eachlabs({ apiKey: process.env.EACHLABS_API_KEY ?? '' });
 * const done = await waitForTerminal(client.watch('69ae8c7b-7500-4a45-b7c0-348b8cc2665b'), { signal: AbortSignal.timeout(600_000) });
 * console.log(done.output);
 * // Logs: [ 'https://storage.googleapis.com/uploads/image1.png' ]
 * ```
 */
export function waitForTerminal<S extends ExecutionSnapshot>(
  source: Observable<ExecutionUpdate<S>>,
  options: { signal?: AbortSignal } = {},
): Promise<S> {
  const { signal } = options;
  return new Promise<S>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    let last: S | undefined;
    const onAbort = (): void => {
      subscription.unsubscribe();
      reject(signal?.reason);
    };
    const settle = (): void => signal?.removeEventListener('abort', onAbort);
    const subscription = source.subscribe({
      next: (update) => {
        last = update.snapshot;
        if (isTerminal(last.status)) {
          settle();
          if (last.status === 'completed') resolve(last);
          else reject(new ExecutionFailedError(last));
        }
      },
      error: (error: unknown) => {
        settle();
        reject(error);
      },
      complete: () => {
        settle();
        if (last === undefined || !isTerminal(last.status)) {
          reject(
            new RunwatchError(`The watch of ${last?.executionId ?? 'an execution'} ended before a terminal status`, {
              provider: last?.provider,
              executionId: last?.executionId,
            }),
          );
        }
      },
    });
    signal?.addEventListener('abort', onAbort, { once: true });
    if (subscription.closed) settle();
  });
}
