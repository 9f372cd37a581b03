// The EachLabs client against the simulator, both hosts, over real HTTP on 127.0.0.1.
import { lastValueFrom, tap, toArray } from 'rxjs';
import { describe, expect, it, vi } from 'vitest';
import {
  eachlabs,
  isAuthenticationError,
  isNotFoundError,
  type EachLabsBulkSnapshot,
  type ExecutionUpdate,
} from '../../src/index.js';
import type { Simulator } from '../../src/testing/index.js';
import {
  FAST,
  expectErrorFreeOf,
  expectLogFreeOf,
  expectNoChangeLost,
  gapsAfter429,
  heldClock,
  rejection,
  simulator,
} from './support.js';

const WORKFLOW = '50741f40-8621-4d46-8a91-dff4d873be98';
const BULK = '0f6d8a52-3c1b-4e7a-9d2f-6b8e1c4a7d30';

type Api = 'legacy' | 'current';

function client(sim: Simulator, api: Api = 'legacy', extra: Partial<Parameters<typeof eachlabs>[0]> = {}) {
  const baseUrl = api === 'current' ? sim.baseUrls.eachlabsCurrent : sim.baseUrls.eachlabs;
  return eachlabs({ apiKey: sim.apiKey, baseUrl, api, backoff: FAST, ...extra });
}

const twoSteps = {
  workflowId: WORKFLOW,
  queuedMs: 50,
  steps: [
    { name: 'step1', durationMs: 80, output: 'A castle on a hill, at dawn' },
    { name: 'step2', durationMs: 80, output: ['https://cdn.example/castle.png'] },
  ],
};

describe.each<Api>(['legacy', 'current'])('eachlabs client (%s host) against the simulator', (api) => {
  it('watches an execution to completed, with each step output and the final output', async () => {
    // Time starts once the first poll has been answered, so that poll is sure to see it queued.
    const clock = heldClock();
    const sim = await simulator({ now: clock.now });
    const run = sim.createExecution('eachlabs', twoSteps);
    const updates = await lastValueFrom(client(sim, api).watch(run.executionId).pipe(tap(clock.release), toArray()));

    const last = updates.at(-1)!.snapshot;
    expect(last).toMatchObject({
      provider: 'eachlabs',
      executionId: run.executionId,
      workflowId: WORKFLOW,
      status: 'completed',
    });
    expect(last.output).toEqual(['https://cdn.example/castle.png']);
    expect(last.steps.map((s) => [s.key, s.output])).toEqual([
      ['step1', 'A castle on a hill, at dawn'],
      ['step2', ['https://cdn.example/castle.png']],
    ]);
    // EachLabs says "queued" for a step that has not started.
    const history = expectNoChangeLost(updates, {
      status: 'completed',
      steps: { step1: 'completed', step2: 'completed' },
    });
    expect(history['step1']![0]).toBe('queued');
    expect(history['step2']![0]).toBe('queued');
    const outputs = updates.flatMap((u) => u.changes).filter((c) => c.type === 'step-output');
    expect(outputs.map((c) => c.step.key)).toEqual(['step1', 'step2']);
    expect(sim.requests.every((r) => r.api === api && r.endpoint === 'status' && r.auth === 'ok')).toBe(true);
    expectLogFreeOf(sim, sim.apiKey);
  });

  it('watches an execution to failed, with the failing step and its message', async () => {
    const sim = await simulator();
    const run = sim.createExecution('eachlabs', {
      ...twoSteps,
      steps: [
        { name: 'step1', durationMs: 80 },
        { name: 'step2', durationMs: 80, fails: true, error: 'Model flux-1-1-pro timed out' },
        { name: 'step3', durationMs: 80 },
      ],
    });
    const updates = await lastValueFrom(client(sim, api).watch(run.executionId).pipe(toArray()));

    expect(updates.at(-1)!.snapshot).toMatchObject({
      status: 'failed',
      error: { message: 'Model flux-1-1-pro timed out', code: 'step_failed' },
    });
    expectNoChangeLost(updates, { status: 'failed', steps: { step1: 'completed', step2: 'failed', step3: 'queued' } });
  });

  it('watches an execution cancelled by its owner to cancelled', async () => {
    const sim = await simulator();
    const run = sim.createExecution('eachlabs', {
      workflowId: WORKFLOW,
      queuedMs: 0,
      cancelAfterMs: 120,
      steps: [
        { name: 'step1', durationMs: 60 },
        { name: 'step2', durationMs: 60_000 },
        { name: 'step3', durationMs: 60 },
      ],
    });
    const updates = await lastValueFrom(client(sim, api).watch(run.executionId).pipe(toArray()));

    expect(updates.at(-1)!.snapshot.status).toBe('cancelled');
    expectNoChangeLost(updates, {
      status: 'cancelled',
      steps: { step1: 'completed', step2: 'cancelled', step3: 'queued' },
    });
  });

  it('triggers and watches: the POST goes out at subscription, not before', async () => {
    const sim = await simulator({
      defaultScript: {
        queuedMs: 30,
        steps: [
          { name: 'step1', durationMs: 60 },
          { name: 'step2', durationMs: 60 },
        ],
      },
    });
    const fetchSpy = vi.fn(globalThis.fetch);
    const c = client(sim, api, { fetch: fetchSpy });
    const run$ = c.runAndWatch(WORKFLOW, { inputs: { prompt: 'A lake at noon' }, versionId: 'v3' });

    await fetch(sim.url); // a round trip: an eager POST would have been logged by now
    expect(fetchSpy).not.toHaveBeenCalled();
    expect(sim.requests.map((r) => r.endpoint)).toEqual(['index']);

    const updates = await lastValueFrom(run$.pipe(toArray()));
    const path =
      api === 'current'
        ? `/eachlabs-current/v1/workflows/trigger/${WORKFLOW}/v3`
        : `/eachlabs/api/v1/${WORKFLOW}/trigger`;
    expect(sim.requests.filter((r) => r.endpoint === 'trigger')).toEqual([
      expect.objectContaining({ method: 'POST', status: 202, auth: 'ok', api, path }),
    ]);
    const [execution] = sim.executions('eachlabs');
    expect(execution).toMatchObject({ workflowId: WORKFLOW, versionId: 'v3' });
    expect(updates.at(-1)!.snapshot).toMatchObject({ executionId: execution!.executionId, status: 'completed' });
    expect(updates.at(-1)!.snapshot.raw.inputs).toEqual({ prompt: 'A lake at noon' });
    expectNoChangeLost(updates, { status: 'completed', steps: { step1: 'completed', step2: 'completed' } });
  });

  it('rejects a wrong key with an AuthenticationError that never carries the key', async () => {
    const sim = await simulator();
    const run = sim.createExecution('eachlabs', twoSteps);
    const wrongKey = 'el-wrong-key-93ab61f0d4';
    const c = client(sim, api, { apiKey: wrongKey });

    const error = await rejection(c.get(run.executionId));
    expect(isAuthenticationError(error)).toBe(true);
    expect(error).toMatchObject({ provider: 'eachlabs', status: 401, executionId: run.executionId });
    expect((error as { requestId?: string }).requestId).toMatch(/^req_\d+$/);
    expect((error as Error).message).toContain('Invalid or missing API key');
    expectErrorFreeOf(error, wrongKey);

    const watchError = await rejection(lastValueFrom(c.watch(run.executionId)));
    expect(isAuthenticationError(watchError)).toBe(true);
    expectErrorFreeOf(watchError, wrongKey);
    const listError = await rejection(c.list(WORKFLOW));
    expect(isAuthenticationError(listError)).toBe(true);
    expectErrorFreeOf(listError, wrongKey);
    expect(sim.requests.map((r) => [r.status, r.auth])).toEqual([
      [401, 'invalid'],
      [401, 'invalid'],
      [401, 'invalid'],
    ]);
    expectLogFreeOf(sim, wrongKey);
  });

  it('rejects an unknown execution with a NotFoundError', async () => {
    const sim = await simulator();
    const c = client(sim, api);
    const unknown = '00000000-0000-4000-8000-000000000000';
    const error = await rejection(c.get(unknown));
    expect(isNotFoundError(error)).toBe(true);
    expect(error).toMatchObject({ provider: 'eachlabs', status: 404, executionId: unknown });
    expect((error as Error).message).toContain('execution not found');
    expectErrorFreeOf(error, sim.apiKey);

    const watchError = await rejection(lastValueFrom(c.watch(unknown)));
    expect(isNotFoundError(watchError)).toBe(true);
    expect(sim.requests).toHaveLength(2);
    expectLogFreeOf(sim, sim.apiKey);
  });

  it('lists a bulk page by page with bulkId, offset and limit', async () => {
    const sim = await simulator();
    const inBulk = Array.from({ length: 5 }, (_, i) =>
      sim.createExecution('eachlabs', {
        workflowId: WORKFLOW,
        bulkId: BULK,
        workflowName: 'Castles',
        queuedMs: 0,
        steps: [{ name: 'step1', durationMs: i === 0 ? 0 : 60_000 }],
      }),
    );
    sim.createExecution('eachlabs', { workflowId: WORKFLOW, steps: [{ name: 'step1', durationMs: 10 }] }); // same workflow, no bulk
    const c = client(sim, api);

    const first = await c.list(WORKFLOW, { bulkId: BULK, offset: 0, limit: 2 });
    expect(first.totalCount).toBe(5);
    expect(first.nextOffset).toBe(2);
    expect(first.executions.map((e) => e.executionId)).toEqual(inBulk.slice(0, 2).map((e) => e.executionId));
    expect(first.executions[0]).toMatchObject({
      workflowId: WORKFLOW,
      workflowName: 'Castles',
      versionId: 'v1',
      status: 'completed',
    });
    expect(first.executions[1]).toMatchObject({ status: 'running' });

    const last = await c.list(WORKFLOW, { bulkId: BULK, offset: 4, limit: 2 });
    expect(last.executions.map((e) => e.executionId)).toEqual([inBulk[4]!.executionId]);
    expect(last.nextOffset).toBeUndefined();

    const all = await c.list(WORKFLOW);
    expect(all.totalCount).toBe(6);
    const lists = sim.requests.filter((r) => r.endpoint === 'list');
    expect(lists.map((r) => r.query)).toEqual([
      { bulk_id: BULK, offset: '0', limit: '2' },
      { bulk_id: BULK, offset: '4', limit: '2' },
      {},
    ]);
    expect(lists.every((r) => r.api === api && r.status === 200)).toBe(true);
  });

  it('watches a bulk through the list endpoint, one update per execution that changed', async () => {
    const sim = await simulator();
    const bulk = [
      sim.createExecution('eachlabs', {
        workflowId: WORKFLOW,
        bulkId: BULK,
        queuedMs: 20,
        steps: [{ name: 'step1', durationMs: 60 }],
      }),
      sim.createExecution('eachlabs', {
        workflowId: WORKFLOW,
        bulkId: BULK,
        queuedMs: 20,
        steps: [{ name: 'step1', durationMs: 150 }],
      }),
      sim.createExecution('eachlabs', {
        workflowId: WORKFLOW,
        bulkId: BULK,
        queuedMs: 20,
        steps: [{ name: 'step1', durationMs: 100, fails: true }],
      }),
    ];
    sim.createExecution('eachlabs', {
      workflowId: WORKFLOW,
      queuedMs: 0,
      steps: [{ name: 'step1', durationMs: 60_000 }],
    }); // not in the bulk
    const updates: ExecutionUpdate<EachLabsBulkSnapshot>[] = await lastValueFrom(
      client(sim, api).watchBulk(WORKFLOW, BULK, { steps: false }).pipe(toArray()),
    );

    const byExecution = new Map<string, ExecutionUpdate[]>();
    for (const update of updates)
      byExecution.set(update.snapshot.executionId, [...(byExecution.get(update.snapshot.executionId) ?? []), update]);
    expect([...byExecution.keys()].sort()).toEqual(bulk.map((e) => e.executionId).sort());
    const final = ['completed', 'completed', 'failed'] as const;
    bulk.forEach((execution, i) =>
      expectNoChangeLost(byExecution.get(execution.executionId)!, { status: final[i]!, steps: {} }),
    );
    // One list request per poll, never a status request per execution.
    expect(sim.requests.every((r) => r.endpoint === 'list' && r.query['bulk_id'] === BULK)).toBe(true);
  });

  it("honours Retry-After: after the simulator's 429 the next request waits at least the hint", async () => {
    const sim = await simulator({ rateLimits: { eachlabs: { requests: 2, intervalMs: 1_000 } } });
    // 600 ms: even a slow machine makes three requests, and so meets the limit, before it ends.
    const run = sim.createExecution('eachlabs', {
      workflowId: WORKFLOW,
      queuedMs: 0,
      steps: [{ name: 'step1', durationMs: 600 }],
    });
    const updates = await lastValueFrom(client(sim, api).watch(run.executionId).pipe(toArray()));

    expectNoChangeLost(updates, { status: 'completed', steps: { step1: 'completed' } });
    const gaps = gapsAfter429(sim);
    expect(gaps.length).toBeGreaterThan(0);
    // Within a 1 s window the simulator sends `Retry-After: 1`; 2 ms of slack for early timers.
    for (const { gapMs } of gaps) expect(gapMs).toBeGreaterThanOrEqual(998);
  });

  it('rides out seeded chaos and still sees every change, ending in the right state', async () => {
    const sim = await simulator({
      // Seed 315 makes the first four requests a drop, a 5xx, a 429 and a malformed body, in some
      // order: the watch cannot end before them, so the set of faults checked below is certain.
      seed: 315,
      chaos: {
        errorRate: 0.25,
        malformedRate: 0.25,
        dropRate: 0.2,
        rateLimitRate: 0.25,
        retryAfterSeconds: 0,
        latencyMs: [0, 10],
      },
    });
    const run = sim.createExecution('eachlabs', {
      ...twoSteps,
      steps: [...twoSteps.steps, { name: 'step3', durationMs: 80 }],
    });
    const updates = await lastValueFrom(
      client(sim, api)
        .watch(run.executionId, { backoff: { maxRetries: Infinity } })
        .pipe(toArray()),
    );

    expectNoChangeLost(updates, {
      status: 'completed',
      steps: { step1: 'completed', step2: 'completed', step3: 'completed' },
    });
    const faults = new Set(sim.requests.map((r) => r.chaos).filter(Boolean));
    expect(faults).toEqual(new Set(['drop', 'error', 'malformed', 'rate-limit']));
    expectLogFreeOf(sim, sim.apiKey);
  });
});
