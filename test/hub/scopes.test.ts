// A long-lived client meets ever more budget scopes (ModelsLab's is a workflow): it lets go of
// the idle ones, so its memory follows the scopes in use, not every scope it ever saw.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';

/** Every limiter the client makes, weakly held. */
const made: WeakRef<object>[] = [];
vi.mock('../../src/core/budget.js', async (importOriginal) => {
  const budget = await importOriginal<typeof import('../../src/core/budget.js')>();
  class Watched extends budget.RateLimiter {
    constructor(...args: ConstructorParameters<typeof budget.RateLimiter>) {
      super(...args);
      made.push(new WeakRef(this));
    }
  }
  return { ...budget, RateLimiter: Watched };
});
const { acme, fakeServer } = await import('./support.js');

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => vi.useRealTimers());

it('keeps the budgets of the scopes in use, and lets go of the idle ones', async () => {
  const server = fakeServer();
  const client = acme(server.fetch, { rateLimit: { requests: 1, intervalMs: 1_000 } });
  // 2,000 scopes, one every 10 ms: each slot is held a second, so some 100 are busy at once.
  for (let i = 0; i < 2_000; i++) {
    await client.get(`s${i}:job-1`);
    await vi.advanceTimersByTimeAsync(10);
  }
  vi.useRealTimers();
  await new Promise((resolve) => setImmediate(resolve)); // WeakRefs hold their targets to the end of a job
  gc();
  const alive = made.filter((ref) => ref.deref() !== undefined).length;
  expect(made.length).toBeGreaterThanOrEqual(2_000);
  expect(alive).toBeLessThan(500);
  expect(server.requests).toHaveLength(2_000);
  await client.get('s0:job-1'); // the client, still in use, holds what it holds
});

it('never lets go of a scope that still holds something: a 429 pause outlives the sweeps', async () => {
  let refused = false;
  const server = fakeServer((id) => {
    if (id === 'wf:job-1' && !refused) {
      refused = true;
      return { status: 429, headers: { 'retry-after': '30' }, body: {} };
    }
    return { body: { id, state: 'running', tasks: [] } };
  });
  const client = acme(server.fetch, { rateLimit: { requests: 100, intervalMs: 1_000 } });
  await client.get('wf:job-1').catch(() => undefined); // pauses scope `wf` for 30 s
  for (let i = 0; i < 300; i++) await client.get(`s${i}:job-1`); // sweeps, at 64, 128 and 256 scopes
  const again = client.get('wf:job-2');
  await vi.advanceTimersByTimeAsync(40_000);
  await again;
  const last = server.requests.at(-1)!;
  expect(last.id).toBe('wf:job-2');
  expect(last.at).toBeGreaterThanOrEqual(30_000);
});
