// The ModelsLab client against the simulator, over real HTTP on 127.0.0.1.
import { lastValueFrom, tap, toArray } from 'rxjs';
import { describe, expect, it, vi } from 'vitest';
import {
  ExecutionFailedError,
  isAuthenticationError,
  isHttpError,
  isNotFoundError,
  modelslab,
  waitForTerminal,
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

const WORKFLOW = '8f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f';

/** A client of the simulator: fast polls, and no client-side budget unless a test sets one. */
function client(sim: Simulator, extra: Partial<Parameters<typeof modelslab>[0]> = {}) {
  return modelslab({ apiKey: sim.apiKey, baseUrl: sim.baseUrls.modelslab, backoff: FAST, rateLimit: false, ...extra });
}

const threeSteps = {
  workflowId: WORKFLOW,
  queuedMs: 50,
  steps: [
    { name: 'Text to Image', durationMs: 80 },
    { name: 'Image Upscaler', durationMs: 80 },
    { name: 'Face Enhancer', durationMs: 80 },
  ],
};

describe('modelslab client against the simulator', () => {
  it('watches an execution from pending to completed, with its output', async () => {
    // Time starts once the first poll has been answered, so that poll is sure to see it pending.
    const clock = heldClock();
    const sim = await simulator({ now: clock.now });
    const run = sim.createExecution('modelslab', { ...threeSteps, output: ['https://cdn.example/out.png'] });
    const updates = await lastValueFrom(
      client(sim)
        .watch({ workflowId: WORKFLOW, executionId: Number(run.executionId) })
        .pipe(tap(clock.release), toArray()),
    );

    const last = updates.at(-1)!.snapshot;
    expect(last).toMatchObject({
      provider: 'modelslab',
      executionId: run.executionId,
      workflowId: WORKFLOW,
      status: 'completed',
    });
    expect(last.output).toEqual(['https://cdn.example/out.png']);
    expect(last.completedAt).toMatch(/Z$/);
    expect(updates[0]!.changes).toContainEqual({
      type: 'execution-status',
      executionId: run.executionId,
      from: undefined,
      to: 'queued',
    });
    expect(updates[0]!.snapshot.steps.map((s) => s.status)).toEqual(['pending', 'pending', 'pending']);
    expectNoChangeLost(updates, {
      status: 'completed',
      steps: { 'Text to Image': 'completed', 'Image Upscaler': 'completed', 'Face Enhancer': 'completed' },
    });
    expect(sim.requests.every((r) => r.endpoint === 'status' && r.auth === 'ok' && r.method === 'GET')).toBe(true);
    expectLogFreeOf(sim, sim.apiKey);
  });

  it('watches an execution to failed, with the failing step and its message', async () => {
    const sim = await simulator();
    const run = sim.createExecution('modelslab', {
      ...threeSteps,
      steps: [
        { name: 'Text to Image', durationMs: 80 },
        { name: 'Image Upscaler', durationMs: 80, fails: true, error: 'CUDA out of memory' },
        { name: 'Face Enhancer', durationMs: 80 },
      ],
    });
    const ref = { workflowId: WORKFLOW, executionId: run.executionId };
    const updates = await lastValueFrom(client(sim).watch(ref).pipe(toArray()));

    expect(updates.at(-1)!.snapshot).toMatchObject({ status: 'failed', error: { message: 'CUDA out of memory' } });
    expectNoChangeLost(updates, {
      status: 'failed',
      steps: { 'Text to Image': 'completed', 'Image Upscaler': 'failed', 'Face Enhancer': 'pending' },
    });
    // waitForTerminal turns the same story into a rejection that names the reason.
    const error = await rejection(waitForTerminal(client(sim).watch(ref)));
    expect(error).toBeInstanceOf(ExecutionFailedError);
    expect((error as Error).message).toContain('CUDA out of memory');
  });

  it('cancels a running execution and watches it end cancelled', async () => {
    const sim = await simulator();
    const run = sim.createExecution('modelslab', {
      workflowId: WORKFLOW,
      queuedMs: 0,
      steps: [
        { name: 'Image to Video', durationMs: 60_000 },
        { name: 'Face Enhancer', durationMs: 100 },
      ],
    });
    const ref = { workflowId: WORKFLOW, executionId: run.executionId };
    const c = client(sim);
    let cancelled: Promise<void> | undefined;
    const updates = await lastValueFrom(
      c.watch(ref).pipe(
        // Cancel once the watch has seen it running: the next polls must report the cancellation.
        tap((update) => {
          if (update.snapshot.status === 'running') cancelled ??= c.cancel(ref);
        }),
        toArray(),
      ),
    );
    await cancelled;

    expect(updates.at(-1)!.snapshot.status).toBe('cancelled');
    expectNoChangeLost(updates, {
      status: 'cancelled',
      steps: { 'Image to Video': 'cancelled', 'Face Enhancer': 'pending' },
    });
    const cancels = sim.requests.filter((r) => r.endpoint === 'cancel');
    expect(cancels).toEqual([
      expect.objectContaining({ method: 'POST', status: 200, auth: 'ok', executionId: run.executionId }),
    ]);

    // Cancelling again: ModelsLab answers 400 for an execution that has finished.
    const again = await rejection(c.cancel(ref));
    expect(isHttpError(again) && again.status).toBe(400);
    expect((again as Error).message).toContain('already finished');
  });

  it('runs and watches: the POST goes out at subscription, not before', async () => {
    const sim = await simulator({
      defaultScript: {
        queuedMs: 30,
        steps: [
          { name: 'Text to Image', durationMs: 60 },
          { name: 'Image Upscaler', durationMs: 60 },
        ],
      },
    });
    const fetchSpy = vi.fn(globalThis.fetch);
    const c = client(sim, { fetch: fetchSpy });
    const run$ = c.runAndWatch(WORKFLOW, { prompt: 'a lighthouse at dusk', width: 512 });

    // A round trip to the simulator: an eager POST would have been logged by now.
    await fetch(sim.url);
    expect(fetchSpy).not.toHaveBeenCalled();
    expect(sim.requests.map((r) => r.endpoint)).toEqual(['index']);

    const updates = await lastValueFrom(run$.pipe(toArray()));
    const runs = sim.requests.filter((r) => r.endpoint === 'run');
    expect(runs).toEqual([
      expect.objectContaining({
        method: 'POST',
        status: 202,
        auth: 'ok',
        path: `/modelslab/api/v1/workflows/${WORKFLOW}/run`,
      }),
    ]);
    const [execution] = sim.executions('modelslab');
    expect(updates.at(-1)!.snapshot).toMatchObject({ executionId: execution!.executionId, status: 'completed' });
    expectNoChangeLost(updates, {
      status: 'completed',
      steps: { 'Text to Image': 'completed', 'Image Upscaler': 'completed' },
    });
    // Every poll after the POST asked about the execution the POST started.
    const polls = sim.requests.filter((r) => r.endpoint === 'status');
    expect(polls.length).toBeGreaterThan(0);
    expect(polls.every((r) => r.executionId === execution!.executionId)).toBe(true);
  });

  it('rejects a wrong key with an AuthenticationError that never carries the key', async () => {
    const sim = await simulator();
    const run = sim.createExecution('modelslab', threeSteps);
    const wrongKey = 'ml-wrong-key-7c1e9f3a55';
    const c = client(sim, { apiKey: wrongKey });
    const ref = { workflowId: WORKFLOW, executionId: run.executionId };

    const error = await rejection(c.get(ref));
    expect(isAuthenticationError(error)).toBe(true);
    expect(error).toMatchObject({ provider: 'modelslab', status: 401, executionId: run.executionId });
    expect((error as Error).message).toContain('Invalid API key');
    expectErrorFreeOf(error, wrongKey);

    // A watch fails at once too: an auth error is not retried.
    const watchError = await rejection(lastValueFrom(c.watch(ref)));
    expect(isAuthenticationError(watchError)).toBe(true);
    expectErrorFreeOf(watchError, wrongKey);
    expect(sim.requests.map((r) => [r.status, r.auth])).toEqual([
      [401, 'invalid'],
      [401, 'invalid'],
    ]);
    expectLogFreeOf(sim, wrongKey);
  });

  it('rejects an unknown execution with a NotFoundError', async () => {
    const sim = await simulator();
    const c = client(sim);
    const error = await rejection(c.get({ workflowId: WORKFLOW, executionId: 999_999 }));
    expect(isNotFoundError(error)).toBe(true);
    expect(error).toMatchObject({ provider: 'modelslab', status: 404, executionId: '999999' });
    expect((error as Error).message).toContain('Execution not found');
    expectErrorFreeOf(error, sim.apiKey);

    const watchError = await rejection(lastValueFrom(c.watch({ workflowId: WORKFLOW, executionId: '999999' })));
    expect(isNotFoundError(watchError)).toBe(true);
    expect(sim.requests).toHaveLength(2);
    expectLogFreeOf(sim, sim.apiKey);
  });

  it("honours retry_after: after the simulator's 429 the next request waits at least the hint", async () => {
    // 2 requests per second per workflow; the client's own budget is off, so it runs into the limit.
    const sim = await simulator({ rateLimits: { modelslab: { requests: 2, intervalMs: 1_000 } } });
    // 600 ms: even a slow machine makes three requests, and so meets the limit, before it ends.
    const run = sim.createExecution('modelslab', {
      ...threeSteps,
      queuedMs: 0,
      steps: [{ name: 'Text to Image', durationMs: 600 }],
    });
    const updates = await lastValueFrom(
      client(sim).watch({ workflowId: WORKFLOW, executionId: run.executionId }).pipe(toArray()),
    );

    expect(updates.at(-1)!.snapshot.status).toBe('completed');
    expectNoChangeLost(updates, { status: 'completed', steps: { 'Text to Image': 'completed' } });
    const gaps = gapsAfter429(sim);
    expect(gaps.length).toBeGreaterThan(0);
    // Within a 1 s window the simulator's hint is always `retry_after: 1`. Node timers may fire
    // up to a millisecond early by the wall clock, hence the 2 ms of slack.
    for (const { gapMs } of gaps) expect(gapMs).toBeGreaterThanOrEqual(998);
  });

  it('stays within its own budget: a client limited like the simulator is never refused', async () => {
    const sim = await simulator({ rateLimits: { modelslab: { requests: 2, intervalMs: 1_000 } } });
    const run = sim.createExecution('modelslab', {
      ...threeSteps,
      queuedMs: 0,
      steps: [{ name: 'Text to Image', durationMs: 1_200 }],
    });
    // The very window the simulator enforces, no slack: the client holds each slot until a
    // window after the response ends, so the simulator, counting at arrival, never sees more.
    const c = client(sim, { rateLimit: { requests: 2, intervalMs: 1_000 } });
    const final = await waitForTerminal(c.watch({ workflowId: WORKFLOW, executionId: run.executionId }));

    expect(final.status).toBe('completed');
    expect(sim.requests.filter((r) => r.status === 429)).toEqual([]);
    expect(sim.requests.length).toBeGreaterThan(2);
  });

  it('rides out seeded chaos and still sees every change, ending in the right state', async () => {
    const sim = await simulator({
      // Seed 170 makes the first four requests a drop, a 5xx, a 429 and a malformed body, in some
      // order: the watch cannot end before them, so the set of faults checked below is certain.
      seed: 170,
      // A 429 hint of 0 s keeps the test fast; the hint itself is tested above.
      chaos: {
        errorRate: 0.25,
        malformedRate: 0.25,
        dropRate: 0.2,
        rateLimitRate: 0.25,
        retryAfterSeconds: 0,
        latencyMs: [0, 10],
      },
    });
    const run = sim.createExecution('modelslab', threeSteps);
    const updates: ExecutionUpdate[] = await lastValueFrom(
      client(sim)
        .watch({ workflowId: WORKFLOW, executionId: run.executionId }, { backoff: { maxRetries: Infinity } })
        .pipe(toArray()),
    );

    expectNoChangeLost(updates, {
      status: 'completed',
      steps: { 'Text to Image': 'completed', 'Image Upscaler': 'completed', 'Face Enhancer': 'completed' },
    });
    const faults = new Set(sim.requests.map((r) => r.chaos).filter(Boolean));
    expect(faults).toEqual(new Set(['drop', 'error', 'malformed', 'rate-limit']));
    expectLogFreeOf(sim, sim.apiKey);
  });
});
