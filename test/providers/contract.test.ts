import { describe, expect, it } from 'vitest';
import { ConfigError, datalab, eachlabs, modelslab } from '../../src/index.js';

// One behaviour per call, whatever the provider: every argument mistake is a ConfigError
// thrown synchronously where the call is written, naming the option and the provider, and no
// request is sent for it.

/** A fetch that records calls: an argument mistake must never reach it. */
function recorder(): { fetch: typeof fetch; calls: string[] } {
  const calls: string[] = [];
  const record = async (input: string): Promise<Response> => {
    calls.push(input);
    return Response.json({});
  };
  return { fetch: record as unknown as typeof fetch, calls };
}

/** Runs `call` and returns the ConfigError it threw synchronously (fails otherwise). */
function syncConfigError(call: () => unknown): ConfigError {
  let result: unknown;
  try {
    result = call();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  if (result instanceof Promise) result.catch(() => undefined);
  throw new Error(`expected a synchronous ConfigError, got ${result instanceof Promise ? 'a promise' : typeof result}`);
}

const providers = [
  {
    name: 'modelslab',
    create: (o: Record<string, unknown>) => modelslab({ apiKey: 'k', ...o }),
    ref: { workflowId: 'wf', executionId: 1 },
    emptyRef: { workflowId: '', executionId: 1 },
    calls: (c: ReturnType<typeof modelslab>) => ({
      run: () => c.run('', {}),
      cancel: () => c.cancel({ workflowId: 'wf', executionId: '' }),
      runWithBadSignal: () => c.run('wf', {}, { signal: 'no' as never }),
    }),
  },
  {
    name: 'eachlabs',
    create: (o: Record<string, unknown>) => eachlabs({ apiKey: 'k', ...o }),
    ref: 'e1',
    emptyRef: '',
    calls: (c: ReturnType<typeof eachlabs>) => ({
      trigger: () => c.trigger('', {}),
      list: () => c.list('wf', { limit: 0 }),
      triggerWithUnknownKey: () => c.trigger('wf', { input: {} } as never),
    }),
  },
  {
    name: 'datalab',
    create: (o: Record<string, unknown>) => datalab({ apiKey: 'k', ...o }),
    ref: 1,
    emptyRef: '',
    calls: (c: ReturnType<typeof datalab>) => ({
      execute: () => c.execute('', {}),
      stepOutput: () => c.stepOutput({} as never),
      executeWithBadSignal: () => c.execute(1, {}, { signal: 'no' as never }),
    }),
  },
] as const;

describe.each(providers)('$name: one behaviour per call', (p) => {
  it('refuses an unknown client option, naming it and the provider', () => {
    const error = syncConfigError(() => p.create({ requestTimeoutMS: 5 }));
    expect(error.option).toBe('requestTimeoutMS');
    expect(error.provider).toBe(p.name);
    expect(error.message).toMatch(/did you mean `requestTimeoutMs`/);
  });

  it('refuses an unknown watch option when the watch is written, not when it runs', () => {
    const { fetch, calls } = recorder();
    const client = p.create({ fetch });
    const error = syncConfigError(() =>
      (client.watch as (r: unknown, o: unknown) => unknown)(p.ref, { maxWaitMS: 1000 }),
    );
    expect([error.option, error.provider]).toEqual(['maxWaitMS', p.name]);
    expect(error.message).toMatch(/did you mean `maxWaitMs`/);
    expect(calls).toEqual([]);
  });

  it('throws at once for an empty id in watch and get, carrying the provider', () => {
    const { fetch, calls } = recorder();
    const client = p.create({ fetch });
    for (const call of [
      () => (client.watch as (r: unknown) => unknown)(p.emptyRef),
      () => (client.get as (r: unknown) => unknown)(p.emptyRef),
    ]) {
      expect(syncConfigError(call).provider).toBe(p.name);
    }
    expect(calls).toEqual([]);
  });

  it('checks the signal option of get, and refuses other keys there', () => {
    const client = p.create({ fetch: recorder().fetch });
    const get = client.get as (r: unknown, o: unknown) => unknown;
    expect(syncConfigError(() => get(p.ref, { signal: {} })).option).toBe('signal');
    expect(syncConfigError(() => get(p.ref, { sginal: new AbortController().signal })).option).toBe('sginal');
    expect(syncConfigError(() => get(p.ref, 'fast')).provider).toBe(p.name);
  });

  it("throws at once for a bad argument to each of the provider's own calls", () => {
    const { fetch, calls } = recorder();
    const client = p.create({ fetch });
    for (const [name, call] of Object.entries((p.calls as (c: unknown) => Record<string, () => unknown>)(client))) {
      const error = syncConfigError(call);
      expect(error.provider, name).toBe(p.name);
      expect(error.option, name).toBeTypeOf('string');
    }
    expect(calls).toEqual([]);
  });
});
