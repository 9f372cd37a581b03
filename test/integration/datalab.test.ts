// The Datalab client against the simulator, over real HTTP on 127.0.0.1.
import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it, vi } from 'vitest';
import {
  datalab,
  isAuthenticationError,
  isHttpError,
  isNotFoundError,
  type ExecutionUpdate,
  type StepChange,
} from '../../src/index.js';
import type { Simulator } from '../../src/testing/index.js';
import {
  FAST,
  expectErrorFreeOf,
  expectLogFreeOf,
  expectNoChangeLost,
  gapsAfter429,
  rejection,
  simulator,
} from './support.js';

const WORKFLOW = '417';

function client(sim: Simulator, extra: Partial<Parameters<typeof datalab>[0]> = {}) {
  return datalab({ apiKey: sim.apiKey, baseUrl: sim.baseUrls.datalab, backoff: FAST, ...extra });
}

const PARSED = { pages: 3, text: 'Invoice 2025-117' };
const EXTRACTED = { total: '1,250.00 EUR', due: '2025-11-30' };

const parseThenExtract = {
  workflowId: WORKFLOW,
  queuedMs: 50,
  steps: [
    { name: 'parse', durationMs: 80, output: PARSED },
    { name: 'extract', durationMs: 80, output: EXTRACTED },
  ],
};

const outputChanges = (updates: readonly ExecutionUpdate[]): StepChange[] =>
  updates
    .flatMap((u) => u.changes)
    .filter((c): c is Extract<StepChange, { type: 'step-output' }> => c.type === 'step-output');

describe('datalab client against the simulator', () => {
  it('watches an execution to COMPLETED and resolves each output without the key', async () => {
    const sim = await simulator();
    const run = sim.createExecution('datalab', parseThenExtract);
    const updates = await lastValueFrom(
      client(sim).watch(Number(run.executionId), { resolveOutputs: true }).pipe(toArray()),
    );

    const last = updates.at(-1)!.snapshot;
    expect(last).toMatchObject({
      provider: 'datalab',
      executionId: run.executionId,
      workflowId: WORKFLOW,
      status: 'completed',
    });
    expect(last.completedAt).toMatch(/Z$/);
    expectNoChangeLost(updates, { status: 'completed', steps: { parse: 'completed', extract: 'completed' } });
    expect(last.steps.map((s) => [s.key, s.output])).toEqual([
      ['parse', PARSED],
      ['extract', EXTRACTED],
    ]);
    // Each output arrives as a step-output change carrying the downloaded JSON.
    const resolved = outputChanges(updates).filter((c) => c.step.output !== undefined);
    expect(resolved.map((c) => [c.step.key, c.step.output])).toEqual([
      ['parse', PARSED],
      ['extract', EXTRACTED],
    ]);

    const downloads = sim.requests.filter((r) => r.endpoint === 'output');
    expect(downloads.length).toBe(2); // once per step, not once per poll
    for (const entry of downloads) {
      expect(entry).toMatchObject({
        method: 'GET',
        status: 200,
        auth: 'missing',
        provider: 'datalab',
        executionId: run.executionId,
      });
      expect(entry.query['signature']).toBe('[REDACTED]');
    }
    expect(sim.requests.filter((r) => r.endpoint === 'status').every((r) => r.auth === 'ok')).toBe(true);
    expectLogFreeOf(sim, sim.apiKey);
  });

  it("watches an execution to FAILED; the failed step's output holds the message", async () => {
    const sim = await simulator();
    const run = sim.createExecution('datalab', {
      ...parseThenExtract,
      steps: [
        { name: 'parse', durationMs: 80 },
        { name: 'extract', durationMs: 80, fails: true, error: 'Could not read page 3' },
        { name: 'summarize', durationMs: 80 },
      ],
    });
    const c = client(sim);
    const updates = await lastValueFrom(c.watch(run.executionId).pipe(toArray()));

    const last = updates.at(-1)!.snapshot;
    expect(last).toMatchObject({
      status: 'failed',
      rawStatus: 'FAILED',
      error: { message: 'Step(s) failed: extract' },
    });
    expectNoChangeLost(updates, {
      status: 'failed',
      steps: { parse: 'completed', extract: 'failed', summarize: 'pending' },
    });

    // Datalab's status body says only FAILED; the step's presigned output says why.
    const failed = last.steps.find((s) => s.key === 'extract')!;
    expect(await c.stepOutput(failed)).toEqual({
      execution_id: Number(run.executionId),
      unique_name: 'extract',
      error: 'Could not read page 3',
    });
    expect(sim.requests.at(-1)).toMatchObject({ endpoint: 'output', status: 200, auth: 'missing' });
  });

  it('shows a cancelled execution as FAILED, as Datalab has no cancelled state', async () => {
    const sim = await simulator();
    const run = sim.createExecution('datalab', {
      workflowId: WORKFLOW,
      queuedMs: 0,
      cancelAfterMs: 100,
      steps: [{ name: 'parse', durationMs: 60_000 }],
    });
    const updates = await lastValueFrom(client(sim).watch(run.executionId).pipe(toArray()));
    expect(updates.at(-1)!.snapshot.status).toBe('failed');
    expectNoChangeLost(updates, { status: 'failed', steps: { parse: 'failed' } });
  });

  it('watches the nested step form, one step per file, keyed unique_name/file_key', async () => {
    const sim = await simulator();
    const run = sim.createExecution('datalab', {
      workflowId: WORKFLOW,
      queuedMs: 30,
      nested: ['invoice_pdf', 'receipt_png'],
      steps: [
        { name: 'parse', durationMs: 60, output: PARSED },
        { name: 'extract', durationMs: 60, output: EXTRACTED },
      ],
    });
    const updates = await lastValueFrom(client(sim).watch(run.executionId, { resolveOutputs: true }).pipe(toArray()));

    expectNoChangeLost(updates, {
      status: 'completed',
      steps: {
        'parse/invoice_pdf': 'completed',
        'parse/receipt_png': 'completed',
        'extract/invoice_pdf': 'completed',
        'extract/receipt_png': 'completed',
      },
    });
    const last = updates.at(-1)!.snapshot;
    expect(last.steps.map((s) => [s.key, s.name, s.output])).toEqual([
      ['parse/invoice_pdf', 'parse', PARSED],
      ['parse/receipt_png', 'parse', PARSED],
      ['extract/invoice_pdf', 'extract', EXTRACTED],
      ['extract/receipt_png', 'extract', EXTRACTED],
    ]);
    const downloads = sim.requests.filter((r) => r.endpoint === 'output');
    expect(downloads).toHaveLength(4);
    expect(downloads.every((r) => r.auth === 'missing' && r.status === 200)).toBe(true);
  });

  it('executes and watches: the POST goes out at subscription, not before', async () => {
    const sim = await simulator({
      defaultScript: {
        queuedMs: 30,
        steps: [
          { name: 'parse', durationMs: 60 },
          { name: 'segment', durationMs: 60 },
        ],
      },
    });
    const fetchSpy = vi.fn(globalThis.fetch);
    const c = client(sim, { fetch: fetchSpy });
    const input = { type: 'single_file', file_url: 'https://files.example/invoice.pdf' };
    const run$ = c.runAndWatch(Number(WORKFLOW), input);

    await fetch(sim.url); // a round trip: an eager POST would have been logged by now
    expect(fetchSpy).not.toHaveBeenCalled();
    expect(sim.requests.map((r) => r.endpoint)).toEqual(['index']);

    const updates = await lastValueFrom(run$.pipe(toArray()));
    expect(sim.requests.filter((r) => r.endpoint === 'execute')).toEqual([
      expect.objectContaining({
        method: 'POST',
        status: 200,
        auth: 'ok',
        path: `/datalab/api/v1/workflows/workflows/${WORKFLOW}/execute`,
      }),
    ]);
    const [execution] = sim.executions('datalab');
    expect(execution!.workflowId).toBe(WORKFLOW);
    expect(updates.at(-1)!.snapshot).toMatchObject({ executionId: execution!.executionId, status: 'completed' });
    expectNoChangeLost(updates, { status: 'completed', steps: { parse: 'completed', segment: 'completed' } });

    // execute() alone starts another and returns its id as a string.
    const started = await c.execute(WORKFLOW, { type: 'file_list', file_urls: ['https://files.example/a.pdf'] });
    expect(started).toEqual({ executionId: sim.executions('datalab')[1]!.executionId });
  });

  it('rejects a wrong key with an AuthenticationError that never carries the key', async () => {
    const sim = await simulator();
    const run = sim.createExecution('datalab', parseThenExtract);
    const wrongKey = 'dl-wrong-key-0b7d51e2c9';
    const c = client(sim, { apiKey: wrongKey });

    const error = await rejection(c.get(run.executionId));
    expect(isAuthenticationError(error)).toBe(true);
    expect(error).toMatchObject({ provider: 'datalab', status: 401, executionId: run.executionId });
    expect((error as Error).message).toContain('Invalid API key');
    expectErrorFreeOf(error, wrongKey);

    const watchError = await rejection(lastValueFrom(c.watch(run.executionId)));
    expect(isAuthenticationError(watchError)).toBe(true);
    expectErrorFreeOf(watchError, wrongKey);
    expect(sim.requests.map((r) => [r.status, r.auth])).toEqual([
      [401, 'invalid'],
      [401, 'invalid'],
    ]);
    expectLogFreeOf(sim, wrongKey);
  });

  it('rejects an unknown execution with a NotFoundError, and a malformed id with the 422', async () => {
    const sim = await simulator();
    const c = client(sim);
    const error = await rejection(c.get(4040));
    expect(isNotFoundError(error)).toBe(true);
    expect(error).toMatchObject({ provider: 'datalab', status: 404, executionId: '4040' });
    expect((error as Error).message).toContain('Execution not found');
    expectErrorFreeOf(error, sim.apiKey);

    const invalid = await rejection(lastValueFrom(c.watch('not-a-number')));
    expect(isHttpError(invalid) && invalid.status).toBe(422);
    expect((invalid as Error).message).toContain('path.execution_id');
    expect(sim.requests).toHaveLength(2);
    expectLogFreeOf(sim, sim.apiKey);
  });

  it('says clearly when a presigned output URL has expired, and a fresh one works', async () => {
    let now = Date.parse('2025-10-22T10:00:00Z');
    const sim = await simulator({ now: () => now, outputUrlTtlMs: 1_000 });
    const run = sim.createExecution('datalab', {
      workflowId: WORKFLOW,
      queuedMs: 0,
      steps: [{ name: 'parse', durationMs: 500, output: PARSED }],
    });
    const c = client(sim);
    now += 600; // completed

    const snapshot = await c.get(run.executionId);
    const step = snapshot.steps[0]!;
    expect(step.outputUrl).toMatch(
      /^http:\/\/127\.0\.0\.1:\d+\/outputs\/datalab\/.+\?expires=\d+&signature=[0-9a-f]{64}$/,
    );
    expect(await c.stepOutput(step)).toEqual(PARSED);

    now += 1_000; // the URL's lifetime is over
    const error = await rejection(c.stepOutput(step));
    expect(isAuthenticationError(error)).toBe(true);
    expect(error).toMatchObject({ provider: 'datalab', status: 403, retryable: false });
    expect((error as Error).message).toMatch(/output URL has expired.*fetch the execution again/);
    expectErrorFreeOf(error, sim.apiKey);
    expect(sim.requests.at(-1)).toMatchObject({ endpoint: 'output', status: 403, auth: 'missing' });

    const fresh = (await c.get(run.executionId)).steps[0]!;
    expect(fresh.outputUrl).not.toBe(step.outputUrl);
    expect(await c.stepOutput(fresh)).toEqual(PARSED);
    expect(sim.requests.filter((r) => r.endpoint === 'output').map((r) => r.auth)).toEqual([
      'missing',
      'missing',
      'missing',
    ]);
  });

  it("honours Retry-After: after the simulator's 429 the next request waits at least the hint", async () => {
    // 2 requests per second; the client's own budget is off, so it runs into the limit.
    const sim = await simulator({ rateLimits: { datalab: { requests: 2, intervalMs: 1_000 } } });
    // 600 ms: even a slow machine makes three requests, and so meets the limit, before it ends.
    const run = sim.createExecution('datalab', {
      workflowId: WORKFLOW,
      queuedMs: 0,
      steps: [{ name: 'parse', durationMs: 600 }],
    });
    const updates = await lastValueFrom(client(sim, { rateLimit: false }).watch(run.executionId).pipe(toArray()));

    expectNoChangeLost(updates, { status: 'completed', steps: { parse: 'completed' } });
    const gaps = gapsAfter429(sim);
    expect(gaps.length).toBeGreaterThan(0);
    // Within a 1 s window the simulator sends `Retry-After: 1`; 2 ms of slack for early timers.
    for (const { gapMs } of gaps) expect(gapMs).toBeGreaterThanOrEqual(998);
  });

  it('rides out seeded chaos and still sees every change, ending in the right state', async () => {
    const sim = await simulator({
      // Seed 369 makes the first four requests a drop, a 5xx, a 429 and a malformed body, in some
      // order: the watch cannot end before them, so the set of faults checked below is certain.
      seed: 369,
      chaos: {
        errorRate: 0.25,
        malformedRate: 0.25,
        dropRate: 0.2,
        rateLimitRate: 0.25,
        retryAfterSeconds: 0,
        latencyMs: [0, 10],
      },
    });
    const run = sim.createExecution('datalab', {
      ...parseThenExtract,
      steps: [...parseThenExtract.steps, { name: 'summarize', durationMs: 80 }],
    });
    const updates = await lastValueFrom(
      client(sim)
        .watch(run.executionId, { backoff: { maxRetries: Infinity } })
        .pipe(toArray()),
    );

    expectNoChangeLost(updates, {
      status: 'completed',
      steps: { parse: 'completed', extract: 'completed', summarize: 'completed' },
    });
    const faults = new Set(sim.requests.map((r) => r.chaos).filter(Boolean));
    expect(faults).toEqual(new Set(['drop', 'error', 'malformed', 'rate-limit']));
    expectLogFreeOf(sim, sim.apiKey);
  });
});
