import { request as httpRequest, Agent } from 'node:http';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/testing/index.js';

const T0 = Date.parse('2025-10-22T10:00:00Z');
const ISO_Z = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
const ZONELESS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let clock = T0;
const open: Simulator[] = [];

async function start(options: SimulatorOptions = {}): Promise<Simulator> {
  clock = T0;
  const sim = await startSimulator({ now: () => clock, ...options });
  open.push(sim);
  return sim;
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((sim) => sim.close()));
});

interface Got {
  status: number;
  headers: Headers;
  body: any;
}

async function get(url: string, headers: Record<string, string> = {}): Promise<Got> {
  const res = await fetch(url, { headers });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text === '' ? undefined : JSON.parse(text) };
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Got> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text === '' ? undefined : JSON.parse(text) };
}

const twoSteps = {
  queuedMs: 1_000,
  steps: [
    { name: 'Text to Image', durationMs: 5_000 },
    { name: 'Image Upscaler', durationMs: 10_000 },
  ],
};

describe('startSimulator: ModelsLab', () => {
  it('renders the documented status body as the execution advances on the injected clock', async () => {
    const sim = await start();
    const run = sim.createExecution('modelslab', { ...twoSteps, workflowId: 'wf-uuid' });
    const url = `${sim.baseUrls.modelslab}/wf-uuid/runs/${run.executionId}`;
    const key = { key: sim.apiKey };

    let r = await get(url, key);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      status: 'success',
      execution: {
        id: Number(run.executionId),
        workflow_id: 'wf-uuid',
        status: 'pending',
        started_at: null,
        completed_at: null,
        execution_time: null,
      },
      steps: [
        { name: 'Text to Image', status: 'pending', started_at: null, completed_at: null },
        { name: 'Image Upscaler', status: 'pending', started_at: null, completed_at: null },
      ],
    });

    clock = T0 + 7_000;
    r = await get(url, key);
    expect(r.body.execution).toMatchObject({
      status: 'running',
      started_at: '2025-10-22T10:00:01Z',
      completed_at: null,
      execution_time: null,
    });
    expect(r.body.steps).toEqual([
      {
        name: 'Text to Image',
        status: 'completed',
        started_at: '2025-10-22T10:00:01Z',
        completed_at: '2025-10-22T10:00:06Z',
      },
      { name: 'Image Upscaler', status: 'running', started_at: '2025-10-22T10:00:06Z', completed_at: null },
    ]);
    expect(r.body).not.toHaveProperty('output');

    clock = T0 + 60_000;
    r = await get(url, key);
    expect(Object.keys(r.body)).toEqual(['status', 'execution', 'output', 'steps']);
    expect(r.body.execution).toMatchObject({
      status: 'completed',
      completed_at: '2025-10-22T10:00:16Z',
      execution_time: 15,
    });
    expect(r.body.output.status).toBe('success');
    expect(r.body.output.output).toEqual([expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/files\//)]);
    expect(r.body.output.proxy_links).toHaveLength(1);
    const image = await fetch(r.body.output.output[0]);
    expect(image.headers.get('content-type')).toBe('image/png');
  });

  it('fails at the failing step, with `error`, and leaves later steps pending', async () => {
    const sim = await start();
    const run = sim.createExecution('modelslab', {
      steps: [
        { name: 'Text to Image', durationMs: 1_000, fails: true, error: 'Image generation failed: Invalid prompt' },
        { name: 'Image Upscaler', durationMs: 1_000 },
      ],
    });
    clock = T0 + 5_000;
    const r = await get(`${sim.baseUrls.modelslab}/${run.workflowId}/runs/${run.executionId}`, { key: sim.apiKey });
    expect(r.body.execution).toMatchObject({ status: 'failed', execution_time: 1 });
    expect(r.body.error).toBe('Image generation failed: Invalid prompt');
    expect(r.body.steps.map((s: { status: string }) => s.status)).toEqual(['failed', 'pending']);
    expect(r.body).not.toHaveProperty('output');
  });

  it('runs a workflow with POST /{workflow_id}/run: 202 and a status_url that answers', async () => {
    const sim = await start({ defaultScript: { queuedMs: 0, steps: [{ name: 'Only', durationMs: 1_000 }] } });
    const r = await post(
      `${sim.baseUrls.modelslab}/wf-7/run`,
      { prompt: 'a cat', webhook: 'https://example.com/hook' },
      { key: sim.apiKey },
    );
    expect(r.status).toBe(202);
    expect(r.body).toEqual({
      status: 'success',
      message: expect.any(String),
      execution_id: expect.any(Number),
      workflow_id: 'wf-7',
      status_url: `${sim.baseUrls.modelslab}/wf-7/runs/${r.body.execution_id}`,
      webhook_url: 'https://example.com/hook',
    });
    const status = await get(r.body.status_url, { key: sim.apiKey });
    expect(status.body.execution).toMatchObject({ id: r.body.execution_id, status: 'running' });
    expect(status.body.steps).toEqual([expect.objectContaining({ name: 'Only' })]);
  });

  it('cancels: 200 while running, the status turns cancelled, 400 once finished, 404 when unknown', async () => {
    const sim = await start();
    const run = sim.createExecution('modelslab', twoSteps);
    const base = `${sim.baseUrls.modelslab}/${run.workflowId}/runs`;
    clock = T0 + 3_000;
    const ok = await post(`${base}/${run.executionId}/cancel`, undefined, { key: sim.apiKey });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ status: 'success', message: expect.any(String) });
    clock = T0 + 4_000;
    const r = await get(`${base}/${run.executionId}`, { key: sim.apiKey });
    expect(r.body.execution).toMatchObject({ status: 'cancelled', completed_at: '2025-10-22T10:00:03Z' });
    expect(r.body.steps.map((s: { status: string }) => s.status)).toEqual(['cancelled', 'pending']);

    const again = await post(`${base}/${run.executionId}/cancel`, undefined, { key: sim.apiKey });
    expect(again.status).toBe(400);
    expect(again.body).toEqual({ status: 'error', message: expect.any(String) });
    const unknown = await post(`${base}/999999/cancel`, undefined, { key: sim.apiKey });
    expect(unknown.status).toBe(404);
  });

  it('answers 404 for another workflow id and for an unknown execution', async () => {
    const sim = await start();
    const run = sim.createExecution('modelslab', twoSteps);
    for (const path of [`/other/runs/${run.executionId}`, `/${run.workflowId}/runs/1`, `/${run.workflowId}/runs/abc`]) {
      const r = await get(`${sim.baseUrls.modelslab}${path}`, { key: sim.apiKey });
      expect(r.status).toBe(404);
      expect(r.body).toEqual({ status: 'error', message: 'Execution not found' });
    }
  });
});

describe('startSimulator: EachLabs', () => {
  it('renders the documented execution body on the legacy host as it advances', async () => {
    const sim = await start();
    const run = sim.createExecution('eachlabs', {
      queuedMs: 500,
      inputs: { prompt: 'A majestic mountain landscape' },
      steps: [
        { name: 'step1', durationMs: 1_000, output: 'A breathtaking panoramic view...' },
        { name: 'step2', durationMs: 1_000, output: ['https://storage.googleapis.com/uploads/image1.png'] },
      ],
    });
    expect(run.executionId).toMatch(UUID);
    const url = `${sim.baseUrls.eachlabs}/executions/${run.executionId}`;
    const key = { 'x-api-key': sim.apiKey };

    let r = await get(url, key);
    expect(r.body).toMatchObject({
      execution_id: run.executionId,
      workflow_id: run.workflowId,
      status: 'queued',
      completed_at: null,
    });
    expect(r.body.started_at).toMatch(ISO_Z);
    expect(r.body.step_outputs.step1.status).toBe('queued');

    clock = T0 + 1_000;
    r = await get(url, key);
    expect(r.body.status).toBe('running');
    expect(r.body.step_outputs.step1).toMatchObject({
      step_id: 'step1',
      status: 'running',
      output: null,
      completed_at: null,
    });
    expect(r.body).not.toHaveProperty('output');

    clock = T0 + 10_000;
    r = await get(url, key);
    expect(r.body).toMatchObject({
      status: 'completed',
      started_at: '2025-10-22T10:00:00Z',
      completed_at: '2025-10-22T10:00:02Z',
      inputs: { prompt: 'A majestic mountain landscape' },
      output: ['https://storage.googleapis.com/uploads/image1.png'],
    });
    expect(r.body.step_outputs.step2).toEqual({
      step_id: 'step2',
      status: 'completed',
      started_at: '2025-10-22T10:00:01Z',
      completed_at: '2025-10-22T10:00:02Z',
      output: ['https://storage.googleapis.com/uploads/image1.png'],
      primary: 'https://storage.googleapis.com/uploads/image1.png',
      metadata: expect.objectContaining({ model: expect.any(String), version: '0.0.1' }),
    });
    expect(r.body).not.toHaveProperty('error');
  });

  it('fails with `error` and `error_cause`', async () => {
    const sim = await start();
    const run = sim.createExecution('eachlabs', {
      queuedMs: 0,
      steps: [
        { name: 's1', durationMs: 100, fails: true, error: 'NSFW content detected' },
        { name: 's2', durationMs: 100 },
      ],
    });
    clock = T0 + 1_000;
    const r = await get(`${sim.baseUrls.eachlabs}/executions/${run.executionId}`, { 'x-api-key': sim.apiKey });
    expect(r.body).toMatchObject({ status: 'failed', error: expect.any(String), error_cause: 'NSFW content detected' });
    expect(r.body.step_outputs.s1.status).toBe('failed');
    expect(r.body.step_outputs.s2.status).toBe('queued');
  });

  it('serves the current host with Bearer (or X-API-Key) auth and its extra fields', async () => {
    const sim = await start();
    const run = sim.createExecution('eachlabs', {
      queuedMs: 0,
      versionId: 'v3',
      steps: [{ name: 's1', durationMs: 100 }],
    });
    clock = T0 + 1_000;
    const url = `${sim.baseUrls.eachlabsCurrent}/executions/${run.executionId}`;
    const r = await get(url, { authorization: `Bearer ${sim.apiKey}` });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      version_id: 'v3',
      status: 'completed',
      total_cost: expect.any(Number),
      workflow_output: r.body.output,
    });
    expect(r.body.step_outputs.s1.kind).toBe('model');
    expect((await get(url, { 'x-api-key': sim.apiKey })).status).toBe(200);
    expect((await get(url, { authorization: 'Bearer nope' })).status).toBe(401);
  });

  it('triggers on both hosts: 202 with the documented replies', async () => {
    const sim = await start();
    const legacy = await post(
      `${sim.baseUrls.eachlabs}/wf-1/trigger`,
      { version_id: 'v2', inputs: { prompt: 'x' } },
      { 'x-api-key': sim.apiKey },
    );
    expect(legacy.status).toBe(202);
    expect(legacy.body).toEqual({
      execution_id: expect.stringMatching(UUID),
      status: expect.stringMatching(/^(queued|running)$/),
      started_at: '2025-10-22T10:00:00Z',
    });
    expect(sim.execution('eachlabs', legacy.body.execution_id)).toMatchObject({ workflowId: 'wf-1', versionId: 'v2' });

    const current = await post(
      `${sim.baseUrls.eachlabsCurrent}/trigger/wf-1/v9`,
      { inputs: { prompt: 'y' } },
      { authorization: `Bearer ${sim.apiKey}` },
    );
    expect(current.status).toBe(202);
    expect(current.body).toEqual({ execution_id: expect.stringMatching(UUID), status: 'queued' });
    const r = await get(`${sim.baseUrls.eachlabs}/executions/${current.body.execution_id}`, {
      'x-api-key': sim.apiKey,
    });
    expect(r.body.inputs).toEqual({ prompt: 'y' });

    const bad = await post(`${sim.baseUrls.eachlabs}/wf-1/trigger`, { inputs: 'nope' }, { 'x-api-key': sim.apiKey });
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ error: 'inputs must be an object' });
    expect(bad.headers.get('x-request-id')).toBeTruthy();
  });

  it('lists with bulk_id, offset, limit and total_count', async () => {
    const sim = await start();
    const bulk = await post(
      `${sim.baseUrls.eachlabsCurrent}/bulk-trigger/wf-b/v1`,
      { inputs: [{ n: 1 }, { n: 2 }, { n: 3 }] },
      { authorization: `Bearer ${sim.apiKey}` },
    );
    expect(bulk.status).toBe(202);
    expect(bulk.body.bulk_id).toMatch(UUID);
    expect(bulk.body.executions).toEqual(
      [1, 2, 3].map(() => ({ execution_id: expect.stringMatching(UUID), status: 'queued' })),
    );
    for (let i = 0; i < 4; i++) sim.createExecution('eachlabs', { workflowId: 'wf-b' });
    sim.createExecution('eachlabs', { workflowId: 'wf-other' });

    const key = { 'x-api-key': sim.apiKey };
    const all = await get(`${sim.baseUrls.eachlabs}/workflows/wf-b/executions`, key);
    expect(all.body.total_count).toBe(7);
    expect(all.body.executions).toHaveLength(7);
    expect(all.body.offset).toBe(7);
    expect(Object.keys(all.body.executions[0])).toEqual([
      'execution_id',
      'flow_id',
      'flow_name',
      'version_id',
      'status',
      'started_at',
      'created_at',
      'updated_at',
    ]);
    expect(all.body.executions[0]).toMatchObject({ flow_id: 'wf-b', version_id: 'v1' });

    const page = await get(`${sim.baseUrls.eachlabs}/workflows/wf-b/executions?offset=2&limit=3`, key);
    expect(page.body.executions.map((e: { execution_id: string }) => e.execution_id)).toEqual(
      all.body.executions.slice(2, 5).map((e: { execution_id: string }) => e.execution_id),
    );
    expect(page.body).toMatchObject({ offset: 5, total_count: 7 });

    const byBulk = await get(
      `${sim.baseUrls.eachlabsCurrent}/wf-b/executions?bulk_id=${bulk.body.bulk_id}&limit=2`,
      key,
    );
    expect(byBulk.body).toMatchObject({ offset: 2, total_count: 3 });
    expect(byBulk.body.executions.map((e: { execution_id: string }) => e.execution_id)).toEqual(
      bulk.body.executions.slice(0, 2).map((e: { execution_id: string }) => e.execution_id),
    );

    clock = T0 + 3_600_000;
    const done = await get(`${sim.baseUrls.eachlabs}/workflows/wf-b/executions?limit=1`, key);
    expect(done.body.executions[0].ended_at).toMatch(ISO_Z);

    expect((await get(`${sim.baseUrls.eachlabs}/workflows/wf-b/executions?limit=101`, key)).status).toBe(400);
    expect((await get(`${sim.baseUrls.eachlabs}/workflows/wf-b/executions?bulk_id=not-a-uuid`, key)).body).toEqual({
      error: 'invalid bulk_id format',
    });
    const missing = await get(`${sim.baseUrls.eachlabs}/workflows/nope/executions`, key);
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ error: 'workflow not found' });
  });
});

describe('startSimulator: Datalab', () => {
  it('renders the documented body: integer ids, upper-case statuses, zone-less times', async () => {
    const sim = await start();
    const run = sim.createExecution('datalab', {
      queuedMs: 1_000,
      steps: [
        { name: 'parse', durationMs: 120_000 },
        { name: 'extract', durationMs: 60_000 },
        { name: 'segment', durationMs: 60_000 },
      ],
    });
    const url = `${sim.baseUrls.datalab}/executions/${run.executionId}`;
    const key = { 'x-api-key': sim.apiKey };

    let r = await get(url, key);
    expect(r.body).toEqual({
      execution_id: Number(run.executionId),
      workflow_id: Number(run.workflowId),
      status: 'QUEUED',
      created: '2025-10-22T10:00:00',
      updated: '2025-10-22T10:00:00',
      steps: { parse: { status: 'PENDING' }, extract: { status: 'PENDING' }, segment: { status: 'PENDING' } },
    });

    clock = T0 + 150_000;
    r = await get(url, key);
    expect(r.body.status).toBe('IN_PROGRESS');
    expect(r.body.updated).toBe('2025-10-22T10:02:01');
    expect(r.body.steps).toEqual({
      parse: {
        status: 'COMPLETED',
        started_at: '2025-10-22T10:00:01',
        completed_at: '2025-10-22T10:02:01',
        output_url: expect.any(String),
      },
      extract: { status: 'IN_PROGRESS', started_at: '2025-10-22T10:02:01' },
      segment: { status: 'PENDING' },
    });
    for (const time of [r.body.created, r.body.updated, r.body.steps.parse.started_at]) expect(time).toMatch(ZONELESS);

    clock = T0 + 3_600_000;
    r = await get(url, key);
    expect(r.body.status).toBe('COMPLETED');
  });

  it('renders the nested step form when the script asks', async () => {
    const sim = await start();
    const run = sim.createExecution('datalab', {
      queuedMs: 0,
      nested: ['a.pdf', 'aggregated'],
      steps: [
        { name: 'parse', durationMs: 100 },
        { name: 'extract', durationMs: 100_000 },
      ],
    });
    clock = T0 + 200;
    const r = await get(`${sim.baseUrls.datalab}/executions/${run.executionId}`, { 'x-api-key': sim.apiKey });
    expect(r.body.steps).toEqual({
      parse: {
        'a.pdf': { status: 'COMPLETED', output_url: expect.any(String) },
        aggregated: { status: 'COMPLETED', output_url: expect.any(String) },
      },
      extract: { 'a.pdf': { status: 'IN_PROGRESS' }, aggregated: { status: 'IN_PROGRESS' } },
    });
    const output = await get(r.body.steps.parse['a.pdf'].output_url);
    expect(output.status).toBe(200);
    expect(output.body).toMatchObject({ unique_name: 'parse', file_key: 'a.pdf' });
  });

  it('executes a workflow, and answers FastAPI 422s for bad input', async () => {
    const sim = await start();
    const key = { 'x-api-key': sim.apiKey };
    const r = await post(
      `${sim.baseUrls.datalab}/workflows/456/execute`,
      { input_config: { type: 'single_file', file_url: 'https://x/a.pdf' } },
      key,
    );
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      execution_id: expect.any(Number),
      workflow_id: 456,
      status: expect.stringMatching(/^(QUEUED|IN_PROGRESS)$/),
    });
    expect(sim.execution('datalab', r.body.execution_id)?.workflowId).toBe('456');

    const missing = await post(`${sim.baseUrls.datalab}/workflows/456/execute`, {}, key);
    expect(missing.status).toBe(422);
    expect(missing.body.detail).toEqual([
      expect.objectContaining({ loc: ['body', 'input_config'], msg: 'Field required', type: 'missing' }),
    ]);
    const notInt = await get(`${sim.baseUrls.datalab}/executions/abc`, key);
    expect(notInt.status).toBe(422);
    expect(notInt.body.detail[0]).toMatchObject({
      loc: ['path', 'execution_id'],
      type: 'int_parsing',
      msg: expect.any(String),
    });
    const notJson = await post(`${sim.baseUrls.datalab}/workflows/456/execute`, '{oops', key);
    expect(notJson.status).toBe(422);
  });

  it('serves output_url as JSON without the key, signs it afresh each time, and 403s once expired or tampered with', async () => {
    const sim = await start({ outputUrlTtlMs: 30_000 });
    const run = sim.createExecution('datalab', {
      queuedMs: 0,
      steps: [
        { name: 'parse', durationMs: 1_000, output: { pages: 3 } },
        { name: 'extract', durationMs: 1_000, fails: true },
      ],
    });
    clock = T0 + 5_000;
    const status = async (): Promise<Got> =>
      get(`${sim.baseUrls.datalab}/executions/${run.executionId}`, { 'x-api-key': sim.apiKey });
    const first = (await status()).body.steps;
    const url = new URL(first.parse.output_url as string);
    expect(url.origin).toBe(sim.url);
    expect(url.searchParams.get('expires')).toBe(String(T0 + 35_000));

    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ pages: 3 });
    const failed = await get(first.extract.output_url);
    expect(failed.body).toMatchObject({ error: 'extract failed: simulated failure' });
    expect(sim.requests.filter((r) => r.endpoint === 'output').map((r) => r.auth)).toEqual(['missing', 'missing']);

    const tampered = new URL(url);
    tampered.searchParams.set('expires', String(T0 + 999_999));
    expect((await fetch(tampered)).status).toBe(403);

    clock = T0 + 40_000;
    const expired = await fetch(url);
    expect(expired.status).toBe(403);
    expect(await expired.text()).toContain('expired');
    const fresh = (await status()).body.steps.parse.output_url as string;
    expect(fresh).not.toBe(url.href);
    expect((await fetch(fresh)).status).toBe(200);
  });
});

describe('startSimulator: auth and unknown ids', () => {
  it("answers 401 with each provider's body, for a missing key and a wrong one, never echoing the key", async () => {
    const sim = await start();
    const cases: [string, Record<string, string>, unknown][] = [
      [`${sim.baseUrls.modelslab}/wf/runs/1`, {}, { status: 'error', message: expect.any(String) }],
      [
        `${sim.baseUrls.modelslab}/wf/runs/1`,
        { key: 'wrong-key-123' },
        { status: 'error', message: expect.any(String) },
      ],
      [`${sim.baseUrls.eachlabs}/executions/x`, {}, { error: 'Invalid or missing API key' }],
      [
        `${sim.baseUrls.eachlabs}/executions/x`,
        { 'x-api-key': 'wrong-key-123' },
        { error: 'Invalid or missing API key' },
      ],
      [
        `${sim.baseUrls.eachlabsCurrent}/executions/x`,
        { authorization: 'Bearer wrong-key-123' },
        { error: 'Invalid or missing API key' },
      ],
      [`${sim.baseUrls.datalab}/executions/1`, {}, { detail: expect.any(String) }],
      [`${sim.baseUrls.datalab}/executions/1`, { 'x-api-key': 'wrong-key-123' }, { detail: expect.any(String) }],
      // Each provider checks its own header: another provider's header does not count.
      [`${sim.baseUrls.datalab}/executions/1`, { key: sim.apiKey }, { detail: expect.any(String) }],
    ];
    for (const [url, headers, body] of cases) {
      const res = await fetch(url, { headers });
      const text = await res.text();
      expect(res.status, url).toBe(401);
      expect(JSON.parse(text)).toEqual(body);
      expect(text).not.toContain('wrong-key-123');
    }
    expect(sim.requests.map((r) => r.auth)).toEqual([
      'missing',
      'invalid',
      'missing',
      'invalid',
      'invalid',
      'missing',
      'invalid',
      'missing',
    ]);
    expect(sim.requests.filter((r) => r.provider === 'eachlabs').every((r) => r.requestId !== undefined)).toBe(true);
  });

  it("answers 404 with each provider's body for unknown ids", async () => {
    const sim = await start();
    const m = await get(`${sim.baseUrls.modelslab}/wf/runs/424242`, { key: sim.apiKey });
    expect([m.status, m.body]).toEqual([404, { status: 'error', message: 'Execution not found' }]);
    const e = await get(`${sim.baseUrls.eachlabs}/executions/69ae8c7b-7500-4a45-b7c0-348b8cc2665b`, {
      'x-api-key': sim.apiKey,
    });
    expect([e.status, e.body]).toEqual([404, { error: 'execution not found' }]);
    expect(e.headers.get('x-request-id')).toMatch(/\S/);
    const d = await get(`${sim.baseUrls.datalab}/executions/424242`, { 'x-api-key': sim.apiKey });
    expect([d.status, d.body]).toEqual([404, { detail: 'Execution not found' }]);
  });
});

describe('startSimulator: rate limits', () => {
  it('limits ModelsLab per workflow with `retry_after` in the body and no header', async () => {
    const sim = await start({ rateLimits: { modelslab: { requests: 2, intervalMs: 60_000 } } });
    const a = sim.createExecution('modelslab', { workflowId: 'wf-a' });
    const b = sim.createExecution('modelslab', { workflowId: 'wf-b' });
    const poll = (run: typeof a): Promise<Got> =>
      get(`${sim.baseUrls.modelslab}/${run.workflowId}/runs/${run.executionId}`, { key: sim.apiKey });
    expect((await poll(a)).status).toBe(200);
    clock = T0 + 20_000;
    expect((await poll(a)).status).toBe(200);
    const limited = await poll(a);
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({ status: 'error', message: expect.any(String), retry_after: 40 });
    expect(limited.headers.get('retry-after')).toBeNull();
    expect((await poll(b)).status).toBe(200);
    clock = T0 + 60_000;
    expect((await poll(a)).status).toBe(200);
    expect(sim.requests.map((r) => r.rateLimited)).toEqual([false, false, true, false, false]);
  });

  it('limits EachLabs and Datalab with their bodies and a Retry-After header', async () => {
    const sim = await start({
      rateLimits: { eachlabs: { requests: 1, intervalMs: 10_000 }, datalab: { requests: 1, intervalMs: 10_000 } },
    });
    const e = sim.createExecution('eachlabs');
    const d = sim.createExecution('datalab');
    const eUrl = `${sim.baseUrls.eachlabs}/executions/${e.executionId}`;
    const dUrl = `${sim.baseUrls.datalab}/executions/${d.executionId}`;
    await get(eUrl, { 'x-api-key': sim.apiKey });
    await get(dUrl, { 'x-api-key': sim.apiKey });
    clock = T0 + 2_500;
    const el = await get(eUrl, { 'x-api-key': sim.apiKey });
    expect([el.status, el.body, el.headers.get('retry-after')]).toEqual([429, { error: expect.any(String) }, '8']);
    expect(el.headers.get('x-request-id')).toBeTruthy();
    const dl = await get(dUrl, { 'x-api-key': sim.apiKey });
    expect([dl.status, dl.body, dl.headers.get('retry-after')]).toEqual([429, { detail: expect.any(String) }, '8']);
  });
});

describe('startSimulator: chaos', () => {
  async function run(seed: number): Promise<string[]> {
    const sim = await start({ seed, chaos: { errorRate: 0.2, rateLimitRate: 0.2, malformedRate: 0.2, dropRate: 0.1 } });
    const exec = sim.createExecution('datalab');
    for (let i = 0; i < 40; i++) {
      await fetch(`${sim.baseUrls.datalab}/executions/${exec.executionId}`, { headers: { 'x-api-key': sim.apiKey } })
        .then((res) => res.text())
        .catch(() => undefined);
    }
    return sim.requests.map((r) => `${r.status}:${r.chaos ?? '-'}`);
  }

  it('replays the same faults for the same seed, and different ones for another', async () => {
    const first = await run(1234);
    const second = await run(1234);
    expect(second).toEqual(first);
    expect(new Set(first.map((s) => s.split(':')[1]))).toEqual(
      new Set(['-', 'drop', 'error', 'rate-limit', 'malformed']),
    );
    expect(await run(99)).not.toEqual(first);
  });

  it("injects 5xx with each provider's body and 429 with each provider's hint", async () => {
    const sim = await start({ chaos: { errorRate: 1 } });
    const m = await get(`${sim.baseUrls.modelslab}/wf/runs/1`, { key: sim.apiKey });
    expect([500, 502, 503]).toContain(m.status);
    expect(m.body).toEqual({ status: 'error', message: expect.any(String) });
    const e = await get(`${sim.baseUrls.eachlabs}/executions/x`, { 'x-api-key': sim.apiKey });
    expect(e.body).toEqual({ error: expect.any(String) });
    const d = await get(`${sim.baseUrls.datalab}/executions/1`, { 'x-api-key': sim.apiKey });
    expect(d.body).toEqual({ detail: expect.any(String) });

    sim.setChaos({ rateLimitRate: 1, retryAfterSeconds: 3 });
    const ml = await get(`${sim.baseUrls.modelslab}/wf/runs/1`, { key: sim.apiKey });
    expect([ml.status, ml.body.retry_after]).toEqual([429, 3]);
    const dl = await get(`${sim.baseUrls.datalab}/executions/1`, { 'x-api-key': sim.apiKey });
    expect([dl.status, dl.headers.get('retry-after')]).toEqual([429, '3']);
  });

  it('sends invalid or truncated JSON with status 200', async () => {
    const sim = await start({ chaos: { malformedRate: 1 } });
    const exec = sim.createExecution('eachlabs');
    const bodies: string[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await fetch(`${sim.baseUrls.eachlabs}/executions/${exec.executionId}`, {
        headers: { 'x-api-key': sim.apiKey },
      });
      expect(res.status).toBe(200);
      bodies.push(await res.text());
    }
    for (const body of bodies) expect(() => JSON.parse(body)).toThrow();
    expect(bodies.some((b) => b.startsWith('{"execution_id"'))).toBe(true);
    // Errors are left alone: only successes are mangled.
    expect((await get(`${sim.baseUrls.eachlabs}/executions/unknown`, { 'x-api-key': sim.apiKey })).body).toEqual({
      error: 'execution not found',
    });
  });

  it('drops the connection: a network error for fetch, logged with status 0', async () => {
    const sim = await start({ chaos: { dropRate: 1 } });
    await expect(
      fetch(`${sim.baseUrls.datalab}/executions/1`, { headers: { 'x-api-key': sim.apiKey } }),
    ).rejects.toThrow(TypeError);
    expect(sim.requests).toEqual([expect.objectContaining({ status: 0, chaos: 'drop', endpoint: 'status' })]);
  });

  it('adds latency, and close() cuts a delayed request short without waiting for it', async () => {
    const sim = await start({ chaos: { latencyMs: [10_000, 10_000] } });
    const pending = fetch(`${sim.baseUrls.datalab}/executions/1`, { headers: { 'x-api-key': sim.apiKey } });
    const settled = pending.then(
      () => 'answered',
      () => 'failed',
    );
    await new Promise<void>((resolve) => sim.server.once('request', () => resolve()));
    const started = performance.now();
    await sim.close();
    expect(await settled).toBe('failed');
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('sends an empty body with status 200', async () => {
    const sim = await start({ chaos: { emptyRate: 1 } });
    const exec = sim.createExecution('datalab');
    const res = await fetch(`${sim.baseUrls.datalab}/executions/${exec.executionId}`, {
      headers: { 'x-api-key': sim.apiKey },
    });
    expect([res.status, await res.text()]).toEqual([200, '']);
    expect(sim.requests).toEqual([expect.objectContaining({ status: 200, chaos: 'empty', endpoint: 'status' })]);
  });

  it('stalls a body after the headers and half of it, until the client gives up', async () => {
    const sim = await start({ chaos: { stallRate: 1 } });
    const exec = sim.createExecution('eachlabs');
    const controller = new AbortController();
    const res = await fetch(`${sim.baseUrls.eachlabs}/executions/${exec.executionId}`, {
      headers: { 'x-api-key': sim.apiKey },
      signal: controller.signal,
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toMatch(/^\{"execution_id"/);
    expect(first.value!.length).toBeLessThan(Number(res.headers.get('content-length')));
    const rest = reader.read();
    controller.abort();
    await expect(rest).rejects.toThrow();
    expect(sim.requests).toEqual([expect.objectContaining({ status: 200, chaos: 'stall' })]);
  });

  it('redirects to the same path on another origin, where nothing answers as the provider', async () => {
    const sim = await start({ chaos: { redirectRate: 1 } });
    const res = await fetch(`${sim.baseUrls.modelslab}/wf/runs/1`, {
      headers: { key: sim.apiKey },
      redirect: 'manual',
    });
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location')!);
    expect(location.origin).not.toBe(sim.url);
    expect(location.hostname).toBe('localhost');
    expect(location.pathname).toBe('/elsewhere/modelslab/api/v1/workflows/wf/runs/1');
    expect(sim.requests).toEqual([expect.objectContaining({ status: 302, chaos: 'redirect' })]);
  });

  it('takes a fractional retryAfterSeconds, and checks the new rates', async () => {
    const sim = await start({ chaos: { rateLimitRate: 1, retryAfterSeconds: 0.25 } });
    const dl = await get(`${sim.baseUrls.datalab}/executions/1`, { 'x-api-key': sim.apiKey });
    expect([dl.status, dl.headers.get('retry-after')]).toEqual([429, '0.25']);
    await expect(startSimulator({ chaos: { retryAfterSeconds: -1 } })).rejects.toBeInstanceOf(ConfigError);
    await expect(startSimulator({ chaos: { stallRate: 2 } })).rejects.toBeInstanceOf(ConfigError);
  });

  it('leaves CORS preflights, output URLs and files alone', async () => {
    const sim = await start({ chaos: { errorRate: 1, dropRate: 1 } });
    const res = await fetch(`${sim.baseUrls.modelslab}/wf/runs/1`, { method: 'OPTIONS' });
    expect(res.status).toBe(204);
    expect((await fetch(`${sim.url}/files/x.png`)).status).toBe(200);
  });
});

describe('startSimulator: CORS', () => {
  it('answers preflights with 204 and allows the auth headers; responses expose the hint headers', async () => {
    const sim = await start();
    const res = await fetch(`${sim.baseUrls.eachlabsCurrent}/executions/x`, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://localhost:3000',
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const allowed = (res.headers.get('access-control-allow-headers') ?? '').toLowerCase().split(/,\s*/);
    expect(allowed).toEqual(expect.arrayContaining(['key', 'x-api-key', 'authorization', 'content-type']));
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
    expect(sim.requests[0]).toMatchObject({ endpoint: 'preflight', status: 204 });

    const r = await fetch(`${sim.baseUrls.eachlabs}/executions/x`);
    expect(r.headers.get('access-control-allow-origin')).toBe('*');
    expect(r.headers.get('access-control-expose-headers')).toMatch(/X-Request-Id/i);
    expect(r.headers.get('access-control-expose-headers')).toMatch(/Retry-After/i);
  });
});

describe('startSimulator: the simulator itself', () => {
  it('logs every request without the key or the signature', async () => {
    const sim = await start({ apiKey: 'sk-very-secret-value' });
    const run = sim.createExecution('datalab', { queuedMs: 0, steps: [{ name: 'parse', durationMs: 10 }] });
    clock = T0 + 1_000;
    const r = await get(`${sim.baseUrls.datalab}/executions/${run.executionId}?token=sk-very-secret-value`, {
      'x-api-key': sim.apiKey,
    });
    await fetch(r.body.steps.parse.output_url);
    expect(sim.requests).toEqual([
      {
        time: T0 + 1_000,
        method: 'GET',
        path: `/datalab/api/v1/workflows/executions/${run.executionId}`,
        query: { token: '[REDACTED]' },
        provider: 'datalab',
        api: undefined,
        endpoint: 'status',
        executionId: run.executionId,
        status: 200,
        auth: 'ok',
        chaos: undefined,
        rateLimited: false,
        latencyMs: 0,
        requestId: undefined,
      },
      expect.objectContaining({
        endpoint: 'output',
        provider: 'datalab',
        status: 200,
        auth: 'missing',
        query: { expires: expect.any(String), signature: '[REDACTED]' },
      }),
    ]);
    expect(JSON.stringify(sim.requests)).not.toContain('sk-very-secret-value');
  });

  it('generates the same scripts and ids from the same seed', async () => {
    const a = await start({ seed: 5 });
    const b = await start({ seed: 5 });
    const c = await start({ seed: 6 });
    const pick = (sim: Simulator): unknown => {
      const e = sim.createExecution('eachlabs');
      const d = sim.createExecution('datalab');
      return [e.executionId, e.workflowId, e.steps, e.queuedMs, d.steps, d.workflowId];
    };
    const fromA = pick(a);
    expect(pick(b)).toEqual(fromA);
    expect(pick(c)).not.toEqual(fromA);
    const m = a.createExecution('modelslab');
    expect(m.steps.length).toBeGreaterThanOrEqual(2);
    expect(m.steps.length).toBeLessThanOrEqual(4);
  });

  it('cancels a scripted execution on time, and from code', async () => {
    const sim = await start();
    const scripted = sim.createExecution('eachlabs', {
      queuedMs: 0,
      cancelAfterMs: 1_500,
      steps: [
        { name: 's1', durationMs: 1_000 },
        { name: 's2', durationMs: 1_000 },
      ],
    });
    const manual = sim.createExecution('datalab', { queuedMs: 5_000 });
    clock = T0 + 1_000;
    expect(manual.cancel()).toBe(true);
    clock = T0 + 10_000;
    expect(scripted.state()).toMatchObject({
      status: 'cancelled',
      completedAt: T0 + 1_500,
      steps: [{ status: 'completed' }, { status: 'cancelled' }],
    });
    expect(scripted.cancel()).toBe(false);
    expect(manual.state()).toMatchObject({ status: 'cancelled', completedAt: T0 + 1_000 });
    expect(manual.state()).not.toHaveProperty('startedAt');
    const r = await get(`${sim.baseUrls.datalab}/executions/${manual.executionId}`, { 'x-api-key': sim.apiKey });
    expect(r.body.status).toBe('FAILED');
  });

  it('ends after the failing step, or after the last one; with no steps, as the queue ends', async () => {
    const sim = await start();
    const failing = sim.createExecution('datalab', {
      queuedMs: 500,
      steps: [
        { name: 'a', durationMs: 1_000 },
        { name: 'b', durationMs: 2_000, fails: true },
        { name: 'c', durationMs: 4_000 },
      ],
    });
    const empty = sim.createExecution('modelslab', { queuedMs: 500, steps: [] });
    expect([failing.endsAt, empty.endsAt]).toEqual([T0 + 3_500, T0 + 500]);
    clock = T0 + 499;
    expect(empty.state()).toEqual({ status: 'queued', steps: [] });
    clock = T0 + 500;
    expect(empty.state()).toEqual({ status: 'completed', startedAt: T0 + 500, completedAt: T0 + 500, steps: [] });
    clock = T0 + 3_499;
    expect(failing.state().status).toBe('running');
    clock = T0 + 3_500;
    expect(failing.state()).toMatchObject({
      status: 'failed',
      completedAt: T0 + 3_500,
      steps: [{ status: 'completed' }, { status: 'failed' }, { status: 'pending' }],
    });
  });

  it('rejects bad options and scripts with a ConfigError naming the field', async () => {
    await expect(startSimulator({ chaos: { errorRate: 2 } })).rejects.toThrow(
      /`chaos.errorRate` to be a number from 0 to 1, got 2/,
    );
    await expect(startSimulator({ chaos: { latencyMs: [50, 10] } })).rejects.toBeInstanceOf(ConfigError);
    await expect(startSimulator({ rateLimits: { datalab: { requests: 0, intervalMs: 1_000 } } })).rejects.toThrow(
      /rateLimits.datalab.requests/,
    );
    const sim = await start();
    // A port in use: a ConfigError naming it, not a bare EADDRINUSE.
    const busy = Number(new URL(sim.url).port);
    await expect(startSimulator({ port: busy })).rejects.toSatisfy(
      (error: unknown) => error instanceof ConfigError && error.option === 'port' && /in use/.test(error.message),
    );
    expect(() =>
      sim.createExecution('datalab', {
        steps: [
          { name: 'a', durationMs: 1 },
          { name: 'a', durationMs: 1 },
        ],
      }),
    ).toThrow(/steps\[1\]\.name/);
    expect(() => sim.createExecution('modelslab', { steps: [{ name: 'x', durationMs: -1 }] })).toThrow(
      /`script.steps\[0\].durationMs` to be a non-negative number, got -1/,
    );
    expect(() => sim.createExecution('datalab', { workflowId: 'abc' })).toThrow(ConfigError);
    // ModelsLab step names may repeat.
    expect(
      sim.createExecution('modelslab', {
        steps: [
          { name: 'a', durationMs: 1 },
          { name: 'a', durationMs: 1 },
        ],
      }).steps,
    ).toHaveLength(2);
  });

  it('close() ends keep-alive sockets and the server; fetch fails afterwards', async () => {
    const sim = await start();
    const agent = new Agent({ keepAlive: true });
    // The socket stays open after the response (keep-alive) until close() ends it.
    const socket = await new Promise<Socket>((resolve, reject) => {
      const req = httpRequest(`${sim.baseUrls.eachlabs}/executions/x`, { agent }, (res) => {
        const socket = res.socket;
        res.resume();
        res.on('end', () => resolve(socket));
      });
      req.on('error', reject);
      req.end();
    });
    const socketClosed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    await new Promise((resolve) => setImmediate(resolve));
    expect(socket.destroyed).toBe(false);
    await fetch(`${sim.url}/`).then((r) => r.text());
    const started = performance.now();
    await sim.close();
    await socketClosed;
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(sim.server.listening).toBe(false);
    await expect(fetch(`${sim.url}/`)).rejects.toThrow(TypeError);
    await sim.close(); // idempotent
    agent.destroy();
  });
});
