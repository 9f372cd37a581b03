import type { SnapshotTransform } from '../client.js';
import type { DatalabSnapshot } from './normalize.js';

/** Presigned outputs fetched at once per poll. */
const OUTPUT_CONCURRENCY = 4;

/**
 * `resolveOutputs`: each completed step's presigned output, downloaded once per watch
 * (without the API key) and set as the step's `output`. A failed download does not end the
 * watch: the step's `output` stays unset and the next poll tries again with the fresh URL.
 */
export function resolveOutputs(
  download: (url: string, signal: AbortSignal, executionId: string) => Promise<unknown>,
): SnapshotTransform<DatalabSnapshot> {
  return {
    key: 'outputs',
    create() {
      const cache = new Map<string, Promise<unknown>>();
      return (snapshot, signal) =>
        withOutputs(snapshot, cache, signal, (url) => download(url, signal, snapshot.executionId));
    },
  };
}

/**
 * Fills `output` of completed steps from the cache, downloading the missing ones. Keyed by
 * step and URL without its query: the URL is re-signed on every poll, the object is not.
 */
async function withOutputs(
  snapshot: DatalabSnapshot,
  cache: Map<string, Promise<unknown>>,
  signal: AbortSignal,
  download: (url: string) => Promise<unknown>,
): Promise<DatalabSnapshot> {
  const wanted = snapshot.steps.filter((s) => s.status === 'completed' && s.outputUrl !== undefined);
  if (wanted.length === 0) return snapshot;
  const outputs = new Map<string, unknown>();
  await eachLimited(wanted, OUTPUT_CONCURRENCY, async (step) => {
    const url = step.outputUrl!;
    const key = `${step.key}\u0000${url.split(/[?#]/, 1)[0]}`;
    let pending = cache.get(key);
    if (pending === undefined) {
      // A URL no download can take (s3://) throws at once: a failed download like any other.
      try {
        pending = download(url);
      } catch (error) {
        pending = Promise.reject(error);
      }
      cache.set(key, pending);
      // A failed download is forgotten, so the next poll tries again with a fresh URL.
      pending.catch(() => {
        if (cache.get(key) === pending) cache.delete(key);
      });
    }
    try {
      outputs.set(step.key, await pending);
    } catch (error) {
      if (signal.aborted) throw error;
      // Not fatal: the step keeps its outputUrl and the watch goes on.
    }
  });
  return {
    ...snapshot,
    steps: snapshot.steps.map((s) => (outputs.has(s.key) ? { ...s, output: outputs.get(s.key) } : s)),
  };
}

async function eachLimited<T>(items: readonly T[], limit: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await run(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
