import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  AuthenticationError,
  ConfigError,
  HttpError,
  NotFoundError,
  RateLimitError,
  ResponseValidationError,
} from '../../src/core/errors.js';
import { isRunwatchError } from '../../src/core/error-guards.js';
import type { ExecutionUpdate } from '../../src/core/model.js';
import {
  ModelsLabExecution,
  modelslab,
  normalizeModelsLab,
  type ModelsLabSnapshot,
} from '../../src/providers/modelslab/index.js';
import { modelslabAdapter } from '../../src/providers/modelslab/adapter.js';

const KEY = 'ml-secret-KEY-0123456789';
const BASE = 'https://modelslab.com/api/v1/workflows';

function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../fixtures/modelslab/${name}.json`, import.meta.url), 'utf8')) as Record<
    string,
    unknown
  >;
}

interface Reply {
  status?: number;
  body?: unknown;
  /** Sent as is instead of JSON-encoding `body`. */
  text?: string;
  headers?: Record<string, string>;
}

interface Call {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
}

/** A counting fake fetch: records every call, answers from `reply` (a list is served in order, the last repeated). */
function fakeFetch(reply: Reply | Reply[] | ((call: Call, index: number) => Reply)) {
  const calls: Call[] = [];
  const fetch = vi.fn(async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const call: Call = {
      url: typeof input === 'string' ? input : input instanceof URL ? input.href : input.url,
      method: init?.method ?? 'GET',
      headers: Object.fromEntries(new Headers(init?.headers).entries()),
      body: typeof init?.body === 'string' ? init.body : undefined,
    };
    calls.push(call);
    const index = calls.length - 1;
    const r =
      typeof reply === 'function'
        ? reply(call, index)
        : Array.isArray(reply)
          ? reply[Math.min(index, reply.length - 1)]!
          : reply;
    const status = r.status ?? 200;
    const text = r.text ?? (r.body === undefined ? null : JSON.stringify(r.body));
    return new Response(status === 204 ? null : text, {
      status,
      headers: { 'content-type': 'application/json', ...r.headers },
    });
  });
  return { fetch: fetch as unknown as typeof globalThis.fetch, calls };
}

function client(reply: Parameters<typeof fakeFetch>[0], extra: Partial<Parameters<typeof modelslab>[0]> = {}) {
  const f = fakeFetch(reply);
  return { ...f, client: modelslab({ apiKey: KEY, fetch: f.fetch, rateLimit: false, ...extra }) };
}

const REF = { workflowId: 'uuid-string', executionId: 12345 };

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

afterEach(() => {
  vi.useRealTimers();
});

describe('normalizeModelsLab', () => {
  it('normalizes the documented running body: envelope ignored, steps in order, null times left out', () => {
    const body = ModelsLabExecution.parse(fixture('running'));
    const snapshot = normalizeModelsLab(body);
    expect(snapshot).toEqual({
      provider: 'modelslab',
      executionId: '12345',
      workflowId: 'uuid-string',
      status: 'running',
      rawStatus: 'running',
      startedAt: '2024-01-15T10:30:00.000Z',
      steps: [
        {
          key: 'Text to Image',
          name: 'Text to Image',
          status: 'completed',
          rawStatus: 'completed',
          startedAt: '2024-01-15T10:30:00.000Z',
          completedAt: '2024-01-15T10:30:05.000Z',
        },
        {
          key: 'Image Upscaler',
          name: 'Image Upscaler',
          status: 'running',
          rawStatus: 'running',
          startedAt: '2024-01-15T10:30:05.000Z',
        },
      ],
      raw: body,
    });
    expect('completedAt' in snapshot).toBe(false);
    expect('completedAt' in snapshot.steps[1]!).toBe(false);
    expect('output' in snapshot).toBe(false);
    expect('error' in snapshot).toBe(false);
  });

  it('takes the completed body’s output from output.output', () => {
    const snapshot = normalizeModelsLab(ModelsLabExecution.parse(fixture('completed')));
    expect(snapshot.status).toBe('completed');
    expect(snapshot.completedAt).toBe('2024-01-15T10:30:15.000Z');
    expect(snapshot.output).toEqual(['https://cdn.modelslab.com/generated/image1.png']);
    expect(snapshot.steps.map((s) => [s.key, s.status])).toEqual([
      ['Text to Image', 'completed'],
      ['Image Upscaler', 'completed'],
    ]);
    expect(snapshot.error).toBeUndefined();
    // The output's own envelope and proxy links stay in raw.
    expect(snapshot.raw.output).toMatchObject({ proxy_links: ['https://cdn.modelslab.com/proxy/image1.png'] });
  });

  it('takes the failed body’s error message', () => {
    const snapshot = normalizeModelsLab(ModelsLabExecution.parse(fixture('failed')));
    expect(snapshot.status).toBe('failed');
    expect(snapshot.error).toEqual({ message: 'Image generation failed: Invalid prompt' });
    expect(snapshot.steps).toHaveLength(1);
    expect(snapshot.steps[0]).toMatchObject({ key: 'Text to Image', status: 'failed' });
    expect(snapshot.output).toBeUndefined();
  });

  it.each([
    ['pending', 'queued'],
    ['running', 'running'],
    ['completed', 'completed'],
    ['failed', 'failed'],
    ['cancelled', 'cancelled'],
    ['canceled', 'cancelled'],
    ['Running', 'running'],
    ['paused', 'unknown'],
    ['', 'unknown'],
    ['constructor', 'unknown'],
  ])('maps execution status %j to %j and keeps the raw string', (raw, status) => {
    const body = fixture('running');
    (body['execution'] as Record<string, unknown>)['status'] = raw;
    const snapshot = normalizeModelsLab(ModelsLabExecution.parse(body));
    expect(snapshot.status).toBe(status);
    expect(snapshot.rawStatus).toBe(raw);
  });

  it('keys repeated step names Name, Name#2, Name#3, stable as steps are appended', () => {
    const at = (names: string[]) =>
      normalizeModelsLab(
        ModelsLabExecution.parse({
          status: 'success',
          execution: { id: 1, workflow_id: 'w', status: 'running' },
          steps: names.map((name) => ({ name, status: 'running' })),
        }),
      ).steps.map((s) => s.key);
    expect(at(['Generate', 'Upscale'])).toEqual(['Generate', 'Upscale']);
    expect(at(['Generate', 'Upscale', 'Upscale'])).toEqual(['Generate', 'Upscale', 'Upscale#2']);
    expect(at(['Generate', 'Upscale', 'Upscale', 'Generate', 'Upscale'])).toEqual([
      'Generate',
      'Upscale',
      'Upscale#2',
      'Generate#2',
      'Upscale#3',
    ]);
    // A step literally named like a generated key does not collide with one.
    const keys = at(['Upscale#2', 'Upscale', 'Upscale']);
    expect(keys).toEqual(['Upscale#2', 'Upscale', 'Upscale#3']);
    expect(new Set(keys).size).toBe(3);
  });

  it('accepts null timestamps, output, error, workflow_id and steps, and leaves them out', () => {
    const snapshot = normalizeModelsLab(
      ModelsLabExecution.parse({
        status: 'success',
        execution: {
          id: '77',
          workflow_id: null,
          status: 'pending',
          started_at: null,
          completed_at: null,
          execution_time: null,
        },
        output: null,
        error: null,
        steps: null,
      }),
    );
    expect(snapshot).toEqual({
      provider: 'modelslab',
      executionId: '77',
      status: 'queued',
      rawStatus: 'pending',
      steps: [],
      raw: expect.anything(),
    });
    expect(Object.keys(snapshot).sort()).toEqual(['executionId', 'provider', 'raw', 'rawStatus', 'status', 'steps']);
  });

  it.each([
    ['pending', 'pending'],
    ['queued', 'queued'],
    ['running', 'running'],
    ['completed', 'completed'],
    ['failed', 'failed'],
    ['cancelled', 'cancelled'],
    ['skipped', 'skipped'],
    ['waiting', 'unknown'],
  ])('maps step status %j to %j and keeps the raw string', (raw, status) => {
    const snapshot = normalizeModelsLab(
      ModelsLabExecution.parse({ execution: { id: 1, status: 'running' }, steps: [{ name: 'A', status: raw }] }),
    );
    expect(snapshot.steps[0]).toMatchObject({ status, rawStatus: raw });
  });

  it('keeps fields ModelsLab may add', () => {
    const body = { ...fixture('completed'), credits_used: 3 };
    const parsed = ModelsLabExecution.parse(body);
    expect(normalizeModelsLab(parsed).raw).toMatchObject({ credits_used: 3 });
  });
});

describe('modelslab client: requests', () => {
  it('get: GET /{workflow_id}/runs/{execution_id} with the key header, no body', async () => {
    const { client: c, calls } = client({ body: fixture('running') });
    const snapshot = await c.get(REF);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ url: `${BASE}/uuid-string/runs/12345`, method: 'GET', body: undefined });
    expect(calls[0]!.headers['key']).toBe(KEY);
    expect(calls[0]!.headers['authorization']).toBeUndefined();
    expect(snapshot.status).toBe('running');
    expect(snapshot.executionId).toBe('12345');
  });

  it('run: POST /{workflow_id}/run with the params as a flat JSON body; the id comes back as a string', async () => {
    const { client: c, calls } = client({ status: 202, body: fixture('run') });
    const params = { prompt: 'a lighthouse', steps: 30, nested: { seed: 1 } };
    await expect(c.run('uuid-string', params)).resolves.toEqual({ workflowId: 'uuid-string', executionId: '12345' });
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ url: `${BASE}/uuid-string/run`, method: 'POST' });
    expect(calls[0]!.headers['key']).toBe(KEY);
    expect(calls[0]!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(calls[0]!.body!)).toEqual(params);
  });

  it('cancel: POST /{workflow_id}/runs/{execution_id}/cancel and resolves to undefined', async () => {
    const { client: c, calls } = client({ body: fixture('cancel') });
    await expect(c.cancel(REF)).resolves.toBeUndefined();
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ url: `${BASE}/uuid-string/runs/12345/cancel`, method: 'POST', body: undefined });
    expect(calls[0]!.headers['key']).toBe(KEY);
  });

  it('cancel: an empty 204 is a success', async () => {
    const { client: c } = client({ status: 204 });
    await expect(c.cancel(REF)).resolves.toBeUndefined();
  });

  it('cancel: 400 (already finished) is an HttpError with the body message; 404 a NotFoundError', async () => {
    const finished = client({ status: 400, body: { status: 'error', message: 'Execution already finished' } });
    const error = await rejection(finished.client.cancel(REF));
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ status: 400, retryable: false, provider: 'modelslab', executionId: '12345' });
    expect((error as Error).message).toContain('Execution already finished');

    const unknown = client({ status: 404, body: fixture('error') });
    await expect(unknown.client.cancel(REF)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('get: fills in the workflow id from the ref when the body has none', async () => {
    const body = fixture('running');
    delete (body['execution'] as Record<string, unknown>)['workflow_id'];
    const { client: c } = client({ body });
    expect((await c.get({ workflowId: 'from-ref', executionId: 1 })).workflowId).toBe('from-ref');
  });

  it('baseUrl replaces the base, path included', async () => {
    const { client: c, calls } = client({ body: fixture('running') }, { baseUrl: 'http://127.0.0.1:8123/proxy/ml/' });
    await c.get({ workflowId: 'wf', executionId: '9' });
    expect(calls[0]!.url).toBe('http://127.0.0.1:8123/proxy/ml/wf/runs/9');
    expect(calls[0]!.headers['key']).toBe(KEY);
  });

  it('percent-encodes ids so they stay inside their path segment', async () => {
    const { client: c, calls } = client({ body: fixture('running') });
    await c.get({ workflowId: '../x', executionId: 'a?b' });
    const url = new URL(calls[0]!.url);
    expect(url.pathname).toBe('/api/v1/workflows/..%2Fx/runs/a%3Fb');
    expect(url.search).toBe('');
    await c.cancel({ workflowId: 'w/../../v2', executionId: '1#frag' });
    const cancelUrl = new URL(calls[1]!.url);
    expect(cancelUrl.pathname).toBe('/api/v1/workflows/w%2F..%2F..%2Fv2/runs/1%23frag/cancel');
    expect(cancelUrl.hash).toBe('');
  });
});

describe('modelslab client: argument checks', () => {
  const { client: c, calls } = client({ body: fixture('running') });

  it.each([
    ['an empty workflow id', { workflowId: '', executionId: 1 }],
    ['a blank execution id', { workflowId: 'w', executionId: '  ' }],
    ['an object execution id', { workflowId: 'w', executionId: {} }],
    ['a missing execution id', { workflowId: 'w' }],
    ['a null workflow id', { workflowId: null, executionId: 1 }],
    ['a NaN execution id', { workflowId: 'w', executionId: Number.NaN }],
    ['a dot-dot workflow id', { workflowId: '..', executionId: 1 }],
    ['no ref at all', null],
  ])('throws ConfigError synchronously for %s, before any request', (_, ref) => {
    const bad = ref as never;
    expect(() => c.watch(bad)).toThrow(ConfigError);
    expect(() => c.get(bad)).toThrow(ConfigError);
    expect(() => c.cancel(bad)).toThrow(ConfigError);
    expect(calls).toHaveLength(0);
  });

  it('names the option at fault', () => {
    try {
      void c.get({ workflowId: 'w', executionId: '' });
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ name: 'ConfigError', option: 'executionId' });
    }
  });

  it('rejects params that are not a JSON object at once, for run and runAndWatch', () => {
    expect(() => c.run('w', [] as never)).toThrow(ConfigError);
    expect(() => c.run('w', null as never)).toThrow(ConfigError);
    expect(() => c.run('', {})).toThrow(ConfigError);
    expect(() => c.runAndWatch('w', 'prompt' as never)).toThrow(ConfigError);
    expect(() => c.run('w', { n: 1n })).toThrow(ConfigError);
    expect(() => c.watch(REF, { maxWaitMs: -1 })).toThrow(ConfigError);
    expect(calls).toHaveLength(0);
  });

  it('rejects a missing API key when the client is created, without echoing it', () => {
    expect(() => modelslab({ apiKey: '' })).toThrow(ConfigError);
  });
});

describe('modelslab client: errors', () => {
  it('a 200 whose envelope says "error" is an error, not a snapshot', async () => {
    const { client: c } = client({ status: 200, body: fixture('error') });
    const error = await rejection(c.get(REF));
    expect(error).toBeInstanceOf(HttpError);
    expect(error).not.toBeInstanceOf(ResponseValidationError);
    expect(error).toMatchObject({ status: 200, retryable: false, provider: 'modelslab', executionId: '12345' });
    expect((error as Error).message).toBe(
      'modelslab: Execution not found (HTTP 200, GET /api/v1/workflows/uuid-string/runs/12345)',
    );
  });

  it('an error envelope on run and cancel rejects too', async () => {
    const { client: c } = client({ status: 202, body: { status: 'error', message: 'Missing parameter: prompt' } });
    await expect(c.run('w', {})).rejects.toThrow('Missing parameter: prompt');
    await expect(c.cancel(REF)).rejects.toBeInstanceOf(HttpError);
  });

  it('a 200 error envelope with retry_after is a retryable RateLimitError', async () => {
    const { client: c } = client({ status: 200, body: fixture('rate-limit') });
    const error = await rejection(c.get(REF));
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error).toMatchObject({ retryAfterMs: 30_000, retryable: true });
  });

  it.each([
    [401, fixture('error-legacy'), AuthenticationError, 'Invalid API key'],
    [
      403,
      { status: 'error', message: 'Workflow is not API-enabled' },
      AuthenticationError,
      'Workflow is not API-enabled',
    ],
    [404, fixture('error'), NotFoundError, 'Execution not found'],
    [400, { status: 'error', messege: 'Bad execution id' }, HttpError, 'Bad execution id'],
  ] as const)('HTTP %i maps to the right class with the body message', async (status, body, cls, message) => {
    const { client: c } = client({ status, body });
    const error = await rejection(c.get(REF));
    expect(error).toBeInstanceOf(cls);
    expect(error).toMatchObject({ status, retryable: false, provider: 'modelslab' });
    expect((error as Error).message).toContain(message);
  });

  it('429 turns retry_after seconds into retryAfterMs', async () => {
    const { client: c } = client({ status: 429, body: fixture('rate-limit') });
    const error = await rejection(c.get(REF));
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error).toMatchObject({ status: 429, retryAfterMs: 30_000, retryable: true });
    expect((error as Error).message).toContain('Rate limit exceeded');
  });

  it.each([
    ['a numeric string', { status: 'error', message: 'slow down', retry_after: '5' }, {}, 5_000],
    ['a fraction', { status: 'error', message: 'slow down', retry_after: 1.5 }, {}, 1_500],
    ['a negative number (ignored)', { status: 'error', message: 'slow down', retry_after: -3 }, {}, undefined],
    ['garbage (ignored)', { status: 'error', message: 'slow down', retry_after: 'soon' }, {}, undefined],
    ['an object (ignored, message kept)', { status: 'error', message: 'slow down', retry_after: {} }, {}, undefined],
    ['only a Retry-After header', { status: 'error', message: 'slow down' }, { 'retry-after': '12' }, 12_000],
  ])('429 with %s', async (_, body, headers, retryAfterMs) => {
    const { client: c } = client({ status: 429, body, headers });
    const error = await rejection(c.get(REF));
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfterMs).toBe(retryAfterMs);
    expect((error as Error).message).toContain('slow down');
  });

  it('a body that does not fit the schema is a ResponseValidationError with the path', async () => {
    const body = fixture('running');
    (body['execution'] as Record<string, unknown>)['status'] = 42;
    const { client: c } = client({ body });
    const error = await rejection(c.get(REF));
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect((error as ResponseValidationError).issues[0]?.path).toEqual(['execution', 'status']);
    expect(error).toMatchObject({ retryable: false, executionId: '12345' });
  });

  it('a run response without an execution id is a ResponseValidationError', async () => {
    const { client: c } = client({ status: 202, body: { status: 'success', message: 'started' } });
    const error = await rejection(c.run('w', {}));
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect((error as ResponseValidationError).issues[0]?.path).toEqual(['execution_id']);
  });
});

describe('modelslab client: the API key stays secret', () => {
  function assertNoKey(error: unknown): void {
    expect(isRunwatchError(error)).toBe(true);
    const e = error as Error & Record<string, unknown>;
    const views = [
      e.message,
      String(e.stack),
      JSON.stringify(e),
      JSON.stringify(Object.getOwnPropertyNames(e).map((k) => [k, String(e[k])])),
      inspect(e, { depth: 10, showHidden: true }),
      inspect(e.cause, { depth: 10, showHidden: true }),
    ];
    for (const view of views) expect(view).not.toContain(KEY);
  }

  it('is absent from every error, even when the provider echoes it', async () => {
    const echo = `Invalid key ${KEY}`;
    const replies: Reply[] = [
      { status: 401, body: { status: 'error', message: echo } },
      { status: 403, body: { status: 'error', messege: echo } },
      { status: 404, body: { status: 'error', message: echo } },
      { status: 429, body: { status: 'error', message: echo, retry_after: 1 } },
      { status: 500, text: `<html>${echo}</html>` },
      { status: 200, body: { status: 'error', message: echo } },
      { status: 200, text: `not json ${KEY}` },
    ];
    for (const reply of replies) {
      const { client: c, calls } = client(reply);
      assertNoKey(await rejection(c.get(REF)));
      assertNoKey(await rejection(c.cancel(REF)));
      assertNoKey(await rejection(c.run('uuid-string', { key: 'not the api key' })));
      for (const call of calls) expect(call.url).not.toContain(KEY);
    }
    // A body that fails the schema with the key where a value should be.
    const invalid = client({ body: { status: 'success', execution: { id: KEY, status: KEY, workflow_id: 5 } } });
    assertNoKey(await rejection(invalid.client.get(REF)));
  });

  it('is absent from network errors and their cause', async () => {
    const fetch = vi.fn(async () => {
      throw new TypeError(`connect ECONNREFUSED (key=${KEY})`);
    });
    const c = modelslab({ apiKey: KEY, fetch: fetch, rateLimit: false });
    const error = await rejection(c.get(REF));
    expect((error as Error).name).toBe('NetworkError');
    assertNoKey(error);
  });

  it('goes only in the key header, to the configured origin', async () => {
    const { client: c, calls } = client({ body: fixture('running') }, { baseUrl: 'http://127.0.0.1:9999/ml' });
    await c.get(REF);
    expect(calls[0]!.url.startsWith('http://127.0.0.1:9999/ml/')).toBe(true);
    const carrying = Object.entries(calls[0]!.headers).filter(([, v]) => v.includes(KEY));
    expect(carrying).toEqual([['key', KEY]]);
  });
});

describe('modelslab client: request budget', () => {
  it('holds the 11th request in a minute for one workflow, not another workflow’s', async () => {
    vi.useFakeTimers();
    const { fetch, calls } = fakeFetch({ body: fixture('running') });
    const c = modelslab({ apiKey: KEY, fetch });
    const done: number[] = [];
    const pending = Array.from({ length: 11 }, (_, i) => c.get(REF).then(() => done.push(i)));
    // Half the budget at once, then one every 6 s (60 s / 10): an even pace, not a burst.
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toHaveLength(5);
    expect(done).toHaveLength(5);

    // Another workflow has its own budget.
    await c.get({ workflowId: 'other-workflow', executionId: 1 });
    expect(calls).toHaveLength(6);
    expect(calls[5]!.url).toContain('/other-workflow/');

    await vi.advanceTimersByTimeAsync(30_000);
    expect(done).toHaveLength(10);
    // The 11th waits until the first slot's window has passed: 60 s after its response.
    await vi.advanceTimersByTimeAsync(29_999);
    expect(done).toHaveLength(10);
    await vi.advanceTimersByTimeAsync(1);
    await Promise.all(pending);
    expect(done).toHaveLength(11);
    expect(calls.filter((call) => call.url.includes('/uuid-string/'))).toHaveLength(11);
  });

  it('counts run and cancel against the same per-workflow budget', async () => {
    vi.useFakeTimers();
    const { fetch, calls } = fakeFetch((call) =>
      call.url.endsWith('/run')
        ? { status: 202, body: fixture('run') }
        : call.url.endsWith('/cancel')
          ? { body: fixture('cancel') }
          : { body: fixture('running') },
    );
    const c = modelslab({ apiKey: KEY, fetch, rateLimit: { requests: 2, intervalMs: 1_000 } });
    const run = c.run('uuid-string', {});
    const cancel = c.cancel(REF);
    const get = c.get(REF);
    await vi.advanceTimersByTimeAsync(500);
    await Promise.all([run, cancel]);
    expect(calls.map((call) => call.method)).toEqual(['POST', 'POST']);
    // The run's slot is held until a window after its response ended.
    await vi.advanceTimersByTimeAsync(499);
    expect(calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    await get;
    expect(calls).toHaveLength(3);
  });

  it('rateLimit: false turns the budget off', async () => {
    const { client: c, calls } = client({ body: fixture('running') }, { rateLimit: false });
    await Promise.all(Array.from({ length: 25 }, () => c.get(REF)));
    expect(calls).toHaveLength(25);
  });

  it('an aborted get stops waiting for budget', async () => {
    vi.useFakeTimers();
    const { fetch, calls } = fakeFetch({ body: fixture('running') });
    const c = modelslab({ apiKey: KEY, fetch, rateLimit: { requests: 1, intervalMs: 60_000 } });
    await c.get(REF);
    const controller = new AbortController();
    const waiting = c.get(REF, { signal: controller.signal });
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toHaveLength(1);
  });
});

describe('modelslab client: watch end to end', () => {
  // Explicit, so the test does not move when the library's defaults are tuned.
  const FIXED = { initialDelayMs: 1_000, multiplier: 1.5, maxDelayMs: 15_000, jitter: 'none', maxRetries: 5 } as const;
  function collect(source: ReturnType<ReturnType<typeof modelslab>['watch']>) {
    const updates: ExecutionUpdate<ModelsLabSnapshot>[] = [];
    const state = { completed: false, error: undefined as unknown };
    const subscription = source.subscribe({
      next: (u) => updates.push(u),
      error: (e: unknown) => (state.error = e),
      complete: () => (state.completed = true),
    });
    return { updates, state, subscription };
  }

  it('emits running, stays quiet on an unchanged poll, emits completed and completes', async () => {
    vi.useFakeTimers();
    const { client: c, calls } = client([
      { body: fixture('running') },
      { body: fixture('running') },
      { body: fixture('completed') },
    ]);
    const { updates, state } = collect(c.watch(REF, { backoff: FIXED }));
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toHaveLength(1);
    expect(updates).toHaveLength(1);
    expect(updates[0]!.changes.map((ch) => ch.type)).toEqual(['step-added', 'step-added', 'execution-status']);
    expect(updates[0]!.snapshot.raw.execution.id).toBe(12345);

    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls).toHaveLength(2);
    expect(updates).toHaveLength(1);

    await vi.advanceTimersByTimeAsync(1_500);
    expect(calls).toHaveLength(3);
    expect(updates).toHaveLength(2);
    const last = updates[1]!;
    expect(last.changes).toEqual([
      { type: 'step-status', executionId: '12345', step: last.snapshot.steps[1], from: 'running', to: 'completed' },
      { type: 'execution-output', executionId: '12345', output: ['https://cdn.modelslab.com/generated/image1.png'] },
      { type: 'execution-status', executionId: '12345', from: 'running', to: 'completed' },
    ]);
    expect(state.completed).toBe(true);

    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toHaveLength(3);
  });

  it('waits out a 429 retry_after before polling again, then carries on', async () => {
    vi.useFakeTimers();
    const { client: c, calls } = client([{ status: 429, body: fixture('rate-limit') }, { body: fixture('completed') }]);
    const { updates, state } = collect(c.watch(REF, { backoff: FIXED }));
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toHaveLength(1);
    expect(updates).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(29_999);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toHaveLength(2);
    expect(updates.map((u) => u.snapshot.status)).toEqual(['completed']);
    expect(state.completed).toBe(true);
    expect(state.error).toBeUndefined();
  });

  it('errors at once on an error envelope, without retrying', async () => {
    vi.useFakeTimers();
    const { client: c, calls } = client({ body: fixture('error') });
    const { state } = collect(c.watch(REF));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(state.error).toBeInstanceOf(HttpError);
    expect(calls).toHaveLength(1);
  });

  it('runAndWatch posts nothing before subscription, then runs and watches what it started', async () => {
    vi.useFakeTimers();
    const { client: c, calls } = client((call) =>
      call.method === 'POST' ? { status: 202, body: fixture('run') } : { body: fixture('failed') },
    );
    const stream = c.runAndWatch('uuid-string', { prompt: 'x' });
    await vi.advanceTimersByTimeAsync(5_000);
    expect(calls).toHaveLength(0);

    const { updates, state } = collect(stream);
    await vi.advanceTimersByTimeAsync(0);
    expect(calls.map((call) => `${call.method} ${new URL(call.url).pathname}`)).toEqual([
      'POST /api/v1/workflows/uuid-string/run',
      'GET /api/v1/workflows/uuid-string/runs/12345',
    ]);
    expect(updates.map((u) => u.snapshot.status)).toEqual(['failed']);
    expect(updates[0]!.snapshot.error?.message).toBe('Image generation failed: Invalid prompt');
    expect(state.completed).toBe(true);
  });

  it('runAndWatch: unsubscribing while the POST waits for budget sends nothing', async () => {
    vi.useFakeTimers();
    const { fetch, calls } = fakeFetch({ status: 202, body: fixture('run') });
    const c = modelslab({ apiKey: KEY, fetch, rateLimit: { requests: 1, intervalMs: 60_000 } });
    await c.run('uuid-string', {});
    const { subscription, state } = collect(c.runAndWatch('uuid-string', {}));
    await vi.advanceTimersByTimeAsync(1_000);
    subscription.unsubscribe();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(calls).toHaveLength(1);
    expect(state.error).toBeUndefined();
  });

  it('runAndWatch errors the stream when the run fails (and does not retry the POST)', async () => {
    vi.useFakeTimers();
    const { client: c, calls } = client({ status: 503, body: { status: 'error', message: 'busy' } });
    const { state } = collect(c.runAndWatch('uuid-string', {}));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(state.error).toBeInstanceOf(HttpError);
    expect(calls).toHaveLength(1);
  });
});

describe('modelslab client: fuzz', () => {
  /** Every path into a JSON value, as keys and indexes. */
  function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
    const out: (string | number)[][] = [prefix];
    if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...prefix, i])));
    else if (typeof value === 'object' && value !== null)
      for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
    return out;
  }

  function mutate(body: unknown, path: (string | number)[], replacement: unknown, remove: boolean): unknown {
    if (path.length === 0) return replacement;
    const copy = structuredClone(body) as Record<string | number, unknown>;
    let parent: Record<string | number, unknown> = copy;
    for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
    const last = path[path.length - 1]!;
    if (remove && Array.isArray(parent)) parent.splice(Number(last), 1);
    else if (remove) delete parent[last];
    else parent[last] = replacement;
    return copy;
  }

  const nasty = fc.constantFrom<unknown>(
    null,
    '',
    ' ',
    0,
    -1,
    1.5,
    1e308,
    true,
    [],
    {},
    'constructor',
    '__proto__',
    'error',
    '2024-13-45T99:99:99Z',
    [null],
    { name: null },
  );
  const bodies = ['running', 'completed', 'failed'].map(fixture);

  function checkOutcome(
    result: { ok: true; snapshot: ModelsLabSnapshot } | { ok: false; error: unknown },
    body: unknown,
  ): void {
    if (result.ok) {
      const s = result.snapshot;
      expect(typeof s.executionId).toBe('string');
      expect(['queued', 'running', 'completed', 'failed', 'cancelled', 'unknown']).toContain(s.status);
      expect(new Set(s.steps.map((step) => step.key)).size).toBe(s.steps.length);
      for (const t of [s.startedAt, s.completedAt, ...s.steps.flatMap((st) => [st.startedAt, st.completedAt])]) {
        if (t !== undefined) expect(new Date(t).toISOString()).toBe(t);
      }
      return;
    }
    const envelope = typeof body === 'object' && body !== null && (body as { status?: unknown }).status === 'error';
    if (envelope) expect(result.error).toBeInstanceOf(HttpError);
    else expect(result.error).toBeInstanceOf(ResponseValidationError);
    expect(result.error).not.toBeInstanceOf(TypeError);
  }

  async function outcome(c: ReturnType<typeof modelslab>) {
    try {
      return { ok: true as const, snapshot: await c.get(REF) };
    } catch (error) {
      return { ok: false as const, error };
    }
  }

  it('mutated documented bodies give a snapshot or a ResponseValidationError, never a TypeError', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: 2 }),
        fc.nat(),
        fc.oneof(fc.jsonValue(), nasty),
        fc.boolean(),
        async (which, pick, replacement, remove) => {
          const base = bodies[which]!;
          const all = paths(base);
          const body = mutate(base, all[pick % all.length]!, replacement, remove);
          const { client: c } = client({ text: JSON.stringify(body) ?? '' });
          checkOutcome(await outcome(c), body);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('random bodies and random text do too', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.jsonValue().map((v) => JSON.stringify(v)),
          fc.string(),
        ),
        async (text) => {
          let body: unknown;
          try {
            body = JSON.parse(text);
          } catch {
            body = undefined;
          }
          const { client: c } = client({ text });
          checkOutcome(await outcome(c), body);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('modelslab adapter: error bodies', () => {
  it.each([
    [{ status: 'error', message: 'Invalid prompt' }, 'Invalid prompt'],
    [{ status: 'error', messege: 'legacy spelling' }, 'legacy spelling'],
  ])('reads %j', (body, message) => {
    expect(modelslabAdapter.readError(body).message).toBe(message);
  });
});
