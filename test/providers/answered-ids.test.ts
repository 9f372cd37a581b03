// An id a provider answers (a run started, a list of executions) is checked as a user's would
// be: one no endpoint can take (empty, `..`, a lone surrogate) is the provider's fault, a
// ResponseValidationError, never a URIError, a poll of the wrong URL, or a ConfigError that
// blames the user's options.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ResponseValidationError, datalab, eachlabs, modelslab } from '../../src/index.js';

const KEY = 'sk-ids-TEST-7c1d2e9f';
const backoff = { initialDelayMs: 1_000, jitter: 'none', maxRetries: 1 } as const;

/** A fetch that answers `body` to everything, and records the paths asked for. */
function answering(body: unknown, status = 200) {
  const paths: string[] = [];
  const fetch = (async (input: string) => {
    paths.push(new URL(input).pathname);
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  }) as unknown as typeof globalThis.fetch;
  return { fetch, paths };
}

/** The error a stream ends with, after a while in fake time. */
async function errorOf(stream: { subscribe(o: { error(e: unknown): void }): unknown }): Promise<unknown> {
  let error: unknown;
  stream.subscribe({ error: (e) => (error = e) });
  await vi.advanceTimersByTimeAsync(100);
  return error;
}

describe('ids a provider answers', () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  it.each(['', '..', 'x\ud800'])(
    'a start answered with the id %j is a ResponseValidationError, and nothing is polled',
    async (id) => {
      const each = answering({ execution_id: id, status: 'queued' }, 202);
      await expect(eachlabs({ apiKey: KEY, fetch: each.fetch }).trigger('wf', {})).rejects.toBeInstanceOf(
        ResponseValidationError,
      );
      const watched = answering({ execution_id: id, status: 'queued' }, 202);
      expect(
        await errorOf(eachlabs({ apiKey: KEY, fetch: watched.fetch }).runAndWatch('wf', {}, { backoff })),
      ).toBeInstanceOf(ResponseValidationError);
      expect(watched.paths).toHaveLength(1); // the trigger only
      const ml = answering({ status: 'success', execution_id: id });
      await expect(modelslab({ apiKey: KEY, fetch: ml.fetch }).run('wf', {})).rejects.toBeInstanceOf(
        ResponseValidationError,
      );
      const dl = answering({ execution_id: id, status: 'QUEUED' });
      await expect(datalab({ apiKey: KEY, fetch: dl.fetch }).execute(1, {})).rejects.toBeInstanceOf(
        ResponseValidationError,
      );
    },
  );

  it('a bulk list naming an execution `..` is a ResponseValidationError, not a ConfigError', async () => {
    const { fetch } = answering({ executions: [{ execution_id: '..', status: 'running' }], total_count: 1 });
    const error = await errorOf(eachlabs({ apiKey: KEY, fetch }).watchBulk('wf', 'b', { backoff }));
    expect(error).toBeInstanceOf(ResponseValidationError);
  });

  it('a numeric id (Datalab, ModelsLab) is still an id', async () => {
    const ml = answering({ status: 'success', execution_id: 42 });
    await expect(modelslab({ apiKey: KEY, fetch: ml.fetch }).run('wf', {})).resolves.toEqual({
      workflowId: 'wf',
      executionId: '42',
    });
  });
});
