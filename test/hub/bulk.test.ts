// watchBulk with step detail, over real HTTP against the simulator: one list request per poll,
// a full body only for executions whose summary moved, and every step change of every execution.
import { lastValueFrom, tap, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { eachlabs, type ExecutionUpdate } from '../../src/index.js';
import { expectNoChangeLost, FAST, heldClock, simulator } from '../integration/support.js';

const WORKFLOW = '50741f40-8621-4d46-8a91-dff4d873be98';
const BULK = '0f6d8a52-3c1b-4e7a-9d2f-6b8e1c4a7d30';

describe('eachlabs watchBulk with step detail', () => {
  it('emits step-level changes for every bulk execution, fetching a full body only when its summary moved', async () => {
    // Time starts once the first poll has been answered: however slow the machine, polls see the run.
    const clock = heldClock();
    const sim = await simulator({ now: clock.now });
    const bulk = [0, 1, 2].map((i) =>
      sim.createExecution('eachlabs', {
        workflowId: WORKFLOW,
        bulkId: BULK,
        queuedMs: 20,
        steps: [
          { name: 'step1', durationMs: 60 + 40 * i },
          { name: 'step2', durationMs: 80, fails: i === 2 },
        ],
      }),
    );
    const client = eachlabs({ apiKey: sim.apiKey, baseUrl: sim.baseUrls.eachlabs, backoff: FAST });
    const updates: ExecutionUpdate[] = await lastValueFrom(
      client.watchBulk(WORKFLOW, BULK).pipe(tap(clock.release), toArray()),
    );

    const final = ['completed', 'completed', 'failed'] as const;
    bulk.forEach((execution, i) => {
      const mine = updates.filter((u) => u.snapshot.executionId === execution.executionId);
      const steps = expectNoChangeLost(mine, {
        status: final[i]!,
        steps: { step1: 'completed', step2: i === 2 ? 'failed' : 'completed' },
      });
      expect(Object.keys(steps).sort()).toEqual(['step1', 'step2']);
    });
    const lists = sim.requests.filter((r) => r.endpoint === 'list');
    const details = sim.requests.filter((r) => r.endpoint !== 'list');
    expect(lists.every((r) => r.query['bulk_id'] === BULK)).toBe(true);
    // A detail request only for a summary that moved, and every move is an update: never
    // more full bodies than updates, whatever the timing.
    expect(details.length).toBeLessThanOrEqual(updates.length);
    expect(details.length).toBeGreaterThanOrEqual(bulk.length);
    expect(lists.length).toBeGreaterThan(1);
  });
});
