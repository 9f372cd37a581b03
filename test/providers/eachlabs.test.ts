import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  AuthenticationError,
  ConfigError,
  HttpError,
  NetworkError,
  NotFoundError,
  RateLimitError,
  ResponseValidationError,
} from '../../src/core/errors.js';
import { EXECUTION_STATUSES, type ExecutionUpdate } from '../../src/core/model.js';
import { eachlabs, normalizeEachLabs, type EachLabsOptions } from '../../src/providers/eachlabs/index.js';
import { eachlabsEndpoints } from '../../src/providers/eachlabs/adapter.js';
import { readStatus } from '../helpers/read.js';
/** Validates and normalizes a status body, as the client does. */
const readEachLabs = (body: unknown) => readStatus(eachlabsEndpoints('legacy').adapter, body);

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../fixtures/eachlabs/${name}.json`, import.meta.url), 'utf8')) as unknown;
const clone = <T>(value: T): T => structuredClone(value);

const API_KEY = 'sk-eachlabs-SECRET-5f3a9c';
const EXEC_ID = '69ae8c7b-7500-4a45-b7c0-348b8cc2665b';
const WF_ID = '50741f40-8621-4d46-8a91-dff4d873be98';
const LEGACY = 'https://workflows.eachlabs.run/api/v1';
const CURRENT = 'https://api.eachlabs.ai/v1/workflows';

interface Call {
  url: URL;
  method: string;
  headers: Headers;
  body: unknown;
  signal: AbortSignal | undefined;
}
interface Reply {
  status?: number;
  body?: unknown;
  /** Sent as is instead of JSON.stringify(body). */
  text?: string;
  headers?: Record<string, string>;
}

/** A counting fake `fetch`: records every call and answers from `handler`. */
function fakeFetch(handler: (call: Call, n: number) => Reply | Promise<Reply>) {
  const calls: Call[] = [];
  const fetch = async (input: string, init: RequestInit): Promise<Response> => {
    const call: Call = {
      url: new URL(input),
      method: init.method ?? 'GET',
      headers: new Headers(init.headers),
      body: typeof init.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined,
      signal: init.signal ?? undefined,
    };
    calls.push(call);
    const reply = await handler(call, calls.length);
    return new Response(reply.text ?? JSON.stringify(reply.body), {
      status: reply.status ?? 200,
      headers: { 'content-type': 'application/json', ...reply.headers },
    });
  };
  return { fetch: fetch as unknown as typeof globalThis.fetch, calls };
}

function client(handler: (call: Call, n: number) => Reply | Promise<Reply>, options: Partial<EachLabsOptions> = {}) {
  const fake = fakeFetch(handler);
  return { client: eachlabs({ apiKey: API_KEY, fetch: fake.fetch, ...options }), calls: fake.calls };
}

function execution(status: string, steps: Record<string, string>, extra: Record<string, unknown> = {}) {
  return {
    execution_id: EXEC_ID,
    workflow_id: WF_ID,
    status,
    started_at: '2025-12-04T11:48:10Z',
    step_outputs: Object.fromEntries(Object.entries(steps).map(([id, s]) => [id, { step_id: id, status: s }])),
    ...extra,
  };
}

async function caught(run: () => unknown): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

describe('normalizeEachLabs', () => {
  it('normalizes the documented completed execution with its 2 steps and output', () => {
    const body = fixture('execution-completed');
    const snapshot = readEachLabs(body);
    expect(snapshot).toMatchObject({
      provider: 'eachlabs',
      executionId: EXEC_ID,
      workflowId: WF_ID,
      status: 'completed',
      rawStatus: 'completed',
      startedAt: '2025-12-04T11:48:10.000Z',
      completedAt: '2025-12-04T11:50:53.000Z',
      output: ['https://storage.googleapis.com/uploads/image1.png'],
    });
    expect(snapshot.error).toBeUndefined();
    expect(snapshot.steps).toEqual([
      {
        key: 'step1',
        name: 'step1',
        status: 'completed',
        rawStatus: 'completed',
        startedAt: '2025-12-04T11:48:10.000Z',
        completedAt: '2025-12-04T11:48:39.000Z',
        output: 'A breathtaking panoramic view...',
      },
      {
        key: 'step2',
        name: 'step2',
        status: 'completed',
        rawStatus: 'completed',
        startedAt: '2025-12-04T11:48:39.000Z',
        completedAt: '2025-12-04T11:50:53.000Z',
        output: ['https://storage.googleapis.com/uploads/image1.png'],
      },
    ]);
    expect(snapshot.raw).toEqual(body);
  });

  it('maps a failed execution: error_cause is the message, error the code; null outputs are absent', () => {
    const snapshot = readEachLabs(fixture('execution-failed'));
    expect(snapshot.status).toBe('failed');
    expect(snapshot.error).toEqual({
      message: 'Model flux-1-1-pro returned an error: NSFW content detected',
      code: 'step_failed',
    });
    expect(snapshot.steps.map((s) => [s.key, s.status])).toEqual([
      ['step1', 'completed'],
      ['step2', 'failed'],
    ]);
    expect('output' in snapshot).toBe(false);
    expect('output' in snapshot.steps[1]!).toBe(false);
  });

  it('falls back to error alone, or error_cause alone', () => {
    expect(readEachLabs(execution('failed', {}, { error: 'timeout' })).error).toEqual({
      message: 'timeout',
      code: 'timeout',
    });
    expect(readEachLabs(execution('failed', {}, { error: null, error_cause: 'GPU lost' })).error).toEqual({
      message: 'GPU lost',
    });
    expect(readEachLabs(execution('failed', {}, { error: null, error_cause: null })).error).toBeUndefined();
  });

  it("accepts the current host's extra fields and keeps them in raw", () => {
    const snapshot = readEachLabs(fixture('execution-current-running'));
    expect(snapshot.status).toBe('running');
    expect(snapshot.completedAt).toBeUndefined();
    expect(snapshot.steps.map((s) => [s.key, s.status, s.output])).toEqual([
      ['step1', 'completed', 'A breathtaking panoramic view...'],
      ['step2', 'running', undefined],
    ]);
    expect(snapshot.raw.total_cost).toBe(0.002);
    expect(snapshot.raw.version_id).toBe('v1');
    expect(snapshot.raw.step_outputs?.['step1']?.kind).toBe('model');
  });

  it.each([
    ['queued', 'queued'],
    ['running', 'running'],
    ['completed', 'completed'],
    ['failed', 'failed'],
    ['cancelled', 'cancelled'],
    ['COMPLETED', 'completed'],
    ['paused', 'unknown'],
    ['constructor', 'unknown'],
    ['', 'unknown'],
  ])('maps execution status %j to %j, keeping the raw string', (raw, status) => {
    const snapshot = readEachLabs(execution(raw, {}));
    expect(snapshot.status).toBe(status);
    expect(snapshot.rawStatus).toBe(raw);
  });

  it('maps step statuses, pending included, and unknown ones to unknown', () => {
    const raw = ['queued', 'running', 'completed', 'failed', 'cancelled', 'skipped', 'pending', 'waiting', '__proto__'];
    const snapshot = readEachLabs(execution('running', Object.fromEntries(raw.map((s, i) => [`s${i}`, s]))));
    expect(snapshot.steps.map((s) => s.status)).toEqual([...raw.slice(0, 7), 'unknown', 'unknown']);
    expect(snapshot.steps.map((s) => s.rawStatus)).toEqual(raw);
  });

  it("keeps the map's order, keys steps by step_id and falls back to the map key", () => {
    const snapshot = readEachLabs({
      execution_id: 'e1',
      status: 'running',
      step_outputs: {
        zeta: { step_id: 'generate', status: 'running' },
        alpha: { status: 'queued' },
        mid: { step_id: null, status: 'queued' },
      },
    });
    expect(snapshot.steps.map((s) => s.key)).toEqual(['generate', 'alpha', 'mid']);
  });

  it('keeps step keys unique when two entries share a step_id', () => {
    const snapshot = readEachLabs({
      execution_id: 'e1',
      status: 'running',
      step_outputs: { a: { step_id: 'x', status: 'running' }, b: { step_id: 'x', status: 'queued' } },
    });
    expect(snapshot.steps.map((s) => s.key)).toEqual(['x', 'x#2']);
  });

  it('reads a queued execution without steps or times', () => {
    const snapshot = readEachLabs({ execution_id: 'e1', status: 'queued', step_outputs: null, started_at: null });
    expect(snapshot).toMatchObject({ status: 'queued', steps: [] });
    expect(snapshot.startedAt).toBeUndefined();
  });

  it('rejects a body that breaks the schema with a ResponseValidationError naming the path', () => {
    const body = fixture('execution-completed') as Record<string, unknown>;
    const error = (() => {
      try {
        readEachLabs({ ...body, status: 3 });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect((error as ResponseValidationError).issues[0]?.path).toEqual(['status']);
    expect((error as ResponseValidationError).provider).toBe('eachlabs');
    expect(() => readEachLabs({ ...body, step_outputs: { step1: { step_id: 'step1' } } })).toThrow(
      ResponseValidationError,
    );
    expect(() => readEachLabs(null)).toThrow(ResponseValidationError);
  });
});

describe('eachlabs client: requests', () => {
  it('legacy get: GET /executions/{id} on the documented host with X-API-Key', async () => {
    const { client: c, calls } = client(() => ({ body: fixture('execution-completed') }));
    const snapshot = await c.get(EXEC_ID);
    expect(snapshot.status).toBe('completed');
    expect(calls).toHaveLength(1);
    expect(calls[0]!.method).toBe('GET');
    expect(calls[0]!.url.href).toBe(`${LEGACY}/executions/${EXEC_ID}`);
    expect(calls[0]!.headers.get('x-api-key')).toBe(API_KEY);
    expect(calls[0]!.headers.get('authorization')).toBeNull();
    expect(calls[0]!.body).toBeUndefined();
  });

  it('current get: GET /v1/workflows/executions/{id} with a bearer token', async () => {
    const { client: c, calls } = client(() => ({ body: fixture('execution-current-running') }), { api: 'current' });
    await c.get(EXEC_ID);
    expect(calls[0]!.url.href).toBe(`${CURRENT}/executions/${EXEC_ID}`);
    expect(calls[0]!.headers.get('authorization')).toBe(`Bearer ${API_KEY}`);
    expect(calls[0]!.headers.get('x-api-key')).toBeNull();
  });

  it('legacy list: GET /workflows/{id}/executions with bulk_id, offset, limit; normalizes the documented page', async () => {
    const { client: c, calls } = client(() => ({ body: fixture('list-page') }));
    const page = await c.list('wf-123', { bulkId: 'b-1', offset: 0, limit: 2 });
    expect(calls[0]!.method).toBe('GET');
    expect(calls[0]!.url.origin + calls[0]!.url.pathname).toBe(`${LEGACY}/workflows/wf-123/executions`);
    expect(Object.fromEntries(calls[0]!.url.searchParams)).toEqual({ bulk_id: 'b-1', offset: '0', limit: '2' });
    expect(calls[0]!.headers.get('x-api-key')).toBe(API_KEY);
    expect(page.nextOffset).toBe(2);
    expect(page.totalCount).toBe(142);
    expect(page.raw).toEqual(fixture('list-page'));
    expect(page.executions).toEqual([
      {
        executionId: 'exec-1',
        workflowId: 'wf-123',
        workflowName: 'Text to Image Generator',
        versionId: 'v1',
        status: 'completed',
        rawStatus: 'completed',
        startedAt: '2025-12-20T10:00:00.000Z',
        endedAt: '2025-12-20T10:05:00.000Z',
        createdAt: '2025-12-20T10:00:00.000Z',
        updatedAt: '2025-12-20T10:05:00.000Z',
      },
      {
        executionId: 'exec-2',
        workflowId: 'wf-123',
        workflowName: 'Text to Image Generator',
        versionId: 'v1',
        status: 'running',
        rawStatus: 'running',
        startedAt: '2025-12-20T10:10:00.000Z',
        createdAt: '2025-12-20T10:10:00.000Z',
        updatedAt: '2025-12-20T10:10:00.000Z',
      },
    ]);
  });

  it('current list: GET /v1/workflows/{id}/executions with a bearer token, no query when none given', async () => {
    const { client: c, calls } = client(() => ({ body: fixture('list-page') }), { api: 'current' });
    await c.list('wf-123');
    expect(calls[0]!.url.href).toBe(`${CURRENT}/wf-123/executions`);
    expect(calls[0]!.headers.get('authorization')).toBe(`Bearer ${API_KEY}`);
  });

  it('omits nextOffset on the last page, on an empty page, and when the offset does not move forward', async () => {
    const bodies = [
      { executions: [{ execution_id: 'a', status: 'running' }], offset: 142, total_count: 142 },
      { executions: [], offset: 50, total_count: 142 },
      { executions: null, offset: 0, total_count: 0 },
      { executions: [{ execution_id: 'a', status: 'running' }], offset: 10, total_count: 142 },
      { executions: [{ execution_id: 'a', status: 'running' }], total_count: 142 },
    ];
    const { client: c } = client((_, n) => ({ body: bodies[n - 1] }));
    for (let i = 0; i < 3; i++) expect((await c.list('wf')).nextOffset).toBeUndefined();
    expect((await c.list('wf', { offset: 10 })).nextOffset).toBeUndefined();
    const last = await c.list('wf');
    expect(last.nextOffset).toBeUndefined();
    expect(last.totalCount).toBe(142);
  });

  it.each([
    [{ limit: 0 }, 'limit'],
    [{ limit: 101 }, 'limit'],
    [{ limit: 1.5 }, 'limit'],
    [{ limit: '10' }, 'limit'],
    [{ offset: -1 }, 'offset'],
    [{ offset: 0.5 }, 'offset'],
    [{ offset: Number.NaN }, 'offset'],
    [{ bulkId: '' }, 'bulkId'],
    [{ bulkId: 7 }, 'bulkId'],
  ])('list %j throws a ConfigError naming %s, before any request', (query, option) => {
    const { client: c, calls } = client(() => ({ body: fixture('list-page') }));
    let error: unknown;
    try {
      void c.list('wf', query as never);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).option).toBe(option);
    expect(calls).toHaveLength(0);
  });

  it('accepts the limits 1 and 100', async () => {
    const { client: c, calls } = client(() => ({ body: fixture('list-page') }));
    await c.list('wf', { limit: 1 });
    await c.list('wf', { limit: 100 });
    expect(calls.map((call) => call.url.searchParams.get('limit'))).toEqual(['1', '100']);
  });

  it('legacy trigger: POST /{workflowID}/trigger with {version_id, inputs, webhook_url}', async () => {
    const { client: c, calls } = client(() => ({ status: 202, body: fixture('trigger-legacy') }));
    const result = await c.trigger(WF_ID, {
      inputs: { prompt: 'A majestic mountain landscape' },
      versionId: 'v1',
      webhookUrl: 'https://example.test/hook',
    });
    expect(result).toEqual({ executionId: EXEC_ID });
    expect(calls[0]!.method).toBe('POST');
    expect(calls[0]!.url.href).toBe(`${LEGACY}/${WF_ID}/trigger`);
    expect(calls[0]!.headers.get('x-api-key')).toBe(API_KEY);
    expect(calls[0]!.headers.get('content-type')).toBe('application/json');
    expect(calls[0]!.body).toEqual({
      version_id: 'v1',
      inputs: { prompt: 'A majestic mountain landscape' },
      webhook_url: 'https://example.test/hook',
    });
  });

  it('legacy trigger without inputs or version sends inputs: {} (the field is required there)', async () => {
    const { client: c, calls } = client(() => ({ status: 202, body: fixture('trigger-legacy') }));
    await c.trigger(WF_ID, {});
    expect(calls[0]!.body).toEqual({ inputs: {} });
  });

  it('current trigger: POST /trigger/{workflowID}/{versionID} with {inputs, webhook_url} and a bearer token', async () => {
    const { client: c, calls } = client(() => ({ status: 202, body: fixture('trigger-current') }), { api: 'current' });
    const result = await c.trigger(WF_ID, {
      inputs: { prompt: 'x' },
      versionId: 'v 2',
      webhookUrl: 'https://example.test/hook',
    });
    expect(result).toEqual({ executionId: EXEC_ID });
    expect(calls[0]!.method).toBe('POST');
    expect(calls[0]!.url.href).toBe(`${CURRENT}/trigger/${WF_ID}/v%202`);
    expect(calls[0]!.headers.get('authorization')).toBe(`Bearer ${API_KEY}`);
    expect(calls[0]!.body).toEqual({ inputs: { prompt: 'x' }, webhook_url: 'https://example.test/hook' });
  });

  it('current trigger without versionId throws a ConfigError and sends nothing', () => {
    const { client: c, calls } = client(() => ({ status: 202, body: fixture('trigger-current') }), { api: 'current' });
    expect(() => c.trigger(WF_ID, { inputs: {} })).toThrow(ConfigError);
    expect(() => c.runAndWatch(WF_ID, { inputs: {} })).toThrow(ConfigError);
    expect(calls).toHaveLength(0);
  });

  it.each([
    [null, 'body'],
    [{ inputs: null }, 'inputs'],
    [{ inputs: [1, 2] }, 'inputs'],
    [{ versionId: '' }, 'versionId'],
    [{ webhookUrl: 'not a url' }, 'webhookUrl'],
    [{ webhookUrl: 'ftp://example.test/x' }, 'webhookUrl'],
  ])('trigger body %j throws a ConfigError naming %s', (body, option) => {
    const { client: c } = client(() => ({ status: 202, body: fixture('trigger-legacy') }));
    expect(() => c.trigger(WF_ID, body as never)).toThrow(expect.objectContaining({ name: 'ConfigError', option }));
  });

  it('rejects a trigger reply without execution_id', async () => {
    const { client: c } = client(() => ({ status: 202, body: { status: 'queued' } }));
    await expect(c.trigger(WF_ID, {})).rejects.toThrow(ResponseValidationError);
  });

  it('percent-encodes ids into the path, so an id cannot reach another endpoint', async () => {
    const { client: c, calls } = client((call) => ({
      body: call.url.pathname.endsWith('/executions') ? fixture('list-page') : execution('running', {}),
    }));
    await c.get('a/../b?x=1#y');
    await c.list('w/1');
    expect(calls[0]!.url.pathname).toBe('/api/v1/executions/a%2F..%2Fb%3Fx%3D1%23y');
    expect(calls[0]!.url.search).toBe('');
    expect(calls[1]!.url.pathname).toBe('/api/v1/workflows/w%2F1/executions');
  });

  it.each([[''], ['   '], [42], [undefined], [null], [{}]])('throws a ConfigError at once for the id %j', (id) => {
    const { client: c, calls } = client(() => ({ body: execution('running', {}) }));
    expect(() => c.watch(id as never)).toThrow(ConfigError);
    expect(() => c.get(id as never)).toThrow(ConfigError);
    expect(() => c.list(id as never)).toThrow(ConfigError);
    expect(() => c.trigger(id as never, {})).toThrow(ConfigError);
    expect(() => c.watchBulk(id as never, 'b')).toThrow(ConfigError);
    expect(() => c.watchBulk('wf', id as never)).toThrow(ConfigError);
    expect(calls).toHaveLength(0);
  });

  it("get passes the caller's signal through: aborting rejects and aborts the fetch", async () => {
    const { client: c, calls } = client(
      (call) =>
        new Promise<Reply>((_, reject) => call.signal?.addEventListener('abort', () => reject(call.signal?.reason))),
    );
    const controller = new AbortController();
    const pending = c.get('e1', { signal: controller.signal });
    await Promise.resolve();
    await Promise.resolve();
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
    expect(calls[0]!.signal?.aborted).toBe(true);
    expect(() => c.get('e1', { signal: 'no' as never })).toThrow(ConfigError);
  });

  it('lets baseUrl replace the documented base, path included', async () => {
    const { client: c, calls } = client(() => ({ body: execution('running', {}) }), {
      baseUrl: 'http://127.0.0.1:9/proxy/each/',
    });
    await c.get('e1');
    expect(calls[0]!.url.href).toBe('http://127.0.0.1:9/proxy/each/executions/e1');
  });

  it('throws a ConfigError for an unknown api or a missing key, without echoing the key', () => {
    expect(() => eachlabs({ apiKey: API_KEY, api: 'v2' as never })).toThrow(ConfigError);
    expect(() => eachlabs({ apiKey: '' })).toThrow(ConfigError);
    expect(() => eachlabs(null as never)).toThrow(ConfigError);
  });

  it('applies a rateLimit budget when one is given (none by default)', async () => {
    vi.useFakeTimers();
    try {
      const limited = client(() => ({ body: execution('running', {}) }), {
        rateLimit: { requests: 1, intervalMs: 1_000 },
      });
      void limited.client.get('e1');
      void limited.client.get('e2');
      await vi.advanceTimersByTimeAsync(10);
      expect(limited.calls).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(1_000);
      expect(limited.calls).toHaveLength(2);

      const free = client(() => ({ body: execution('running', {}) }));
      await Promise.all([free.client.get('e1'), free.client.get('e2'), free.client.get('e3')]);
      expect(free.calls).toHaveLength(3);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('eachlabs client: errors', () => {
  it.each([
    [401, 'error-401', AuthenticationError, 'Invalid or missing API key', false],
    [403, 'error-401', AuthenticationError, 'Invalid or missing API key', false],
    [404, 'error-404-execution', NotFoundError, 'execution not found', false],
    [400, 'error-400-bulk-id', HttpError, 'invalid bulk_id format', false],
    [429, null, RateLimitError, 'too many executions in flight', true],
    [502, null, HttpError, 'bad gateway', true],
  ] as const)(
    'maps HTTP %i to its error class with the body error as message and X-Request-Id kept',
    async (status, name, cls, message, retryable) => {
      const body = name === null ? { error: message } : fixture(name);
      const { client: c } = client(() => ({ status, body, headers: { 'X-Request-Id': 'req-42' } }));
      const error = (await caught(() => c.get(EXEC_ID))) as HttpError;
      expect(error).toBeInstanceOf(cls);
      expect(error.message).toContain(message);
      expect(error.status).toBe(status);
      expect(error.requestId).toBe('req-42');
      expect(error.provider).toBe('eachlabs');
      expect(error.executionId).toBe(EXEC_ID);
      expect(error.retryable).toBe(retryable);
    },
  );

  it('maps list errors too (404 workflow not found)', async () => {
    const { client: c } = client(() => ({
      status: 404,
      body: fixture('error-404-workflow'),
      headers: { 'x-request-id': 'r1' },
    }));
    const error = (await caught(() => c.list('nope'))) as NotFoundError;
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error.message).toContain('workflow not found');
    expect(error.requestId).toBe('r1');
  });

  it('never puts the API key in a URL, an error message, an error field or a cause', async () => {
    const replies: (() => Reply | Promise<Reply>)[] = [
      () => ({ status: 401, body: { error: `Invalid or missing API key: ${API_KEY}` } }),
      () => ({ status: 400, body: { error: 'bad input', error_cause: `key ${API_KEY} lacks scope` } }),
      () => ({ status: 429, body: { error: `cap reached for ${API_KEY}` }, headers: { 'x-request-id': 'r' } }),
      () => ({ status: 500, text: `<html>upstream said ${API_KEY}</html>` }),
      () => ({ status: 200, body: { execution_id: API_KEY, status: 5 } }),
      () => Promise.reject(new TypeError(`fetch failed: ECONNRESET ${API_KEY}`)),
    ];
    const api = ['legacy', 'current'] as const;
    for (const host of api) {
      const { client: c, calls } = client((_, n) => replies[(n - 1) % replies.length]!(), { api: host });
      const errors: unknown[] = [];
      for (let i = 0; i < replies.length; i++) errors.push(await caught(() => c.get(EXEC_ID)));
      errors.push(await caught(() => c.list('wf', { bulkId: 'b' })));
      expect(errors[5]).toBeInstanceOf(NetworkError);
      for (const error of errors) {
        const e = error as Error & Record<string, unknown>;
        const cause = e.cause as Error | undefined;
        const everything = [
          e.message,
          e.stack ?? '',
          JSON.stringify({ ...e }),
          String(cause ?? ''),
          cause?.message ?? '',
          JSON.stringify((e as { issues?: unknown }).issues ?? null),
        ].join('\n');
        expect(everything).not.toContain(API_KEY);
      }
      for (const call of calls) expect(call.url.href).not.toContain(API_KEY);
    }
  });
});

describe('eachlabs client: watch', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const backoff = { initialDelayMs: 1_000, maxDelayMs: 1_000, jitter: 'none' } as const;

  it('polls running → completed, emits each change and completes after the terminal update', async () => {
    const bodies = [
      execution('running', { step1: 'running', step2: 'queued' }),
      execution('running', { step1: 'running', step2: 'queued' }),
      execution('running', { step1: 'completed', step2: 'running' }),
      fixture('execution-completed'),
    ];
    const { client: c, calls } = client((_, n) => ({ body: bodies[Math.min(n, bodies.length) - 1] }));
    const updates: ExecutionUpdate[] = [];
    let completed = false;
    c.watch(EXEC_ID, { backoff }).subscribe({ next: (u) => updates.push(u), complete: () => (completed = true) });
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toHaveLength(1); // the first request goes out at subscription, without waiting
    await vi.advanceTimersByTimeAsync(10_000);
    expect(completed).toBe(true);
    expect(calls).toHaveLength(4);
    expect(updates.map((u) => u.snapshot.status)).toEqual(['running', 'running', 'completed']);
    expect(updates[0]!.changes.map((ch) => ch.type)).toEqual(['step-added', 'step-added', 'execution-status']);
    expect(updates[1]!.changes).toEqual([
      expect.objectContaining({ type: 'step-status', from: 'running', to: 'completed' }),
      expect.objectContaining({ type: 'step-status', from: 'queued', to: 'running' }),
    ]);
    expect(updates[2]!.changes.at(-1)).toEqual({
      type: 'execution-status',
      executionId: EXEC_ID,
      from: 'running',
      to: 'completed',
    });
    expect(updates[2]!.changes.map((ch) => ch.type)).toContain('execution-output');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('retries a 503 and a 429 silently and errors at once on a 404', async () => {
    const replies: Reply[] = [
      { body: execution('running', {}) },
      { status: 503, body: { error: 'unavailable' } },
      { status: 429, body: { error: 'too many executions' } },
      { status: 404, body: fixture('error-404-execution') },
    ];
    const { client: c, calls } = client((_, n) => replies[n - 1]!);
    const updates: ExecutionUpdate[] = [];
    let failure: unknown;
    c.watch(EXEC_ID, { backoff }).subscribe({ next: (u) => updates.push(u), error: (e: unknown) => (failure = e) });
    await vi.advanceTimersByTimeAsync(20_000);
    expect(calls).toHaveLength(4);
    expect(updates).toHaveLength(1);
    expect(failure).toBeInstanceOf(NotFoundError);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('aborts the request in flight and leaves no timer on unsubscribe', async () => {
    const { client: c, calls } = client(
      (call) =>
        new Promise<Reply>((_, reject) => {
          call.signal?.addEventListener('abort', () => reject(call.signal?.reason));
        }),
    );
    const subscription = c.watch(EXEC_ID, { backoff }).subscribe({ error: () => undefined });
    await vi.advanceTimersByTimeAsync(5);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.signal?.aborted).toBe(false);
    subscription.unsubscribe();
    expect(calls[0]!.signal?.aborted).toBe(true);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('runAndWatch errors the stream when the trigger fails, without polling', async () => {
    const { client: c, calls } = client(() => ({ status: 401, body: fixture('error-401') }));
    let failure: unknown;
    c.runAndWatch(WF_ID, {}, { backoff }).subscribe({ error: (e: unknown) => (failure = e) });
    await vi.advanceTimersByTimeAsync(5_000);
    expect(failure).toBeInstanceOf(AuthenticationError);
    expect(calls.map((call) => call.method)).toEqual(['POST']);
  });

  it('runAndWatch triggers only at subscription, then watches the new execution', async () => {
    const { client: c, calls } = client(
      (call, n) =>
        call.method === 'POST'
          ? { status: 202, body: fixture('trigger-current') }
          : { body: n < 3 ? fixture('execution-current-running') : fixture('execution-completed') },
      { api: 'current' },
    );
    const watched = c.runAndWatch(WF_ID, { inputs: { prompt: 'x' }, versionId: 'v1' }, { backoff });
    await vi.advanceTimersByTimeAsync(5_000);
    expect(calls).toHaveLength(0); // cold
    const statuses: string[] = [];
    let completed = false;
    watched.subscribe({ next: (u) => statuses.push(u.snapshot.status), complete: () => (completed = true) });
    await vi.advanceTimersByTimeAsync(5_000);
    expect(completed).toBe(true);
    expect(calls.map((call) => `${call.method} ${call.url.pathname}`)).toEqual([
      `POST /v1/workflows/trigger/${WF_ID}/v1`,
      `GET /v1/workflows/executions/${EXEC_ID}`,
      `GET /v1/workflows/executions/${EXEC_ID}`,
    ]);
    expect(statuses).toEqual(['running', 'completed']);
  });
});

describe('eachlabs client: watchBulk', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const backoff = { initialDelayMs: 1_000, maxDelayMs: 1_000, jitter: 'none' } as const;

  /** Serves the list endpoint in pages of two; `round(n)` gives each execution's status for the n-th round. */
  function bulkServer(round: (n: number) => Record<string, string>) {
    let rounds = 0;
    return (call: Call): Reply => {
      const offset = Number(call.url.searchParams.get('offset') ?? 0);
      if (offset === 0) rounds++;
      const all = Object.entries(round(rounds)).map(([id, status]) => ({
        execution_id: id,
        flow_id: 'wf-123',
        flow_name: 'Text to Image Generator',
        version_id: 'v1',
        status,
        started_at: '2025-12-20T10:00:00Z',
        ended_at: ['completed', 'failed'].includes(status) ? '2025-12-20T10:05:00Z' : null,
      }));
      return { body: { executions: all.slice(offset, offset + 2), offset: offset + 2, total_count: all.length } };
    };
  }

  it('emits an update per execution that changed and completes when all three are terminal', async () => {
    const script = [
      { a: 'running', b: 'running', c: 'queued' },
      { a: 'completed', b: 'running', c: 'queued' },
      { a: 'completed', b: 'running', c: 'queued' },
      { a: 'completed', b: 'failed', c: 'running' },
      { a: 'completed', b: 'failed', c: 'completed' },
    ];
    const { client: c, calls } = client(bulkServer((n) => script[Math.min(n, script.length) - 1]!));
    const seen: string[] = [];
    let completed = false;
    c.watchBulk('wf-123', 'bulk-1', { backoff, steps: false }).subscribe({
      next: (u) => seen.push(`${u.snapshot.executionId}:${u.previous?.status ?? '-'}>${u.snapshot.status}`),
      complete: () => (completed = true),
    });
    await vi.advanceTimersByTimeAsync(1);
    expect(seen).toEqual(['a:->running', 'b:->running', 'c:->queued']);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(seen.slice(3)).toEqual(['a:running>completed']);
    expect(completed).toBe(false);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(seen.slice(4)).toEqual(['b:running>failed', 'c:queued>running', 'c:running>completed']);
    expect(completed).toBe(true);
    // Five rounds of two pages each, every one filtered by the bulk.
    expect(calls).toHaveLength(10);
    for (const call of calls) {
      expect(call.url.pathname).toBe('/api/v1/workflows/wf-123/executions');
      expect(call.url.searchParams.get('bulk_id')).toBe('bulk-1');
      expect(call.url.searchParams.get('limit')).toBe('100');
    }
    expect(calls.map((call) => call.url.searchParams.get('offset'))).toEqual(Array(5).fill(['0', '2']).flat());
    expect(vi.getTimerCount()).toBe(0);
  });

  it('builds each snapshot from the summary', async () => {
    const { client: c } = client(bulkServer(() => ({ a: 'completed' })));
    const updates: ExecutionUpdate[] = [];
    c.watchBulk('wf-123', 'bulk-1', { backoff, steps: false }).subscribe((u) => updates.push(u));
    await vi.advanceTimersByTimeAsync(1);
    expect(updates[0]!.snapshot).toMatchObject({
      provider: 'eachlabs',
      executionId: 'a',
      workflowId: 'wf-123',
      status: 'completed',
      startedAt: '2025-12-20T10:00:00.000Z',
      completedAt: '2025-12-20T10:05:00.000Z',
      steps: [],
    });
    expect(updates[0]!.changes).toEqual([
      { type: 'execution-status', executionId: 'a', from: undefined, to: 'completed' },
    ]);
  });

  it('does not complete before any execution is seen, and rides out a 502', async () => {
    const { client: c, calls } = client((call, n) => {
      if (n <= 2) return { body: { executions: null, offset: 0, total_count: 0 } };
      if (n === 3) return { status: 502, body: { error: 'bad gateway' } };
      return bulkServer(() => ({ a: 'cancelled' }))(call);
    });
    let completed = false;
    const ids: string[] = [];
    c.watchBulk('wf', 'b', { backoff, steps: false }).subscribe({
      next: (u) => ids.push(u.snapshot.executionId),
      complete: () => (completed = true),
    });
    await vi.advanceTimersByTimeAsync(1_500);
    expect(completed).toBe(false);
    expect(ids).toEqual([]);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(calls).toHaveLength(4);
    expect(ids).toEqual(['a']);
    expect(completed).toBe(true);
  });

  it('uses the current host path', async () => {
    const { client: c, calls } = client(
      bulkServer(() => ({ a: 'completed' })),
      { api: 'current' },
    );
    c.watchBulk('wf-123', 'b', { steps: false }).subscribe();
    await vi.advanceTimersByTimeAsync(1);
    expect(calls[0]!.url.pathname).toBe('/v1/workflows/wf-123/executions');
  });

  it('aborts the list request in flight and leaves no timer on unsubscribe', async () => {
    const { client: c, calls } = client(
      (call) =>
        new Promise<Reply>((_, reject) => call.signal?.addEventListener('abort', () => reject(call.signal?.reason))),
    );
    const subscription = c.watchBulk('wf', 'b', { backoff, steps: false }).subscribe({ error: () => undefined });
    await vi.advanceTimersByTimeAsync(1);
    subscription.unsubscribe();
    expect(calls[0]!.signal?.aborted).toBe(true);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(calls).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects `since` and bad options at once', () => {
    const { client: c } = client(() => ({ body: {} }));
    const since = readEachLabs(fixture('execution-completed'));
    expect(() => c.watchBulk('wf', 'b', { since })).toThrow(ConfigError);
    expect(() => c.watchBulk('wf', 'b', { maxWaitMs: -1 })).toThrow(ConfigError);
  });
});

describe('eachlabs: fuzz', () => {
  type Path = (string | number)[];
  function paths(value: unknown, prefix: Path = []): Path[] {
    const out: Path[] = [prefix];
    if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...prefix, i])));
    else if (typeof value === 'object' && value !== null)
      for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
    return out;
  }
  function mutate(root: unknown, path: Path, value: unknown, remove: boolean): unknown {
    if (path.length === 0) return value;
    const copy = clone(root) as Record<string | number, unknown>;
    let parent = copy;
    for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
    const last = path.at(-1)!;
    if (remove) delete parent[last];
    else parent[last] = value;
    return copy;
  }
  const mutated = (base: unknown) =>
    fc
      .tuple(fc.constantFrom(...paths(base)), fc.anything(), fc.boolean())
      .map(([path, value, remove]) => mutate(base, path, value, remove));

  const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
  function check(run: () => unknown): void {
    let result: unknown;
    try {
      result = run();
    } catch (error) {
      expect(error).toBeInstanceOf(ResponseValidationError);
      return;
    }
    const snapshot = result as ReturnType<typeof normalizeEachLabs>;
    expect(EXECUTION_STATUSES).toContain(snapshot.status);
    expect(typeof snapshot.executionId).toBe('string');
    expect(new Set(snapshot.steps.map((s) => s.key)).size).toBe(snapshot.steps.length);
    for (const time of [
      snapshot.startedAt,
      snapshot.completedAt,
      ...snapshot.steps.flatMap((s) => [s.startedAt, s.completedAt]),
    ]) {
      if (time !== undefined) expect(time).toMatch(ISO);
    }
  }

  it('gives a snapshot or a ResponseValidationError for any body, never a TypeError', () => {
    const bases = ['execution-completed', 'execution-failed', 'execution-current-running'].map(fixture);
    fc.assert(
      fc.property(fc.oneof(fc.anything(), ...bases.map(mutated)), (body) => check(() => readEachLabs(body))),
      { numRuns: 400 },
    );
  });

  it('gives a page or a ResponseValidationError for any list body', async () => {
    const base = fixture('list-page');
    let body: unknown;
    const { client: c } = client(() => ({ body }));
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.anything(), mutated(base)), async (candidate) => {
        body = candidate;
        try {
          const page = await c.list('wf');
          expect(Number.isInteger(page.totalCount)).toBe(true);
          for (const e of page.executions) expect(EXECUTION_STATUSES).toContain(e.status);
          if (page.nextOffset !== undefined) expect(page.nextOffset).toBeLessThan(page.totalCount);
        } catch (error) {
          expect(error).toBeInstanceOf(ResponseValidationError);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('eachlabs adapter: error bodies', () => {
  it.each([
    [{ error: 'execution not found' }, 'execution not found'],
    [{ error: 'ModelError', error_cause: 'CUDA out of memory' }, 'ModelError: CUDA out of memory'],
  ])('reads %j', (body, message) => {
    expect(eachlabsEndpoints('legacy').adapter.readError(body).message).toBe(message);
  });
});
