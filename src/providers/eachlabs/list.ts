import type { Client } from '../client.js';
import type { EachLabsEndpoints } from './adapter.js';
import { MAX_LIMIT } from './adapter.js';
import { answeredId } from '../parse.js';
import { nextOffsetOf, summaryToSnapshot, type EachLabsBulkSnapshot, type EachLabsSnapshot } from './normalize.js';

/**
 * A bulk is at most ten executions (bulk-trigger takes 1..10 inputs), one page; this only
 * bounds a server that pages on and on with new executions.
 */
const MAX_BULK_PAGES = 10;

/**
 * Reads every execution of a bulk trigger, one list request per page of 100. Keyed by id:
 * if executions shift between pages, one seen twice is counted once.
 */
export async function fetchBulk(
  client: Client<string, EachLabsSnapshot>,
  endpoints: EachLabsEndpoints,
  workflowId: string,
  bulkId: string,
  signal: AbortSignal,
): Promise<EachLabsBulkSnapshot[]> {
  const seen = new Map<string, EachLabsBulkSnapshot>();
  let offset = 0;
  for (let page = 1; ; page++) {
    const body = await client.call(endpoints.list, { workflowId, bulkId, offset, limit: MAX_LIMIT }, { signal });
    const before = seen.size;
    for (const summary of body.executions ?? []) {
      const id = answeredId(summary.execution_id, 'executions[].execution_id', 'eachlabs');
      if (!seen.has(id)) seen.set(id, summaryToSnapshot(summary, workflowId));
    }
    const next = nextOffsetOf(body, offset);
    // A page that brings nothing new ends the list, whatever its count says: a server
    // that pages on with the same executions cost a thousand requests a poll.
    if (next === undefined || seen.size === before || page >= MAX_BULK_PAGES) break;
    offset = next;
  }
  return [...seen.values()];
}

/**
 * Reads a bulk with step detail: the list as {@link fetchBulk} does, then the full body of
 * each execution whose summary moved (status or `updated_at`) since the last call; the
 * others are given as last read. One closure per watch: it keeps the last full bodies.
 */
export function bulkWithDetail(
  client: Client<string, EachLabsSnapshot>,
  endpoints: EachLabsEndpoints,
  workflowId: string,
  bulkId: string,
): (signal: AbortSignal) => Promise<EachLabsSnapshot[]> {
  const known = new Map<string, { stamp: string; snapshot: EachLabsSnapshot }>();
  return async (outer) => {
    // The poll's own signal: the first failed detail aborts the others, so none outlives the
    // poll (the stream's error, or a retry that would run beside it).
    const poll = new AbortController();
    const stop = (): void => poll.abort(outer.reason);
    if (outer.aborted) stop();
    outer.addEventListener('abort', stop);
    try {
      return await details(await fetchBulk(client, endpoints, workflowId, bulkId, poll.signal), poll);
    } finally {
      outer.removeEventListener('abort', stop);
    }
  };

  async function details(summaries: EachLabsBulkSnapshot[], poll: AbortController): Promise<EachLabsSnapshot[]> {
    const { signal } = poll;
    const out: EachLabsSnapshot[] = new Array<EachLabsSnapshot>(summaries.length);
    const moved: number[] = [];
    summaries.forEach((summary, i) => {
      const last = known.get(summary.executionId);
      if (last !== undefined && last.stamp === stampOf(summary) && last.snapshot.status === summary.status) {
        out[i] = last.snapshot;
      } else moved.push(i);
    });
    // A few at a time: a bulk of 100 must not open 100 requests at once (nor hang 100
    // listeners on one signal).
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < moved.length && !signal.aborted) {
        const i = moved[next++]!;
        const summary = summaries[i]!;
        try {
          const snapshot = await client.get(summary.executionId, { signal });
          known.set(summary.executionId, { stamp: stampOf(summary), snapshot });
          out[i] = snapshot;
        } catch (error) {
          poll.abort(error);
          throw error;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(DETAIL_CONCURRENCY, moved.length) }, worker));
    return out;
  }
}

/** How many full bodies a bulk poll fetches at once. */
const DETAIL_CONCURRENCY = 6;

/** What says a summary moved: its status, `updated_at` and `ended_at`. */
function stampOf(summary: EachLabsBulkSnapshot): string {
  return `${summary.rawStatus}\u0000${summary.raw.updated_at ?? ''}\u0000${summary.raw.ended_at ?? ''}`;
}
