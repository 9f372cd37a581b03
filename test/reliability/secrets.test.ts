// Class 6 — secrets, exactly. The key must not appear, in any form (raw, trimmed,
// percent-encoded, a prefix of 8 characters or more), in any message, stack, cause, field,
// JSON.stringify, util.inspect or CLI line, on every error path: one scrub, run on each body
// before it is parsed or cut and on each error on its way out of a client.
import { PassThrough } from 'node:stream';
import { lastValueFrom, type Observable } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createOutput } from '../../src/cli/io.js';
import {
  ConfigError,
  ExecutionFailedError,
  ResponseValidationError,
  datalab,
  eachlabs,
  modelslab,
  scrub,
  throwOnFailure,
  waitForTerminal,
  type ExecutionUpdate,
} from '../../src/index.js';
import {
  KEY,
  PROVIDERS,
  body,
  clientOf,
  drain,
  expectKeyFree,
  fakeFetch,
  rejection,
  type ProviderName,
} from './support.js';

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => vi.useRealTimers());

/** Each provider's error body with `message` in it. */
function errorBody(provider: ProviderName, message: string): unknown {
  return provider === 'modelslab'
    ? { status: 'error', message }
    : provider === 'eachlabs'
      ? { error: message }
      : { detail: message };
}

describe('the key read with its newline (a file, an env var)', () => {
  it.each(PROVIDERS)('%s: is sent trimmed, and scrubbed trimmed from an error that echoes it', async (provider) => {
    const { fetch, calls } = fakeFetch({ status: 401, body: errorBody(provider, `Invalid API key: ${KEY}`) });
    const error = await rejection(clientOf(provider, fetch, { apiKey: `${KEY}\n` }).get());
    expect(Object.values(calls[0]!.headers).join(' ')).toContain(KEY);
    expect((error as Error).message).toContain('[REDACTED]');
    expectKeyFree(error);
  });

  it('is scrubbed trimmed from CLI lines', () => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const chunks: Buffer[] = [];
    stdout.on('data', (c: Buffer) => chunks.push(c));
    const output = createOutput({ stdout, stderr, env: {}, signal: new AbortController().signal }, [`${KEY}\n`]);
    output.out(`{"key":"${KEY}"} and ${KEY.slice(0, 12)}…`);
    const line = Buffer.concat(chunks).toString('utf8');
    expect(line).toBe('{"key":"[REDACTED]"} and [REDACTED]…\n');
  });
});

describe('a body cut short before scrubbing', () => {
  it.each(PROVIDERS)(
    '%s: a long non-JSON error page with the key past the cut leaves no prefix of it',
    async (provider) => {
      const page = `${'x'.repeat(190)}${KEY}${'y'.repeat(100)}`; // the key straddles character 200
      const { fetch } = fakeFetch({ status: 502, text: page, headers: { 'content-type': 'text/html' } });
      const error = await rejection(clientOf(provider, fetch).get());
      expectKeyFree(error);
    },
  );
});

describe('headers and fields', () => {
  it.each(PROVIDERS)('%s: an X-Request-Id that echoes the key is scrubbed', async (provider) => {
    const { fetch } = fakeFetch({
      status: 404,
      body: errorBody(provider, 'not found'),
      headers: { 'x-request-id': `req-${KEY}` },
    });
    const error = await rejection(clientOf(provider, fetch).get());
    expect(error).toMatchObject({ requestId: 'req-[REDACTED]' });
    expectKeyFree(error);
  });

  it.each(PROVIDERS)(
    '%s: the key as a field name in a body that fails the schema is not in the issues or the message',
    async (provider) => {
      const bad =
        provider === 'modelslab'
          ? { status: 'success', execution: { id: 1, status: 'running', [KEY]: 1 }, steps: [{ name: KEY, status: 42 }] }
          : provider === 'eachlabs'
            ? { execution_id: 'e1', status: 'running', step_outputs: { [KEY]: { status: 42 } } }
            : { execution_id: 123, status: 'IN_PROGRESS', steps: { [KEY]: { status: 42 } } };
      const { fetch } = fakeFetch({ body: bad });
      const error = await rejection(clientOf(provider, fetch).get());
      expect(error).toBeInstanceOf(ResponseValidationError);
      expectKeyFree(error);
    },
  );
});

describe('a failed execution that echoes the key', () => {
  it.each(PROVIDERS)('%s: ExecutionFailedError, its snapshot and raw body carry no key', async (provider) => {
    const { fetch } = fakeFetch({
      body: body(provider, 'failed', [['a', 'failed']], { error: `key ${KEY} is over quota` }),
    });
    const watch = clientOf(provider, fetch).watch();
    const result = await drain(watch.pipe(throwOnFailure()));
    expect(result.error).toBeInstanceOf(ExecutionFailedError);
    expect((result.error as Error).message).toContain('[REDACTED]');
    expectKeyFree(result.error);
    vi.useRealTimers();
    const viaPromise = await rejection(waitForTerminal(clientOf(provider, fetch).watch()));
    expectKeyFree(viaPromise);
  });
});

describe('the key in a body, in whatever form its JSON encoder gave it', () => {
  // Scrubbed in the parsed values, not in the JSON text: escapes are undone first, and the
  // text's structure (quotes, literals, names) is never touched.
  const key = 'sk+live/7Hq2Zr9XkP4mVw8LcN3bTg';
  /** A body of `provider` whose failure message is `message`, as raw JSON text. */
  const echoing = (provider: ProviderName, message: string): string =>
    JSON.stringify(body(provider, 'failed', [['a', 'failed']], { error: '@ECHO@' })).replace('@ECHO@', message);

  it.each(PROVIDERS)('%s: escaped as PHP, .NET or Python escape it, it reaches no snapshot', async (provider) => {
    for (const [apiKey, escaped] of [
      [key, 'sk+live\\/7Hq2Zr9XkP4mVw8LcN3bTg'], // PHP: json_encode escapes '/'
      [key, 'sk\\u002Blive/7Hq2Zr9XkP4mVw8LcN3bTg'], // .NET: '+' as \u002B
      [key, 'sk\\u002blive\\/7Hq2Zr9XkP4m'], // lower-case escape, and cut short
      ['sk-livé-7Hq2Zr9XkP4mVw8LcN3bTg', 'sk-liv\\u00e9-7Hq2Zr9XkP4mVw8LcN3bTg'], // Python: ensure_ascii
    ] as const) {
      const { fetch } = fakeFetch({ text: echoing(provider, `key ${escaped} is over quota`) });
      const snapshot = await clientOf(provider, fetch, { apiKey }).get();
      expect(JSON.stringify(snapshot), escaped).toContain('[REDACTED]');
      expectKeyFree(snapshot, apiKey);
      expect(JSON.stringify(snapshot)).not.toContain('7Hq2Zr9X');
    }
  });

  it.each(PROVIDERS)('%s: as a field name, it is scrubbed from the raw body', async (provider) => {
    const text = JSON.stringify({ ...body(provider, 'running', [['a', 'running']]), [KEY]: { [`x-${KEY}`]: 1 } });
    const snapshot = await clientOf(provider, fakeFetch({ text }).fetch).get();
    expect(Object.keys(snapshot.raw as object)).toContain('[REDACTED]');
    expectKeyFree(snapshot);
  });

  it.each(PROVIDERS)('%s: a key that is a JSON word (false, true, null) breaks no body', async (provider) => {
    for (const apiKey of ['false', 'true', 'null']) {
      const text = JSON.stringify({ ...body(provider, 'completed', [['a', 'completed']]), f: false, t: true, n: null });
      const snapshot = await clientOf(provider, fakeFetch({ text }).fetch, { apiKey }).get();
      expect(snapshot.status, apiKey).toBe('completed');
      expect(snapshot.raw).toMatchObject({ f: false, t: true, n: null });
    }
  });

  it.each(PROVIDERS)('%s: echoed 100,000 deep, it is scrubbed there, and nothing overflows', async (provider) => {
    const deep = '{"a":'.repeat(100_000) + JSON.stringify(`key ${KEY}`) + '}'.repeat(100_000);
    const text = JSON.stringify({ ...body(provider, 'running', [['a', 'running']]), deep: '@DEEP@' }).replace(
      '"@DEEP@"',
      deep,
    );
    const snapshot = await clientOf(provider, fakeFetch({ text }).fetch).get();
    let node = (snapshot.raw as { deep: unknown }).deep;
    for (let i = 0; i < 100_000; i++) node = (node as { a: unknown }).a;
    expect(node).toBe('key [REDACTED]');
  });
});

describe('the key in the wrong place', () => {
  const factories = {
    modelslab: (o: object) => modelslab({ apiKey: KEY, ...o }),
    eachlabs: (o: object) => eachlabs({ apiKey: KEY, ...o }),
    datalab: (o: object) => datalab({ apiKey: KEY, ...o }),
  };

  it.each(PROVIDERS)('%s: a ConfigError that would echo it (baseUrl, jitter, a header) does not', (provider) => {
    const make = factories[provider];
    for (const options of [
      { baseUrl: KEY },
      { baseUrl: `https://${KEY}@api.test/` },
      { backoff: { jitter: KEY } },
      { rateLimit: KEY },
      { requestTimeoutMs: KEY },
      { headers: { [`${KEY} name`]: 'x' } },
      { headers: { token: `${KEY}\r\nX-Injected: 1` } },
      { [KEY]: true },
    ]) {
      let thrown: unknown;
      try {
        make(options);
      } catch (error) {
        thrown = error;
      }
      expect(thrown, JSON.stringify(Object.keys(options))).toBeInstanceOf(ConfigError);
      expectKeyFree(thrown);
    }
  });

  it.each(PROVIDERS)('%s: a key that is not well-formed text (a lone surrogate) is a ConfigError', (provider) => {
    for (const apiKey of [`${KEY}\ud800`, `\udc00${KEY}`]) {
      expect(() => factories[provider]({ apiKey }), JSON.stringify(apiKey)).toThrow(ConfigError);
      expect(scrub(`x ${apiKey} y`, [apiKey])).toBe('x [REDACTED] y');
    }
  });

  it('the client options themselves a key, or `api`, or a watch option', () => {
    const attempts = [
      () => modelslab(KEY as never),
      () => eachlabs({ apiKey: KEY, api: KEY as never }),
      () => datalab({ apiKey: KEY, fetch: fakeFetch({}).fetch }).watch(1, { maxWaitMs: KEY as never }),
      () => void modelslab({ apiKey: KEY }).run('wf', KEY as never),
    ];
    for (const attempt of attempts) {
      let thrown: unknown;
      try {
        attempt();
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(ConfigError);
      expectKeyFree(thrown);
    }
  });

  it.each(PROVIDERS)(
    '%s: the key used as an id, percent-encoded in the path, is scrubbed from the 404',
    async (provider) => {
      const key = 'sk+live/7Hq2Zr9=XkP4mVw8LcN3bTg'; // + / = are percent-encoded in a path segment
      const { fetch, calls } = fakeFetch({ status: 404, body: errorBody(provider, 'not found') });
      const options = { apiKey: key, fetch, rateLimit: false as const };
      const get =
        provider === 'modelslab'
          ? modelslab(options).get({ workflowId: key, executionId: 1 })
          : provider === 'eachlabs'
            ? eachlabs(options).get(key)
            : datalab(options).get(key);
      const error = await rejection(get);
      expect(calls[0]!.url).toContain(encodeURIComponent(key));
      expectKeyFree(error, key);
    },
  );
});

describe('every error path', () => {
  it.each(PROVIDERS)('%s: a network failure whose message echoes the key, through a watch', async (provider) => {
    const fetch = vi.fn(async () => {
      throw new TypeError(`connect ECONNREFUSED (header key=${KEY.slice(0, 10)}…)`);
    }) as unknown as typeof globalThis.fetch;
    const result = await drain(
      clientOf(provider, fetch, { backoff: { initialDelayMs: 10, jitter: 'none', maxRetries: 1 } }).watch(),
    );
    expect(result.error).toBeDefined();
    expectKeyFree(result.error);
  });

  it.each(PROVIDERS)('%s: a watch that times out after maxWaitMs, named by an id that is the key', async (provider) => {
    const { fetch } = fakeFetch({ body: body(provider, 'running', []) });
    const c: Observable<ExecutionUpdate> =
      provider === 'modelslab'
        ? modelslab({ apiKey: KEY, fetch }).watch({ workflowId: 'wf', executionId: KEY }, { maxWaitMs: 1_000 })
        : provider === 'eachlabs'
          ? eachlabs({ apiKey: KEY, fetch }).watch(KEY, { maxWaitMs: 1_000 })
          : datalab({ apiKey: KEY, fetch }).watch(KEY, { maxWaitMs: 1_000 });
    const pending = lastValueFrom(c).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(1_000);
    const error = await pending;
    expect(error).toBeInstanceOf(Error);
    expectKeyFree(error);
  });

  it.each(
    PROVIDERS.flatMap((p) => [
      [p, 'while a shared watch subscribes', 1_000] as const,
      [p, 'after the first poll', undefined] as const,
    ]),
  )('%s: a scheduler that throws the key %s', async (provider, _when, maxWaitMs) => {
    const { fetch } = fakeFetch({ body: body(provider, 'running', []) });
    const scheduler = {
      now: () => Date.now(),
      schedule: () => {
        throw new Error(`scheduler refused ${KEY}`);
      },
    };
    const options = { apiKey: KEY, fetch, scheduler: scheduler as never };
    const limit = maxWaitMs === undefined ? {} : { maxWaitMs };
    const c: Observable<ExecutionUpdate> =
      provider === 'modelslab'
        ? modelslab(options).watch({ workflowId: 'wf', executionId: 'e1' }, limit)
        : provider === 'eachlabs'
          ? eachlabs(options).watch('e1', limit)
          : datalab(options).watch(1, limit);
    const pending = lastValueFrom(c).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(100);
    const error = await pending;
    // The scheduler's own error, itself or as the cause of the ConfigError naming it.
    expect(`${String(error)} ${String((error as { cause?: unknown }).cause)}`).toContain('scheduler refused');
    expectKeyFree(error);
  });
});
