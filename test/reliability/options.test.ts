// Class 7 — bad options before any request. Headers (names, values, the key that goes into
// one) are checked at client creation; `headers` and watch options must be plain objects;
// `random` and `scheduler` are checked; numeric ids past 2^53 − 1 (or not whole) are refused,
// never silently rounded into another execution's id.
import { describe, expect, it } from 'vitest';
import { ConfigError, datalab, eachlabs, modelslab, watchExecution } from '../../src/index.js';
import { KEY, PROVIDERS, body, clientOf, fakeFetch } from './support.js';

/** Asserts `make` throws a ConfigError naming `option`, before any fetch. */
function expectConfigError(make: (fetch: typeof globalThis.fetch) => unknown, option?: string): ConfigError {
  const { fetch, calls } = fakeFetch({ body: {} });
  let thrown: unknown;
  try {
    make(fetch);
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(ConfigError);
  if (option !== undefined) expect((thrown as ConfigError).option).toBe(option);
  expect(calls).toHaveLength(0);
  return thrown as ConfigError;
}

describe('headers, checked at client creation', () => {
  it.each(PROVIDERS)(
    '%s: a line break in a header value is a ConfigError, not a NetworkError a request later',
    (provider) => {
      expectConfigError(
        (fetch) => clientOf(provider, fetch, { headers: { 'x-trace': 'a\r\nx-injected: 1' } }),
        'headers',
      );
      expectConfigError((fetch) => clientOf(provider, fetch, { headers: { 'x-trace': 'a\nb' } }), 'headers');
      expectConfigError((fetch) => clientOf(provider, fetch, { headers: { 'x-trace': 'nul\u0000' } }), 'headers');
      expectConfigError((fetch) => clientOf(provider, fetch, { headers: { 'x-trace': 'arrow →' } }), 'headers');
      expectConfigError(
        (fetch) => clientOf(provider, fetch, { headers: { 'x-trace': 42 as unknown as string } }),
        'headers',
      );
    },
  );

  it.each(PROVIDERS)(
    "%s: a header that is the key's own, in any case, is a ConfigError, not a key joined to another value",
    (provider) => {
      const own = { modelslab: 'KEY', eachlabs: 'X-API-Key', datalab: 'x-api-key' }[provider];
      const error = expectConfigError(
        (fetch) => clientOf(provider, fetch, { headers: { [own]: 'proxy-token' } }),
        'headers',
      );
      expect(error.message).not.toContain('proxy-token');
      expect(error.message).toContain('apiKey');
      // The current EachLabs API sends the key as a bearer token.
      expectConfigError(
        (fetch) => eachlabs({ apiKey: KEY, fetch, api: 'current', headers: { Authorization: 'Basic x' } }),
        'headers',
      );
    },
  );

  it.each(PROVIDERS)('%s: a header name that is not a token is a ConfigError', (provider) => {
    expectConfigError((fetch) => clientOf(provider, fetch, { headers: { 'x trace': '1' } }), 'headers');
    expectConfigError((fetch) => clientOf(provider, fetch, { headers: { 'x:trace': '1' } }), 'headers');
  });

  it.each(PROVIDERS)('%s: a line break inside the key is a ConfigError that does not echo it', (provider) => {
    const error = expectConfigError(
      (fetch) => clientOf(provider, fetch, { apiKey: `${KEY.slice(0, 10)}\n${KEY.slice(10)}` }),
      'apiKey',
    );
    expect(error.message).not.toContain(KEY.slice(0, 10));
  });

  it.each(PROVIDERS)('%s: a key with a trailing newline works, sent trimmed', async (provider) => {
    const { fetch, calls } = fakeFetch({ body: body(provider, 'completed', []) });
    await clientOf(provider, fetch, { apiKey: `  ${KEY}\n` }).get();
    expect(Object.values(calls[0]!.headers)).toContainEqual(expect.stringMatching(new RegExp(`(^| )${KEY}$`)));
  });

  it.each(PROVIDERS)('%s: `headers` must be a plain object', (provider) => {
    for (const headers of ['x-trace: 1', [['x-trace', '1']], new Headers({ 'x-trace': '1' }), null]) {
      expectConfigError(
        (fetch) => clientOf(provider, fetch, { headers: headers as unknown as Record<string, string> }),
        'headers',
      );
    }
  });
});

describe('watch options', () => {
  it.each(PROVIDERS)('%s: must be an object', (provider) => {
    for (const options of ['fast', 5, [], null]) {
      expectConfigError((fetch) => clientOf(provider, fetch).watch(options as never));
    }
  });

  it.each(PROVIDERS)(
    '%s: `random` must be a function and `scheduler` a SchedulerLike with schedule and now',
    (provider) => {
      expectConfigError((fetch) => clientOf(provider, fetch).watch({ random: 0.5 as never }), 'random');
      expectConfigError(
        (fetch) => clientOf(provider, fetch).watch({ scheduler: { schedule: () => ({}) } as never }),
        'scheduler',
      );
      expectConfigError(
        (fetch) => clientOf(provider, fetch).watch({ scheduler: { now: () => 0 } as never }),
        'scheduler',
      );
    },
  );

  it('the same for watchExecution', () => {
    const source = { id: 'e1', fetchSnapshot: () => Promise.reject(new Error('never called')) };
    expect(() => watchExecution(source, 'fast' as never)).toThrow(ConfigError);
    expect(() => watchExecution(source, { scheduler: { schedule: () => ({}) } as never })).toThrow(ConfigError);
  });
});

describe('numeric ids', () => {
  const unsafe = [2 ** 53, Number('9007199254740993'), 1e21, 1.5, -1, Number.NaN, Number.POSITIVE_INFINITY];

  it.each(unsafe)('refuses %s as a ModelsLab or Datalab id, before any request', (id) => {
    expectConfigError(
      (fetch) => modelslab({ apiKey: KEY, fetch }).watch({ workflowId: 'wf', executionId: id }),
      'executionId',
    );
    expectConfigError(
      (fetch) => modelslab({ apiKey: KEY, fetch }).get({ workflowId: 'wf', executionId: id }),
      'executionId',
    );
    expectConfigError((fetch) => datalab({ apiKey: KEY, fetch }).watch(id), 'executionId');
    expectConfigError((fetch) => datalab({ apiKey: KEY, fetch }).get(id), 'executionId');
    expectConfigError((fetch) => datalab({ apiKey: KEY, fetch }).execute(id, {}), 'workflowId');
  });

  it('takes the largest safe integer as a number, and larger ids as strings, verbatim', async () => {
    const { fetch, calls } = fakeFetch((call) => ({
      body: call.url.includes('modelslab') ? body('modelslab', 'completed', []) : body('datalab', 'completed', []),
    }));
    await datalab({ apiKey: KEY, fetch, baseUrl: 'https://datalab.test/v1' }).get(9007199254740991);
    await datalab({ apiKey: KEY, fetch, baseUrl: 'https://datalab.test/v1' }).get('9007199254740993');
    await modelslab({ apiKey: KEY, fetch, baseUrl: 'https://modelslab.test/v1' }).get({
      workflowId: 'wf',
      executionId: '12345678901234567890',
    });
    expect(calls.map((c) => new URL(c.url).pathname)).toEqual([
      '/v1/executions/9007199254740991',
      '/v1/executions/9007199254740993',
      '/v1/wf/runs/12345678901234567890',
    ]);
  });

  it('refuses an id that is not well-formed text (a lone surrogate), before any request', () => {
    for (const id of ['abc\ud800', '\udc00', 'a\udc00\ud800b']) {
      expectConfigError((fetch) => eachlabs({ apiKey: KEY, fetch }).watch(id), 'executionId');
      expectConfigError((fetch) => eachlabs({ apiKey: KEY, fetch }).get(id), 'executionId');
      expectConfigError((fetch) => datalab({ apiKey: KEY, fetch }).get(id), 'executionId');
      expectConfigError(
        (fetch) => modelslab({ apiKey: KEY, fetch }).watch({ workflowId: id, executionId: 1 }),
        'workflowId',
      );
    }
    // A pair is well-formed: an emoji is an id like any other.
    expect(() => eachlabs({ apiKey: KEY, fetch: fakeFetch({ body: {} }).fetch }).watch('run-\u{1F680}')).not.toThrow();
  });

  it('refuses run parameters, inputs and an input config that JSON would not write as their fields', () => {
    for (const value of [new Date(0), new Map([['prompt', 'x']]), Object.create({ inherited: 1 }) as object]) {
      expectConfigError((fetch) => modelslab({ apiKey: KEY, fetch }).run('wf', value as never), 'params');
      expectConfigError((fetch) => datalab({ apiKey: KEY, fetch }).execute(1, value), 'inputConfig');
      expectConfigError((fetch) => eachlabs({ apiKey: KEY, fetch }).trigger('wf', { inputs: value }), 'inputs');
    }
    // A plain object, and one without a prototype, are what they look like.
    const run = (): Promise<unknown> =>
      modelslab({ apiKey: KEY, fetch: fakeFetch({ body: {} }).fetch }).run('wf', Object.create(null) as never);
    expect(() => void run().catch(() => undefined)).not.toThrow();
  });

  it('refuses a number as an EachLabs id, which is a string', () => {
    expectConfigError((fetch) => eachlabs({ apiKey: KEY, fetch }).watch(12345 as never), 'executionId');
  });
});
