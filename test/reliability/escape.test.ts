// Class 1 — nothing escapes the stream. Whatever a body or a user's SnapshotSource does, the
// watch errors with a typed error or goes on: no unhandled rejection, no hang, no stack overflow
// in the diff, the equality or the CLI's JSON output.
import { PassThrough } from 'node:stream';
import { of } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { present } from '../../src/cli/present.js';
import { createOutput } from '../../src/cli/io.js';
import {
  ConfigError,
  NetworkError,
  ResponseValidationError,
  diff,
  isConfigError,
  isResponseValidationError,
  watchExecution,
  watchList,
  type ExecutionSnapshot,
  type ExecutionUpdate,
} from '../../src/index.js';
import { snap, step } from '../helpers/snapshots.js';
import { PROVIDERS, body, clientOf, deepJson, drain, fakeFetch, type Reply } from './support.js';

const DEEP = 100_000;

/** Collects unhandled rejections while a test runs: each must be none. */
function trapRejections(): unknown[] {
  const seen: unknown[] = [];
  const onRejection = (reason: unknown): void => void seen.push(reason);
  process.on('unhandledRejection', onRejection);
  afterEachCleanups.push(() => process.off('unhandledRejection', onRejection));
  return seen;
}
const afterEachCleanups: (() => void)[] = [];

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => {
  vi.useRealTimers();
  for (const cleanup of afterEachCleanups.splice(0)) cleanup();
});

/** A reply whose text is `value`, plus a field `deep`, with every `"@DEEP@"` replaced by a deep value. */
function spliced(value: Record<string, unknown>, deep: string): Reply {
  return {
    text: JSON.stringify({ ...value, deep: '@DEEP@' })
      .split('"@DEEP@"')
      .join(deep),
  };
}

describe('nothing escapes the stream: deep JSON from a provider', () => {
  it.each(PROVIDERS)(
    '%s: an output nested 100,000 deep is diffed poll after poll, and the watch goes on to the end',
    async (provider) => {
      const rejections = trapRejections();
      const running = body(provider, 'running', [['a', 'running']], { output: '@DEEP@', stepOutput: '@DEEP@' });
      const done = body(provider, 'completed', [['a', 'completed']], { output: '@DEEP@', stepOutput: '@DEEP@' });
      // The same deep output three polls in a row: each poll parses a fresh one, compared by value.
      const { fetch } = fakeFetch([
        spliced(running, deepJson(DEEP)),
        spliced(running, deepJson(DEEP)),
        spliced(done, deepJson(DEEP)),
      ]);
      const result = await drain(clientOf(provider, fetch).watch());
      expect(result.error).toBeUndefined();
      expect(result.completed).toBe(true);
      expect(result.values.at(-1)?.snapshot.status).toBe('completed');
      // The second poll changed nothing a user can see: no update for it.
      expect(result.values).toHaveLength(2);
      await vi.advanceTimersByTimeAsync(0);
      expect(rejections).toEqual([]);
    },
  );

  it.each(PROVIDERS)('%s: a body that is nothing but nesting is a typed error, not a crash', async (provider) => {
    const rejections = trapRejections();
    for (const kind of ['array', 'object'] as const) {
      const { fetch } = fakeFetch({ text: deepJson(DEEP, kind) });
      const result = await drain(clientOf(provider, fetch).watch());
      expect(isResponseValidationError(result.error), String(result.error)).toBe(true);
    }
    expect(rejections).toEqual([]);
  });

  it.each(PROVIDERS)('%s: steps that are null are no steps; a step that is null is a typed error', async (provider) => {
    const base = body(provider, 'completed', []);
    const stepsKey = provider === 'eachlabs' ? 'step_outputs' : 'steps';
    const { fetch } = fakeFetch({ body: { ...base, [stepsKey]: null } });
    const ok = await drain(clientOf(provider, fetch).watch());
    expect(ok.completed).toBe(true);
    expect(ok.values[0]?.snapshot.steps).toEqual([]);

    const nullStep = provider === 'modelslab' ? [null] : { a: null };
    const { fetch: bad } = fakeFetch({ body: { ...base, [stepsKey]: nullStep } });
    const failed = await drain(clientOf(provider, bad).watch());
    expect(failed.error).toBeInstanceOf(ResponseValidationError);
  });
});

describe('nothing escapes the stream: a SnapshotSource and its options', () => {
  const running = snap('running', [step('a', 'running')]);

  it.each([
    ['a snapshot without steps', { ...running, steps: undefined }, ['steps']],
    ['steps that are null', { ...running, steps: null }, ['steps']],
    ['a step that is null', { ...running, steps: [null] }, ['steps']],
    ['a step without a key', { ...running, steps: [{ name: 'a', status: 'running' }] }, ['steps']],
    ['no status', { ...running, status: undefined }, ['status']],
    ['null', null, ['status']],
    ['a string', 'running', ['status']],
  ])('errors with a ResponseValidationError for %s', async (_name, value, path) => {
    const rejections = trapRejections();
    // One good poll first, so the bad one is diffed against a baseline.
    let polls = 0;
    const source = { id: 'e1', fetchSnapshot: async () => (polls++ === 0 ? running : (value as ExecutionSnapshot)) };
    const result = await drain(watchExecution(source, { backoff: { initialDelayMs: 10, jitter: 'none' } }));
    expect(result.values).toHaveLength(1);
    expect(result.error).toBeInstanceOf(ResponseValidationError);
    expect((result.error as ResponseValidationError).issues[0]?.path).toEqual(path);
    expect(rejections).toEqual([]);
  });

  it('errors with a ResponseValidationError when a list source returns no array', async () => {
    const rejections = trapRejections();
    const result = await drain(watchList({ id: 'b1', fetchList: async () => null as unknown as ExecutionSnapshot[] }));
    expect(result.error).toBeInstanceOf(ResponseValidationError);
    expect(rejections).toEqual([]);
  });

  it('errors with a ConfigError naming `random` when it throws, after a good poll or a failed one', async () => {
    const rejections = trapRejections();
    const boom = new Error('entropy ran out');
    const random = (): number => {
      throw boom;
    };
    const result = await drain(watchExecution({ id: 'e1', fetchSnapshot: async () => running }, { random }));
    expect(result.values).toHaveLength(1);
    expect(result.error).toBeInstanceOf(ConfigError);
    expect(result.error).toMatchObject({ option: 'random', cause: boom });
    expect(rejections).toEqual([]);
  });

  it('errors with a ConfigError naming `scheduler` when it throws, at subscription or later', async () => {
    const rejections = trapRejections();
    let calls = 0;
    const scheduler = {
      now: () => Date.now(),
      schedule: (): never => {
        calls++;
        throw new Error('scheduler is down');
      },
    };
    const later = await drain(watchExecution({ id: 'e1', fetchSnapshot: async () => running }, { scheduler }));
    expect(later.values).toHaveLength(1);
    expect(isConfigError(later.error) && later.error.option).toBe('scheduler');
    const atOnce = await drain(
      watchExecution({ id: 'e1', fetchSnapshot: async () => running }, { scheduler, maxWaitMs: 1_000 }),
    );
    expect(isConfigError(atOnce.error) && atOnce.error.option).toBe('scheduler');
    expect(calls).toBe(2);
    expect(rejections).toEqual([]);
  });

  it('goes on through a fetchSnapshot that throws synchronously and retryably', async () => {
    let polls = 0;
    const source = {
      id: 'e1',
      fetchSnapshot: (): Promise<ExecutionSnapshot> => {
        if (polls++ === 0) throw new NetworkError('not yet');
        return Promise.resolve(snap('completed'));
      },
    };
    const result = await drain(watchExecution(source, { backoff: { initialDelayMs: 10, jitter: 'none' } }));
    expect(result.completed).toBe(true);
  });
});

describe('deep structures overflow nothing', () => {
  it('diff compares outputs nested 100,000 deep, equal or not', () => {
    const deep = (leaf: number): unknown => JSON.parse(deepJson(DEEP, 'object').replace('1}', `${leaf}}`));
    const a = snap('running', [step('a', 'completed', { output: deep(1) })], { output: deep(1) });
    const same = snap('running', [step('a', 'completed', { output: deep(1) })], { output: deep(1) });
    const other = snap('running', [step('a', 'completed', { output: deep(2) })], { output: deep(2) });
    expect(diff(a, same)).toEqual([]);
    expect(diff(a, other).map((c) => c.type)).toEqual(['step-output', 'execution-output']);
  });

  it('diff ends on cyclic outputs from a user source', () => {
    const cyclic = (): Record<string, unknown> => {
      const o: Record<string, unknown> = { n: 1 };
      o['self'] = o;
      return o;
    };
    expect(diff(snap('running', [], { output: cyclic() }), snap('running', [], { output: cyclic() }))).toEqual([]);
  });

  it("the CLI's --json output prints a change whose output is nested 100,000 deep", async () => {
    vi.useRealTimers();
    const output = JSON.parse(deepJson(DEEP)) as unknown;
    const snapshot = snap('completed', [step('a', 'completed', { output })]);
    const update: ExecutionUpdate = {
      snapshot,
      previous: undefined,
      changes: diff(undefined, snapshot),
    };
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const chunks: Buffer[] = [];
    stdout.on('data', (c: Buffer) => chunks.push(c));
    const io = { stdout, stderr, env: {}, signal: new AbortController().signal };
    const outcome = await present(
      [{ label: 'test e1', id: 'e1', updates: of(update) }],
      { json: true, title: 't', expected: 1 },
      createOutput(io, []),
    );
    expect(outcome.errors).toEqual([]);
    const lines = Buffer.concat(chunks).toString('utf8').trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { type: string }).type)).toEqual([
      'step-added',
      'step-output',
      'execution-status',
    ]);
    expect(lines[1]).toContain(`"output":${deepJson(DEEP)}`);
  });
});
