import { describe, expect, it, vi, afterEach } from 'vitest';
import { inspect } from 'node:util';
import fc from 'fast-check';
import {
  AuthenticationError,
  ConfigError,
  HttpError,
  NetworkError,
  NotFoundError,
  RateLimitError,
  ResponseValidationError,
  TimeoutError,
} from '../../src/index.js';
import { HttpClient, parseRetryAfter, type ErrorDetails, type FetchLike } from '../../src/transport/http.js';

const KEY = 'sk-live-SECRET-9f8e7d';

/** What a provider adapter would read out of this test provider's error bodies: `message`, or `error`. */
function readError(body: unknown): ErrorDetails {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const message = [b['message'], b['error']].find((v): v is string => typeof v === 'string');
  return { message };
}

function client(fetchImpl: FetchLike, extra: Partial<ConstructorParameters<typeof HttpClient>[0]> = {}) {
  return new HttpClient({
    provider: 'test',
    baseUrl: 'https://api.test/v1/workflows/',
    secrets: [KEY],
    authHeaders: { 'x-api-key': KEY },
    fetch: fetchImpl,
    requestTimeoutMs: 5_000,
    readError,
    ...extra,
  });
}

function respond(status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return vi.fn<FetchLike>(
    async () => new Response(text, { status, headers: { 'content-type': 'application/json', ...headers } }),
  );
}

async function caught(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

function expectNoKey(error: unknown) {
  const seen = [String(error), inspect(error, { depth: 10, showHidden: true }), JSON.stringify(error)];
  for (const text of seen) expect(text).not.toContain(KEY);
}

describe('HttpClient', () => {
  afterEach(() => vi.useRealTimers());

  it('appends encoded path segments to the base path, so ids cannot climb to another endpoint', () => {
    const http = client(respond(200, {}));
    expect(http.url(['executions', '../../admin'])).toBe('https://api.test/v1/workflows/executions/..%2F..%2Fadmin');
    expect(http.url(['executions', 'a?b#c'])).toBe('https://api.test/v1/workflows/executions/a%3Fb%23c');
    expect(http.url(['x'], { limit: 10, bulk_id: undefined })).toBe('https://api.test/v1/workflows/x?limit=10');
  });

  it('sends auth headers, JSON body and returns the parsed body', async () => {
    const fetchImpl = respond(200, { ok: true }, { 'x-request-id': 'req-1' });
    const res = await client(fetchImpl, { headers: { 'x-team': 't1' } }).request({
      method: 'POST',
      path: ['run'],
      body: { a: 1 },
    });
    expect(res.body).toEqual({ ok: true });
    expect(res.requestId).toBe('req-1');
    const [url, init] = fetchImpl.mock.calls[0]!;
    expect(url).toBe('https://api.test/v1/workflows/run');
    expect(init.method).toBe('POST');
    expect(init.headers).toMatchObject({ 'x-api-key': KEY, 'x-team': 't1', 'content-type': 'application/json' });
    expect(init.body).toBe('{"a":1}');
    expect(url).not.toContain(KEY);
  });

  it('gives each request its own headers: a fetch that writes to them changes no later request', async () => {
    const seen: Record<string, string>[] = [];
    const fetchImpl: FetchLike = async (_url, init) => {
      const headers = init.headers as Record<string, string>;
      seen.push({ ...headers });
      headers['x-api-key'] = 'overwritten';
      headers['x-trace'] = String(seen.length);
      return new Response('{}', { status: 200 });
    };
    const http = client(fetchImpl);
    await http.request({ method: 'POST', path: ['run'], body: {} });
    await http.request({ path: ['x'] });
    expect(seen[1]).toEqual({ accept: 'application/json', 'x-api-key': KEY });
    expect(seen[0]).toEqual({ ...seen[1], 'content-type': 'application/json' });
  });

  it.each([
    [401, AuthenticationError, false],
    [403, AuthenticationError, false],
    [404, NotFoundError, false],
    [400, HttpError, false],
    [408, HttpError, true],
    [429, RateLimitError, true],
    [500, HttpError, true],
    [503, HttpError, true],
  ] as const)('maps HTTP %i to %o (retryable: %s)', async (status, cls, retryable) => {
    const error = await caught(
      client(respond(status, { error: 'nope' })).request({ path: ['executions', 'e1'], executionId: 'e1' }),
    );
    expect(error).toBeInstanceOf(cls);
    expect(error).toMatchObject({ status, provider: 'test', executionId: 'e1', retryable });
    expect(error.message).toContain('nope');
  });

  it('reads a body delivered a byte at a time, multi-byte characters split across chunks', async () => {
    const body = { name: 'Ünïcødé 🎉 ✓', steps: ['日本語', 'x'.repeat(300)] };
    const bytes = new TextEncoder().encode(JSON.stringify(body));
    const fetchImpl: FetchLike = async () => {
      let at = 0;
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (at < bytes.length) controller.enqueue(bytes.slice(at, ++at));
          else controller.close();
        },
      });
      return new Response(stream, { status: 200, headers: { 'content-type': 'application/json' } });
    };
    expect((await client(fetchImpl).request({ path: ['x'] })).body).toEqual(body);
    // One chunk more than the cap allows is still refused where it crosses it.
    const capped = await caught(client(fetchImpl, { maxBodyBytes: bytes.length - 1 }).request({ path: ['x'] }));
    expect(capped).toBeInstanceOf(ResponseValidationError);
    expect((capped as ResponseValidationError).issues[0]?.code).toBe('too_big');
  });

  it('reads Retry-After in seconds and as an HTTP date', async () => {
    const e1 = await caught(client(respond(429, { error: 'slow' }, { 'retry-after': '7' })).request({ path: ['x'] }));
    expect((e1 as RateLimitError).retryAfterMs).toBe(7000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:30 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(30_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });

  it('takes a hint from the body through errorDetails', async () => {
    const error = await caught(
      client(respond(429, { status: 'error', message: 'Rate limit exceeded', retry_after: 30 }), {
        readError: (b) => ({ ...readError(b), retryAfterMs: (b as { retry_after: number }).retry_after * 1000 }),
      }).request({ path: ['x'] }),
    );
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfterMs).toBe(30_000);
    expect(error.message).toContain('Rate limit exceeded');
  });

  it('treats a 200 body that is not JSON as a retryable ResponseValidationError', async () => {
    const error = await caught(client(respond(200, '{"truncated": ')).request({ path: ['x'] }));
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect((error as ResponseValidationError).retryable).toBe(true);
  });

  it('wraps a network failure as NetworkError, scrubbing the key from message and cause', async () => {
    const fetchImpl = vi.fn<FetchLike>(async () => {
      throw new TypeError(`connect ECONNREFUSED (header x-api-key: ${KEY})`);
    });
    const error = await caught(client(fetchImpl).request({ path: ['x'] }));
    expect(error).toBeInstanceOf(NetworkError);
    expect(error.message).toContain('[REDACTED]');
    expectNoKey(error);
  });

  it('scrubs the key even when a server echoes it in an error body', async () => {
    const error = await caught(client(respond(401, { message: `key ${KEY} is invalid` })).request({ path: ['x'] }));
    expect(error).toBeInstanceOf(AuthenticationError);
    expectNoKey(error);
  });

  it('times a request out with a retryable TimeoutError', async () => {
    vi.useFakeTimers();
    const fetchImpl = vi.fn<FetchLike>(
      (_url, init) =>
        new Promise((_resolve, reject) => {
          init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
        }),
    );
    const pending = caught(client(fetchImpl).request({ path: ['x'] }));
    await vi.advanceTimersByTimeAsync(5_000);
    const error = await pending;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ phase: 'request', retryable: true });
    expect(vi.getTimerCount()).toBe(0);
  });

  it("passes the caller's abort through and rejects with its reason", async () => {
    let seen: AbortSignal | undefined;
    const fetchImpl = vi.fn<FetchLike>(
      (_url, init) =>
        new Promise((_resolve, reject) => {
          seen = init.signal ?? undefined;
          init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
        }),
    );
    const controller = new AbortController();
    const pending = caught(client(fetchImpl).request({ path: ['x'] }, controller.signal));
    const reason = new Error('user gave up');
    controller.abort(reason);
    expect(await pending).toBe(reason);
    expect(seen?.aborted).toBe(true);
  });

  it('fetches a foreign URL with no key and no provider headers', async () => {
    const fetchImpl = respond(200, { pages: 3 });
    const body = await client(fetchImpl, { headers: { 'x-team': 't' } }).download(
      new URL('https://bucket.test/out.json?sig=abc'),
      {},
    );
    expect(body).toEqual({ pages: 3 });
    const [, init] = fetchImpl.mock.calls[0]!;
    expect(JSON.stringify(init.headers)).not.toContain(KEY);
    expect(init.headers).not.toHaveProperty('x-team');
    expect(init.headers).not.toHaveProperty('x-api-key');
  });

  it('says clearly when a presigned URL has expired', async () => {
    const error = await caught(
      client(respond(403, '<Error>AccessDenied</Error>')).download(new URL('https://bucket.test/o.json?sig=1'), {}),
    );
    expect(error.message).toMatch(/expired/);
    expect((error as HttpError).retryable).toBe(false);
  });

  it('rejects bad configuration with ConfigError', () => {
    expect(() => client(respond(200, {}), { baseUrl: 'not a url' })).toThrow(ConfigError);
    expect(() => client(respond(200, {}), { baseUrl: 'ftp://x.test' })).toThrow(/http or https/);
    expect(() => client(respond(200, {}), { baseUrl: `https://user:${KEY}@x.test` })).toThrow(/without credentials/);
    expect(() => client(respond(200, {}), { requestTimeoutMs: 0 })).toThrow(/requestTimeoutMs/);
  });
});

describe('HttpClient path segments', () => {
  it('refuses `.` and `..` segments, which URL parsing would resolve away', () => {
    const http = new HttpClient({
      provider: 'test',
      baseUrl: 'https://api.test/v1/workflows',
      secrets: [],
      authHeaders: {},
      requestTimeoutMs: 1000,
    });
    expect(() => http.url(['..', 'runs', '1'])).toThrow(ConfigError);
    expect(() => http.url(['executions', '.'])).toThrow(ConfigError);
    expect(new URL(http.url(['executions', '...'])).pathname).toBe('/v1/workflows/executions/...');
  });
});

describe('HttpClient URLs', () => {
  /** How URLs were built before they were strings: through `URL`'s own setters. */
  function viaUrl(base: string, path: readonly string[], query: Record<string, string | undefined>): string {
    const url = new URL(base);
    url.search = '';
    url.hash = '';
    url.pathname = [url.pathname.replace(/\/+$/, ''), ...path.map((p) => encodeURIComponent(p))].join('/');
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, v);
    return url.href;
  }

  it('builds by hand the URL that URL itself builds, for any segments and query', () => {
    const segment = fc.string({ unit: 'binary', maxLength: 12 }).filter((s) => s !== '.' && s !== '..');
    const base = fc.constantFrom(
      'https://api.test/v1/workflows/',
      'https://api.test/v1/workflows',
      'http://127.0.0.1:8080/',
      'https://API.Test:443/a//b/?q=1#f',
      'https://api.test',
    );
    const query = fc.dictionary(
      fc.string({ unit: 'binary', maxLength: 6 }),
      fc.option(fc.string({ unit: 'binary' }), { nil: undefined }),
      {
        maxKeys: 3,
      },
    );
    fc.assert(
      fc.property(base, fc.array(segment, { maxLength: 4 }), query, (b, path, q) => {
        const http = new HttpClient({
          provider: 'test',
          baseUrl: b,
          secrets: [],
          authHeaders: {},
          requestTimeoutMs: 1000,
        });
        expect(new URL(http.url(path, q)).href).toBe(viaUrl(b, path, q));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('HttpClient provider hooks', () => {
  it('treats a 2xx body that reports a failure as an error: final, or a rate limit when it names a wait', async () => {
    const isErrorBody = (b: unknown) => (b as { status?: string }).status === 'error';
    const plain = await caught(
      client(respond(200, { status: 'error', message: 'Invalid prompt' }), { isErrorBody }).request({ path: ['x'] }),
    );
    expect(plain.constructor).toBe(HttpError);
    expect(plain).toMatchObject({ status: 200, retryable: false });
    expect(plain.message).toContain('Invalid prompt');
    const slow = await caught(
      client(respond(200, { status: 'error', message: 'Rate limit exceeded', retry_after: 30 }), {
        isErrorBody,
        readError: (b) => ({ ...readError(b), retryAfterMs: (b as { retry_after: number }).retry_after * 1000 }),
      }).request({ path: ['x'] }),
    );
    expect(slow).toBeInstanceOf(RateLimitError);
    expect(slow).toMatchObject({ status: 200, retryAfterMs: 30_000, retryable: true });
    const ok = await client(respond(200, { status: 'success' }), { isErrorBody }).request({ path: ['x'] });
    expect(ok.body).toEqual({ status: 'success' });
  });

  it('waits defaultRetryAfterMs after a 429 that names no wait, and the server hint otherwise', async () => {
    const bare = await caught(
      client(respond(429, { detail: 'Too many' }), { defaultRetryAfterMs: 60_000 }).request({ path: ['x'] }),
    );
    expect((bare as RateLimitError).retryAfterMs).toBe(60_000);
    const hinted = await caught(
      client(respond(429, {}, { 'retry-after': '2' }), { defaultRetryAfterMs: 60_000 }).request({ path: ['x'] }),
    );
    expect((hinted as RateLimitError).retryAfterMs).toBe(2_000);
    const other = await caught(client(respond(503, {}), { defaultRetryAfterMs: 60_000 }).request({ path: ['x'] }));
    expect((other as HttpError).retryAfterMs).toBeUndefined();
  });
});
