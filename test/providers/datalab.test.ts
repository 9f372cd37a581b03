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
import { isResponseValidationError } from '../../src/core/error-guards.js';
import type { ExecutionUpdate, StepSnapshot } from '../../src/core/model.js';
import {
  DatalabErrorBody,
  DatalabExecuteResponse,
  DatalabExecution,
  datalab,
  type DatalabSnapshot,
} from '../../src/providers/datalab/index.js';
import { datalabAdapter } from '../../src/providers/datalab/adapter.js';
import { readStatus } from '../helpers/read.js';
/** Validates and normalizes a status body, as the client does. */
const readDatalab = (body: unknown) => readStatus(datalabAdapter, body);

const API_KEY = 'dl-test-key-4f9a2c7e1b';
const BASE = 'https://www.datalab.to/api/v1/workflows';

type Json = Record<string, unknown>;

function fixture(name: string): Json {
  return JSON.parse(readFileSync(new URL(`../fixtures/datalab/${name}.json`, import.meta.url), 'utf8')) as Json;
}

interface Call {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: unknown;
}

/** A counting fake `fetch`: records every request and answers from `handler`. */
function fakeFetch(handler: (call: Call) => Response | Promise<Response>) {
  const calls: Call[] = [];
  const fetch = vi.fn(async (input: string, init: RequestInit = {}) => {
    const call: Call = {
      url: input,
      method: init.method ?? 'GET',
      headers: Object.fromEntries(new Headers(init.headers).entries()),
      body: typeof init.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined,
    };
    calls.push(call);
    if (init.signal?.aborted) throw init.signal.reason;
    return handler(call);
  });
  return { fetch: fetch as unknown as typeof globalThis.fetch, calls };
}

function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
}

function providerCalls(calls: Call[]): Call[] {
  return calls.filter((c) => c.url.startsWith(BASE));
}

/** Collects a watch's updates, error and completion. */
function record<T>(source: {
  subscribe(o: { next(v: T): void; error(e: unknown): void; complete(): void }): { unsubscribe(): void };
}) {
  const out = {
    updates: [] as T[],
    error: undefined as unknown,
    completed: false,
    subscription: undefined as unknown as { unsubscribe(): void },
  };
  out.subscription = source.subscribe({
    next: (v) => out.updates.push(v),
    error: (e) => (out.error = e),
    complete: () => (out.completed = true),
  });
  return out;
}

const changeTypes = (update: ExecutionUpdate): string[] => update.changes.map((c) => c.type);

afterEach(() => {
  vi.useRealTimers();
});

describe('normalizeDatalab', () => {
  it('normalizes the documented example: COMPLETED parse with outputUrl, IN_PROGRESS extract, PENDING segment', () => {
    const body = fixture('status-documented');
    const snapshot = readDatalab(body);
    expect(snapshot).toEqual({
      provider: 'datalab',
      executionId: '123',
      workflowId: '456',
      status: 'running',
      rawStatus: 'IN_PROGRESS',
      startedAt: '2025-10-22T10:00:00.000Z',
      steps: [
        {
          key: 'parse',
          name: 'parse',
          status: 'completed',
          rawStatus: 'COMPLETED',
          startedAt: '2025-10-22T10:00:00.000Z',
          completedAt: '2025-10-22T10:02:00.000Z',
          outputUrl: 'https://presigned-url-to-output.json',
        },
        {
          key: 'extract',
          name: 'extract',
          status: 'running',
          rawStatus: 'IN_PROGRESS',
          startedAt: '2025-10-22T10:02:00.000Z',
        },
        { key: 'segment', name: 'segment', status: 'pending', rawStatus: 'PENDING' },
      ],
      raw: body,
    });
    // Not terminal yet: `updated` is not a completion time.
    expect('completedAt' in snapshot).toBe(false);
  });

  it('reads a completed execution: completedAt is `updated`, read as UTC', () => {
    const snapshot = readDatalab(fixture('status-completed'));
    expect(snapshot.status).toBe('completed');
    expect(snapshot.completedAt).toBe('2025-10-22T10:09:30.000Z');
    expect(snapshot.steps.map((s) => [s.key, s.status])).toEqual([
      ['parse', 'completed'],
      ['extract', 'completed'],
      ['segment', 'completed'],
    ]);
    expect(snapshot.steps.every((s) => s.outputUrl?.startsWith('https://bucket.example.test/'))).toBe(true);
    expect(snapshot.error).toBeUndefined();
  });

  it('reads a failed execution and names the failed steps', () => {
    const snapshot = readDatalab(fixture('status-failed'));
    expect(snapshot.status).toBe('failed');
    expect(snapshot.rawStatus).toBe('FAILED');
    expect(snapshot.completedAt).toBe('2025-10-22T11:03:10.000Z');
    expect(snapshot.steps.map((s) => s.status)).toEqual(['completed', 'failed', 'pending']);
    expect(snapshot.error).toEqual({ message: 'Step(s) failed: extract' });
  });

  it('prefers an `error` string in the body, and ignores an error of another shape', () => {
    expect(readDatalab({ ...fixture('status-failed'), error: 'Out of credits' }).error).toEqual({
      message: 'Out of credits',
    });
    expect(readDatalab({ ...fixture('status-failed'), error: { code: 7 } }).error).toEqual({
      message: 'Step(s) failed: extract',
    });
  });

  it('reads the nested form as one step per file, keyed unique_name/file_key, in body order', () => {
    const snapshot = readDatalab(fixture('status-nested'));
    expect(snapshot.steps.map((s) => ({ key: s.key, name: s.name, status: s.status }))).toEqual([
      { key: 'parse/file_a1b2', name: 'parse', status: 'completed' },
      { key: 'parse/file_c3d4', name: 'parse', status: 'running' },
      { key: 'summarize/aggregated', name: 'summarize', status: 'pending' },
    ]);
    expect(snapshot.steps[0]).toMatchObject({
      startedAt: '2025-10-22T12:00:00.000Z',
      completedAt: '2025-10-22T12:01:30.000Z',
      outputUrl: expect.stringContaining('/parse/file_a1b2.json'),
    });
  });

  it('keeps nested keys stable from poll to poll', () => {
    const first = readDatalab(fixture('status-nested'));
    const body = fixture('status-nested');
    const parse = (body['steps'] as Json)['parse'] as Record<string, Json>;
    parse['file_c3d4'] = { status: 'COMPLETED', output_url: 'https://bucket.example.test/x.json?sig=2' };
    const second = readDatalab(body);
    expect(second.steps.map((s) => s.key)).toEqual(first.steps.map((s) => s.key));
  });

  it('tells a nested step named like a field apart from a flat step', () => {
    const snapshot = readDatalab({
      execution_id: 1,
      status: 'IN_PROGRESS',
      steps: { flat: { status: 'QUEUED' }, nested: { status: { status: 'COMPLETED' } } },
    });
    expect(snapshot.steps.map((s) => [s.key, s.status])).toEqual([
      ['flat', 'queued'],
      ['nested/status', 'completed'],
    ]);
  });

  it.each([
    ['QUEUED', 'queued'],
    ['PENDING', 'queued'],
    ['IN_PROGRESS', 'running'],
    ['COMPLETED', 'completed'],
    ['FAILED', 'failed'],
    ['in_progress', 'running'],
    ['Completed', 'completed'],
    ['CANCELLED', 'unknown'],
    ['PAUSED', 'unknown'],
    ['', 'unknown'],
  ] as const)('maps execution status %j to %j', (raw, status) => {
    const snapshot = readDatalab({ execution_id: 1, status: raw });
    expect(snapshot.status).toBe(status);
    expect(snapshot.rawStatus).toBe(raw);
  });

  it.each([
    ['PENDING', 'pending'],
    ['QUEUED', 'queued'],
    ['IN_PROGRESS', 'running'],
    ['COMPLETED', 'completed'],
    ['FAILED', 'failed'],
    ['pending', 'pending'],
    ['SKIPPED', 'unknown'],
    ['WAITING_FOR_GPU', 'unknown'],
  ] as const)('maps step status %j to %j', (raw, status) => {
    const [step] = readDatalab({ execution_id: 1, status: 'IN_PROGRESS', steps: { s: { status: raw } } }).steps;
    expect(step).toEqual({ key: 's', name: 's', status, rawStatus: raw });
  });

  it('accepts a body without steps, with null steps, and with null times', () => {
    expect(readDatalab({ execution_id: 9, status: 'QUEUED' }).steps).toEqual([]);
    const snapshot = readDatalab({ execution_id: 9, status: 'QUEUED', steps: null, created: null, workflow_id: null });
    expect(snapshot.steps).toEqual([]);
    expect(snapshot.startedAt).toBeUndefined();
    expect(snapshot.workflowId).toBeUndefined();
  });

  it('turns times with a zone into UTC, and drops unreadable ones', () => {
    const snapshot = readDatalab({
      execution_id: 1,
      status: 'COMPLETED',
      created: '2025-10-22T12:00:00+02:00',
      updated: 'yesterday',
    });
    expect(snapshot.startedAt).toBe('2025-10-22T10:00:00.000Z');
    expect(snapshot.completedAt).toBeUndefined();
  });

  it.each([
    ['a body that is not an object', 'nope', []],
    ['a missing status', { execution_id: 1 }, ['status']],
    ['a numeric status', { execution_id: 1, status: 3 }, ['status']],
    ['a fractional id', { execution_id: 1.5, status: 'QUEUED' }, ['execution_id']],
    ['an empty string id', { execution_id: '', status: 'QUEUED' }, ['execution_id']],
    [
      'a flat step with a bad time',
      { execution_id: 1, status: 'QUEUED', steps: { a: { status: 'PENDING', started_at: 5 } } },
      ['steps', 'a', 'started_at'],
    ],
    [
      'a flat step with a numeric status',
      { execution_id: 1, status: 'QUEUED', steps: { a: { status: 3 } } },
      ['steps', 'a', 'status'],
    ],
    [
      'a nested step without status',
      { execution_id: 1, status: 'QUEUED', steps: { a: { f1: { output_url: 'x' } } } },
      ['steps', 'a', 'f1', 'status'],
    ],
  ])('rejects %s with a ResponseValidationError naming the path', (_, body, path) => {
    let error: unknown;
    try {
      readDatalab(body);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ResponseValidationError);
    const issues = (error as ResponseValidationError).issues;
    expect(issues[0]?.path).toEqual(path);
    expect((error as Error).message).toContain('datalab: unexpected execution body');
  });

  it('exports schemas that parse the documented bodies', () => {
    expect(DatalabExecution.safeParse(fixture('status-documented')).success).toBe(true);
    expect(DatalabExecuteResponse.safeParse(fixture('execute-response')).success).toBe(true);
    for (const name of ['error-401', 'error-404', 'error-422', 'error-429']) {
      expect(DatalabErrorBody.safeParse(fixture(name)).success).toBe(true);
    }
    // Loose: unknown fields pass through into `raw`.
    expect(
      readDatalab({ execution_id: 1, status: 'QUEUED', input_config: { type: 'single_file' } }).raw['input_config'],
    ).toEqual({
      type: 'single_file',
    });
  });
});

describe('normalizeDatalab (fuzz)', () => {
  const status = fc.oneof(
    fc.constantFrom('QUEUED', 'PENDING', 'IN_PROGRESS', 'COMPLETED', 'FAILED', 'in_progress'),
    fc.string(),
    fc.anything(),
  );
  const time = fc.oneof(fc.constant('2025-10-22T10:00:00'), fc.string(), fc.constant(null), fc.anything());
  const step = fc.record(
    {
      status,
      started_at: time,
      completed_at: time,
      output_url: fc.oneof(fc.webUrl(), fc.constant(null), fc.anything()),
    },
    { requiredKeys: [] },
  );
  const steps = fc.oneof(
    fc.dictionary(fc.string(), fc.oneof(step, fc.dictionary(fc.string(), step), fc.anything())),
    fc.constant(null),
    fc.anything(),
  );
  const body = fc.record(
    {
      execution_id: fc.oneof(fc.integer(), fc.string(), fc.double(), fc.anything()),
      workflow_id: fc.oneof(fc.integer(), fc.string(), fc.constant(null), fc.anything()),
      status,
      created: time,
      updated: time,
      steps,
    },
    { requiredKeys: [] },
  );

  const check = (input: unknown): void => {
    let snapshot: DatalabSnapshot;
    try {
      snapshot = readDatalab(input);
    } catch (error) {
      expect(isResponseValidationError(error), String(error)).toBe(true);
      return;
    }
    expect(typeof snapshot.executionId).toBe('string');
    expect(Array.isArray(snapshot.steps)).toBe(true);
    for (const s of snapshot.steps) {
      expect(typeof s.key).toBe('string');
      if (s.startedAt !== undefined) expect(s.startedAt).toMatch(/Z$/);
    }
  };

  it('returns a snapshot or throws a ResponseValidationError for random bodies, never a TypeError', () => {
    fc.assert(fc.property(fc.oneof(body, fc.anything()), check), { numRuns: 400 });
  });

  /** Every path to a value inside a JSON document. */
  function paths(value: unknown, prefix: string[] = []): string[][] {
    if (typeof value !== 'object' || value === null) return [prefix];
    return [prefix, ...Object.keys(value).flatMap((k) => paths((value as Json)[k], [...prefix, k]))];
  }

  function mutate(doc: unknown, path: string[], replacement: unknown, remove: boolean): unknown {
    if (path.length === 0) return remove ? undefined : replacement;
    const copy = structuredClone(doc) as Json;
    let parent = copy;
    for (const key of path.slice(0, -1)) parent = parent[key] as Json;
    const last = path[path.length - 1]!;
    if (remove) delete parent[last];
    else parent[last] = replacement;
    return copy;
  }

  it('survives mutations of the documented fixtures', () => {
    const docs = ['status-documented', 'status-completed', 'status-failed', 'status-nested'].map(fixture);
    const mutation = fc
      .constantFrom(...docs)
      .chain((doc) => fc.tuple(fc.constant(doc), fc.constantFrom(...paths(doc)), fc.jsonValue(), fc.boolean()));
    fc.assert(
      fc.property(mutation, ([doc, path, replacement, remove]) => check(mutate(doc, path, replacement, remove))),
      { numRuns: 400 },
    );
  });
});

describe('datalab client', () => {
  it('gets an execution with GET /executions/{id} and the X-API-Key header', async () => {
    const { fetch, calls } = fakeFetch(() => json(fixture('status-documented')));
    const client = datalab({ apiKey: API_KEY, fetch, rateLimit: false });
    const snapshot = await client.get(123);
    expect(snapshot.status).toBe('running');
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ method: 'GET', url: `${BASE}/executions/123`, body: undefined });
    expect(calls[0]?.headers['x-api-key']).toBe(API_KEY);
    expect(calls[0]?.headers['accept']).toBe('application/json');
  });

  it('appends to a replacement baseUrl, path included, and percent-encodes ids', async () => {
    const { fetch, calls } = fakeFetch(() => json(fixture('status-documented')));
    const client = datalab({
      apiKey: API_KEY,
      fetch,
      rateLimit: false,
      baseUrl: 'http://127.0.0.1:4010/proxy/datalab/',
    });
    await client.get('12/../../admin?x=1');
    expect(calls[0]?.url).toBe('http://127.0.0.1:4010/proxy/datalab/executions/12%2F..%2F..%2Fadmin%3Fx%3D1');
  });

  it('executes a workflow with POST /workflows/{id}/execute and { input_config }', async () => {
    const { fetch, calls } = fakeFetch(() => json(fixture('execute-response'), 200));
    const client = datalab({ apiKey: API_KEY, fetch, rateLimit: false });
    const inputConfig = { type: 'single_file', file_url: 'https://example.test/doc.pdf' };
    await expect(client.execute(456, inputConfig)).resolves.toEqual({ executionId: '789' });
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      method: 'POST',
      url: `${BASE}/workflows/456/execute`,
      body: { input_config: inputConfig },
    });
    expect(calls[0]?.headers).toMatchObject({ 'x-api-key': API_KEY, 'content-type': 'application/json' });
  });

  it('accepts a bare { execution_id } from execute, and rejects a body without one', async () => {
    const bodies = [{ execution_id: 790 }, { id: 791, status: 'QUEUED' }];
    const { fetch } = fakeFetch(() => json(bodies.shift()));
    const client = datalab({ apiKey: API_KEY, fetch, rateLimit: false });
    await expect(client.execute('456', { type: 'file_list', file_urls: [] })).resolves.toEqual({ executionId: '790' });
    const error = await client.execute('456', { type: 'file_list', file_urls: [] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect((error as ResponseValidationError).issues[0]?.path).toEqual(['execution_id']);
  });

  it('sends the user headers to the provider', async () => {
    const { fetch, calls } = fakeFetch(() => json(fixture('status-documented')));
    const client = datalab({ apiKey: API_KEY, fetch, rateLimit: false, headers: { 'x-team': 'blue' } });
    await client.get(1);
    expect(calls[0]?.headers['x-team']).toBe('blue');
  });

  describe('argument checks', () => {
    const client = datalab({ apiKey: API_KEY, fetch: fakeFetch(() => json({})).fetch });

    it('throws a ConfigError at watch() and runAndWatch() for a bad id, input or option', () => {
      expect(() => client.watch('')).toThrow(ConfigError);
      expect(() => client.watch({} as unknown as string)).toThrow(ConfigError);
      expect(() => client.watch(Number.NaN)).toThrow(ConfigError);
      expect(() => client.watch(1, { resolveOutputs: 'yes' as unknown as boolean })).toThrow(/resolveOutputs/);
      expect(() => client.watch(1, { backoff: { initialDelayMs: -1 } })).toThrow(ConfigError);
      expect(() => client.runAndWatch('', {})).toThrow(ConfigError);
      expect(() => client.runAndWatch(1, null as unknown as object)).toThrow(/inputConfig/);
    });

    it('throws a ConfigError at get(), execute() and stepOutput() where the call is written, before any request', () => {
      const { fetch, calls } = fakeFetch(() => json({}));
      const c = datalab({ apiKey: API_KEY, fetch });
      expect(() => c.get('')).toThrow(ConfigError);
      expect(() => c.get(undefined as unknown as string)).toThrow(ConfigError);
      expect(() => c.execute(1, [])).toThrow(ConfigError);
      expect(() => c.stepOutput({ key: 'a', name: 'a', status: 'completed', rawStatus: 'COMPLETED' })).toThrow(
        /outputUrl/,
      );
      expect(calls).toHaveLength(0);
    });

    it('refuses a client without an API key', () => {
      expect(() => datalab({ apiKey: '' })).toThrow(ConfigError);
    });
  });

  describe('errors', () => {
    const errorFor = async (status: number, body: unknown, headers: Record<string, string> = {}): Promise<unknown> => {
      const { fetch } = fakeFetch(() => json(body, status, headers));
      const client = datalab({ apiKey: API_KEY, fetch, rateLimit: false });
      return client.get(123).catch((e: unknown) => e);
    };

    it('maps 401 to AuthenticationError with the detail', async () => {
      const error = await errorFor(401, fixture('error-401'));
      expect(error).toBeInstanceOf(AuthenticationError);
      expect(error).toMatchObject({ status: 401, provider: 'datalab', executionId: '123', retryable: false });
      expect((error as Error).message).toContain('Invalid API key');
    });

    it('maps 404 to NotFoundError', async () => {
      const error = await errorFor(404, fixture('error-404'));
      expect(error).toBeInstanceOf(NotFoundError);
      expect((error as Error).message).toContain('Execution not found');
    });

    it('maps a FastAPI 422 to a non-retryable HttpError listing loc and msg', async () => {
      const error = await errorFor(422, fixture('error-422'));
      expect(error).toBeInstanceOf(HttpError);
      expect(error).toMatchObject({ status: 422, retryable: false });
      expect((error as Error).message).toContain('path.execution_id: Input should be a valid integer');
    });

    it('maps 429 to a retryable RateLimitError that waits 60 s when no header says otherwise', async () => {
      const error = await errorFor(429, fixture('error-429'));
      expect(error).toBeInstanceOf(RateLimitError);
      expect(error).toMatchObject({ status: 429, retryable: true, retryAfterMs: 60_000, executionId: '123' });
      expect((error as Error).message).toContain('Rate limit exceeded');
    });

    it('lets a Retry-After header win over the 60 s default', async () => {
      const error = await errorFor(429, fixture('error-429'), { 'retry-after': '5' });
      expect(error).toMatchObject({ retryAfterMs: 5_000 });
    });

    it('never lets the API key into an error, even when the server echoes it', async () => {
      const errors: unknown[] = [];
      for (const status of [400, 401, 403, 404, 422, 429, 500]) {
        errors.push(await errorFor(status, { detail: `bad key ${API_KEY}` }));
      }
      const { fetch } = fakeFetch(() => {
        throw new TypeError(`connect ECONNREFUSED (key ${API_KEY})`);
      });
      errors.push(
        await datalab({ apiKey: API_KEY, fetch, rateLimit: false })
          .get(1)
          .catch((e: unknown) => e),
      );
      const text = fakeFetch(() => new Response(`<html>${API_KEY}</html>`, { status: 502 }));
      errors.push(
        await datalab({ apiKey: API_KEY, fetch: text.fetch, rateLimit: false })
          .get(1)
          .catch((e: unknown) => e),
      );
      const output = fakeFetch(() => new Response(`expired ${API_KEY}`, { status: 403 }));
      errors.push(
        await datalab({ apiKey: API_KEY, fetch: output.fetch })
          .stepOutput({
            key: 'a',
            name: 'a',
            status: 'completed',
            rawStatus: 'COMPLETED',
            outputUrl: `https://bucket.example.test/o?k=${API_KEY}`,
          })
          .catch((e: unknown) => e),
      );
      expect(errors).toHaveLength(10);
      for (const error of errors) {
        expect(error).toBeInstanceOf(Error);
        expect(inspect(error, { depth: 10, showHidden: true })).not.toContain(API_KEY);
        expect(JSON.stringify(error)).not.toContain(API_KEY);
        expect(String(error)).not.toContain(API_KEY);
      }
    });
  });

  describe('stepOutput', () => {
    const step = (outputUrl: string): StepSnapshot => ({
      key: 'parse',
      name: 'parse',
      status: 'completed',
      rawStatus: 'COMPLETED',
      outputUrl,
    });

    it('fetches the presigned URL with no API key and no provider headers, and parses JSON', async () => {
      const { fetch, calls } = fakeFetch(() => json({ pages: 3 }));
      const client = datalab({ apiKey: API_KEY, fetch, headers: { 'x-team': 'blue', authorization: 'Bearer other' } });
      const url = 'https://bucket.example.test/outputs/123/parse.json?X-Amz-Signature=abc';
      await expect(client.stepOutput(step(url))).resolves.toEqual({ pages: 3 });
      expect(calls).toHaveLength(1);
      expect(calls[0]?.url).toBe(url);
      expect(calls[0]?.method).toBe('GET');
      expect(Object.keys(calls[0]?.headers ?? {})).toEqual(['accept']);
    });

    it('sends no API key even when the URL is on the provider origin', async () => {
      const { fetch, calls } = fakeFetch(() => json({}));
      const client = datalab({ apiKey: API_KEY, fetch });
      await client.stepOutput(step('https://www.datalab.to/api/v1/workflows/outputs/1.json?sig=1'));
      expect(calls[0]?.headers['x-api-key']).toBeUndefined();
    });

    it('returns text when the content type is not JSON', async () => {
      const { fetch } = fakeFetch(
        () => new Response('# Title', { status: 200, headers: { 'content-type': 'text/markdown' } }),
      );
      await expect(datalab({ apiKey: API_KEY, fetch }).stepOutput(step('https://b.example.test/o.md'))).resolves.toBe(
        '# Title',
      );
    });

    it.each([403, 404])('says the URL has expired on %i', async (status) => {
      const { fetch } = fakeFetch(() => new Response('<Error><Code>AccessDenied</Code></Error>', { status }));
      const error = await datalab({ apiKey: API_KEY, fetch })
        .stepOutput(step('https://b.example.test/o.json?sig=old'))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(status === 403 ? AuthenticationError : NotFoundError);
      expect((error as Error).message).toMatch(/expired/);
      expect(error).toMatchObject({ status, retryable: false, provider: 'datalab' });
    });

    it('does not spend the request budget', async () => {
      const { fetch, calls } = fakeFetch((c) =>
        c.url.startsWith(BASE) ? json(fixture('status-documented')) : json({}),
      );
      const client = datalab({ apiKey: API_KEY, fetch, rateLimit: { requests: 1, intervalMs: 60_000 } });
      await client.get(1);
      await client.stepOutput(step('https://b.example.test/o.json'));
      await client.stepOutput(step('https://b.example.test/p.json'));
      expect(calls).toHaveLength(3);
    });
  });

  describe('request budget', () => {
    it('allows 200 requests per minute by default', async () => {
      vi.useFakeTimers();
      const { fetch, calls } = fakeFetch(() => json(fixture('status-documented')));
      const client = datalab({ apiKey: API_KEY, fetch });
      const all = Promise.all(Array.from({ length: 201 }, (_, i) => client.get(i + 1)));
      await vi.advanceTimersByTimeAsync(59_000);
      expect(calls).toHaveLength(200);
      await vi.advanceTimersByTimeAsync(1_000);
      expect(calls).toHaveLength(201);
      await all;
    });

    it('takes the rateLimit option, and false turns it off', async () => {
      vi.useFakeTimers();
      const limited = fakeFetch(() => json(fixture('status-documented')));
      const client = datalab({ apiKey: API_KEY, fetch: limited.fetch, rateLimit: { requests: 2, intervalMs: 1_000 } });
      const all = Promise.all([client.get(1), client.get(2), client.execute(3, {})]);
      await vi.advanceTimersByTimeAsync(999);
      expect(limited.calls).toHaveLength(2);
      await vi.advanceTimersByTimeAsync(1);
      expect(limited.calls).toHaveLength(3);
      await all.catch(() => undefined);

      const free = fakeFetch(() => json(fixture('status-documented')));
      const unlimited = datalab({ apiKey: API_KEY, fetch: free.fetch, rateLimit: false });
      await Promise.all(Array.from({ length: 300 }, (_, i) => unlimited.get(i + 1)));
      expect(free.calls).toHaveLength(300);
    });
  });
});

describe('datalab watch', () => {
  const backoff = { initialDelayMs: 1_000, multiplier: 1, jitter: 'none', maxDelayMs: 1_000 } as const;

  /** A provider whose execution body is taken from `bodies` in turn (the last one repeats), with output URLs re-signed per poll. */
  function provider(bodies: Json[], outputs: (call: Call) => Response = () => json({})) {
    let poll = 0;
    return fakeFetch((call) => {
      if (!call.url.startsWith(BASE)) return outputs(call);
      const body = structuredClone(bodies[Math.min(poll, bodies.length - 1)]!);
      poll += 1;
      const steps = (body['steps'] ?? {}) as Record<string, Json>;
      for (const step of Object.values(steps)) {
        if (typeof step['output_url'] === 'string')
          step['output_url'] = `${step['output_url'].split('?')[0]}?X-Amz-Signature=poll${poll}`;
      }
      return json(body);
    });
  }

  const queued: Json = {
    execution_id: 123,
    workflow_id: 456,
    status: 'QUEUED',
    created: '2025-10-22T10:00:00',
    steps: {},
  };

  it('polls until COMPLETED, emitting only changes, and completes', async () => {
    vi.useFakeTimers();
    const { fetch, calls } = provider([
      queued,
      fixture('status-documented'),
      fixture('status-documented'),
      fixture('status-completed'),
    ]);
    const client = datalab({ apiKey: API_KEY, fetch });
    const watch = record<ExecutionUpdate<DatalabSnapshot>>(client.watch(123, { backoff }));
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toHaveLength(1);
    expect(watch.updates).toHaveLength(1);
    expect(watch.updates[0]?.changes).toEqual([
      { type: 'execution-status', executionId: '123', from: undefined, to: 'queued' },
    ]);

    await vi.advanceTimersByTimeAsync(1_000);
    expect(changeTypes(watch.updates[1]!)).toEqual([
      'step-added',
      'step-output',
      'step-added',
      'step-added',
      'execution-status',
    ]);

    await vi.advanceTimersByTimeAsync(1_000); // the same body: nothing to emit
    expect(watch.updates).toHaveLength(2);

    await vi.advanceTimersByTimeAsync(1_000);
    const last = watch.updates[2]!;
    expect(last.changes.at(-1)).toEqual({
      type: 'execution-status',
      executionId: '123',
      from: 'running',
      to: 'completed',
    });
    expect(last.snapshot.completedAt).toBe('2025-10-22T10:09:30.000Z');
    expect(watch.completed).toBe(true);
    expect(watch.error).toBeUndefined();

    await vi.advanceTimersByTimeAsync(10_000);
    expect(calls).toHaveLength(4);
    expect(calls.every((c) => c.url === `${BASE}/executions/123` && c.headers['x-api-key'] === API_KEY)).toBe(true);
  });

  it('waits 60 s after a 429 without a header, then goes on', async () => {
    vi.useFakeTimers();
    let first = true;
    const { fetch, calls } = fakeFetch(() => {
      if (first) {
        first = false;
        return json(fixture('error-429'), 429);
      }
      return json(fixture('status-completed'));
    });
    const watch = record<ExecutionUpdate<DatalabSnapshot>>(datalab({ apiKey: API_KEY, fetch }).watch(123, { backoff }));
    await vi.advanceTimersByTimeAsync(59_999);
    expect(calls).toHaveLength(1);
    expect(watch.updates).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toHaveLength(2);
    expect(watch.completed).toBe(true);
    expect(watch.error).toBeUndefined();
  });

  it('ends with a NotFoundError at once on 404', async () => {
    vi.useFakeTimers();
    const { fetch, calls } = fakeFetch(() => json(fixture('error-404'), 404));
    const watch = record<ExecutionUpdate<DatalabSnapshot>>(datalab({ apiKey: API_KEY, fetch }).watch(999, { backoff }));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(watch.error).toBeInstanceOf(NotFoundError);
    expect(watch.error).toMatchObject({ executionId: '999' });
    expect(calls).toHaveLength(1);
  });

  it('does not download outputs unless asked', async () => {
    vi.useFakeTimers();
    const { fetch, calls } = provider([fixture('status-completed')]);
    const watch = record<ExecutionUpdate<DatalabSnapshot>>(datalab({ apiKey: API_KEY, fetch }).watch(123, { backoff }));
    await vi.advanceTimersByTimeAsync(0);
    expect(watch.completed).toBe(true);
    expect(calls).toHaveLength(1);
    expect(watch.updates[0]?.snapshot.steps.every((s) => s.output === undefined)).toBe(true);
  });

  describe('resolveOutputs', () => {
    const outputBody = (call: Call): Response => json({ from: new URL(call.url).pathname });

    it('downloads each completed step output once and emits it as step-output', async () => {
      vi.useFakeTimers();
      const { fetch, calls } = provider(
        [
          fixture('status-documented'),
          fixture('status-documented'),
          fixture('status-documented'),
          fixture('status-completed'),
        ],
        outputBody,
      );
      const watch = record<ExecutionUpdate<DatalabSnapshot>>(
        datalab({ apiKey: API_KEY, fetch }).watch(123, { backoff, resolveOutputs: true }),
      );
      await vi.advanceTimersByTimeAsync(10_000);
      expect(watch.error).toBeUndefined();
      expect(watch.completed).toBe(true);

      const outputCalls = calls.filter((c) => !c.url.startsWith(BASE));
      const paths = outputCalls.map((c) => new URL(c.url).pathname).sort();
      // parse moves from the documented placeholder URL to the bucket: two objects; the re-signed URLs of later polls are not fetched again.
      expect(paths).toEqual(['/', '/outputs/123/extract.json', '/outputs/123/parse.json', '/outputs/123/segment.json']);
      for (const call of outputCalls) expect(Object.keys(call.headers)).toEqual(['accept']);
      expect(providerCalls(calls)).toHaveLength(4);

      const outputs = watch.updates.flatMap((u) => u.changes).filter((c) => c.type === 'step-output');
      expect(outputs.map((c) => [c.step.key, c.step.output])).toEqual([
        ['parse', { from: '/' }],
        ['parse', { from: '/outputs/123/parse.json' }],
        ['extract', { from: '/outputs/123/extract.json' }],
        ['segment', { from: '/outputs/123/segment.json' }],
      ]);
      expect(watch.updates.at(-1)?.snapshot.steps.map((s) => s.output)).toEqual([
        { from: '/outputs/123/parse.json' },
        { from: '/outputs/123/extract.json' },
        { from: '/outputs/123/segment.json' },
      ]);
    });

    it('does not fetch again when the presigned URL is re-signed on every poll', async () => {
      vi.useFakeTimers();
      const running = fixture('status-completed');
      running['status'] = 'IN_PROGRESS';
      const { fetch, calls } = provider([running, running, running, running, fixture('status-completed')], outputBody);
      const watch = record<ExecutionUpdate<DatalabSnapshot>>(
        datalab({ apiKey: API_KEY, fetch }).watch(123, { backoff, resolveOutputs: true }),
      );
      await vi.advanceTimersByTimeAsync(10_000);
      expect(watch.completed).toBe(true);
      expect(providerCalls(calls).map((c) => c.url)).toHaveLength(5);
      expect(calls.filter((c) => !c.url.startsWith(BASE))).toHaveLength(3);
      const outputs = watch.updates.flatMap((u) => u.changes).filter((c) => c.type === 'step-output');
      expect(outputs.map((c) => c.step.key)).toEqual(['parse', 'extract', 'segment']);
      expect(outputs.every((c) => c.step.output !== undefined)).toBe(true);
    });

    it('keeps watching when an output URL is no http(s) URL, to the end', async () => {
      vi.useFakeTimers();
      let polls = 0;
      const fetch = (async () => {
        const status = ++polls < 3 ? 'IN_PROGRESS' : 'COMPLETED';
        const parse = { status: 'COMPLETED', output_url: 's3://bucket/o/1.json' };
        return json({ execution_id: 1, status, steps: { parse } });
      }) as unknown as typeof globalThis.fetch;
      const watch = record<ExecutionUpdate<DatalabSnapshot>>(
        datalab({ apiKey: API_KEY, fetch }).watch(1, { backoff, resolveOutputs: true }),
      );
      await vi.advanceTimersByTimeAsync(10_000);
      expect(watch.error).toBeUndefined();
      expect(watch.completed).toBe(true);
      expect(watch.updates.at(-1)!.snapshot.steps[0]).toMatchObject({ outputUrl: 's3://bucket/o/1.json' });
    });

    it('keeps watching when a download fails, and tries again on the next poll', async () => {
      vi.useFakeTimers();
      const running = fixture('status-nested');
      let attempts = 0;
      const { fetch, calls } = provider([running, running, running, fixture('status-completed')], (call) => {
        if (call.url.includes('/parse/file_a1b2.json') && ++attempts <= 2) {
          return attempts === 1 ? new Response('boom', { status: 500 }) : new Response('nope', { status: 403 });
        }
        return outputBody(call);
      });
      const watch = record<ExecutionUpdate<DatalabSnapshot>>(
        datalab({ apiKey: API_KEY, fetch }).watch(125, { backoff, resolveOutputs: true }),
      );

      await vi.advanceTimersByTimeAsync(0);
      const first = watch.updates[0]!.snapshot.steps[0]!;
      expect(first.key).toBe('parse/file_a1b2');
      expect(first.output).toBeUndefined();
      expect(first.outputUrl).toBeDefined();

      await vi.advanceTimersByTimeAsync(1_000);
      expect(watch.updates).toHaveLength(1); // the second download failed too: nothing new to say

      await vi.advanceTimersByTimeAsync(1_000);
      expect(watch.error).toBeUndefined();
      const third = watch.updates[1]!;
      expect(third.changes).toEqual([
        {
          type: 'step-output',
          executionId: '125',
          step: expect.objectContaining({
            key: 'parse/file_a1b2',
            output: { from: '/outputs/125/parse/file_a1b2.json' },
          }),
        },
      ]);
      expect(attempts).toBe(3);

      await vi.advanceTimersByTimeAsync(5_000);
      expect(watch.completed).toBe(true);
      expect(providerCalls(calls)).toHaveLength(4);
    });

    it('aborts an output download when the subscriber leaves', async () => {
      vi.useFakeTimers();
      let aborted = false;
      const calls: string[] = [];
      const fetch = (async (url: string, init: RequestInit) => {
        calls.push(url);
        if (url.startsWith(BASE)) return json(fixture('status-completed'));
        return new Promise<Response>((_, reject) => {
          init.signal?.addEventListener('abort', () => {
            aborted = true;
            reject(init.signal?.reason);
          });
        });
      }) as unknown as typeof globalThis.fetch;
      const watch = record<ExecutionUpdate<DatalabSnapshot>>(
        datalab({ apiKey: API_KEY, fetch }).watch(123, { backoff, resolveOutputs: true }),
      );
      await vi.advanceTimersByTimeAsync(0);
      expect(calls.length).toBeGreaterThan(1);
      watch.subscription.unsubscribe();
      await vi.advanceTimersByTimeAsync(0);
      expect(aborted).toBe(true);
      expect(watch.error).toBeUndefined();
    });
  });

  describe('runAndWatch', () => {
    it('POSTs only on subscription, then watches the new execution', async () => {
      vi.useFakeTimers();
      const { fetch, calls } = fakeFetch((call) => {
        if (call.method === 'POST') return json({ execution_id: 789 });
        return json({ ...fixture('status-completed'), execution_id: 789 });
      });
      const client = datalab({ apiKey: API_KEY, fetch });
      const updates = client.runAndWatch(
        456,
        { type: 'single_file', file_url: 'https://example.test/a.pdf' },
        { backoff },
      );
      await vi.advanceTimersByTimeAsync(1_000);
      expect(calls).toHaveLength(0);

      const watch = record<ExecutionUpdate<DatalabSnapshot>>(updates);
      await vi.advanceTimersByTimeAsync(0);
      expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual([
        `POST ${BASE}/workflows/456/execute`,
        `GET ${BASE}/executions/789`,
      ]);
      expect(calls[0]?.body).toEqual({ input_config: { type: 'single_file', file_url: 'https://example.test/a.pdf' } });
      expect(watch.updates[0]?.snapshot.executionId).toBe('789');
      expect(watch.completed).toBe(true);
    });

    it('errors the stream when the POST fails', async () => {
      vi.useFakeTimers();
      const { fetch } = fakeFetch(() => json(fixture('error-422'), 422));
      const watch = record<ExecutionUpdate<DatalabSnapshot>>(
        datalab({ apiKey: API_KEY, fetch }).runAndWatch(456, {}, { backoff }),
      );
      await vi.advanceTimersByTimeAsync(0);
      expect(watch.error).toBeInstanceOf(HttpError);
      expect((watch.error as Error).message).toContain('Input should be a valid integer');
    });
  });
});

describe('datalab adapter: error bodies', () => {
  it.each([
    [{ detail: 'Not authenticated' }, 'Not authenticated'],
    [
      { detail: [{ loc: ['path', 'execution_id'], msg: 'value is not a valid integer', type: 'type_error' }] },
      'path.execution_id: value is not a valid integer',
    ],
  ])('reads %j', (body, message) => {
    expect(datalabAdapter.readError(body).message).toBe(message);
  });
});
