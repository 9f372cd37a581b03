import { asyncScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { Hub } from '../../src/core/hub.js';
import type { Sink } from '../../src/core/loop.js';
import type { ExecutionSnapshot, ExecutionUpdate } from '../../src/core/model.js';

const snapshot = (id: string, status: ExecutionSnapshot['status']): ExecutionSnapshot => ({
  provider: 'test',
  executionId: id,
  status,
  rawStatus: status,
  steps: [],
  raw: null,
});

/** The hub's own count of groups: a group left behind by its last poll would be a leak. */
const groupsOf = (hub: Hub): number => (hub as unknown as { groups: Map<string, unknown> }).groups.size;

describe('the hub', () => {
  it('forgets a group once its last poll stops, whether its viewers leave or the poll ends', () => {
    const hub = new Hub();
    const sinks: Sink<ExecutionUpdate>[] = [];
    let stopped = 0;
    const open = (_wakes: unknown, sink: Sink<ExecutionUpdate>) => {
      sinks.push(sink);
      return { unsubscribe: () => void stopped++ };
    };
    const viewer = (id: string) => ({ since: undefined, maxWaitMs: undefined, scheduler: asyncScheduler, id });
    // 100 groups (say, 100 different backoff policies), two viewers of one execution in each.
    const subscriptions = Array.from({ length: 100 }, (_, g) =>
      [0, 1].map(() => hub.watch(`policy-${g}`, 'e1', open, viewer('e1')).subscribe()),
    );
    expect(hub.size).toBe(100);
    expect(groupsOf(hub)).toBe(100);
    // Half the groups: both viewers leave.
    for (const pair of subscriptions.slice(0, 50)) for (const s of pair) s.unsubscribe();
    expect(stopped).toBe(50);
    // The other half: the poll ends (terminal), which ends its viewers.
    const ended: string[] = [];
    for (const pair of subscriptions.slice(50)) for (const s of pair) s.add(() => ended.push('x'));
    const update = { snapshot: snapshot('e1', 'completed'), previous: undefined, changes: [] };
    for (const sink of sinks.slice(50)) {
      sink.next(update);
      sink.complete();
    }
    expect(ended).toHaveLength(100);
    expect(hub.size).toBe(0);
    expect(groupsOf(hub)).toBe(0);
    expect(stopped).toBe(50); // an ended poll is not stopped again
  });
});
