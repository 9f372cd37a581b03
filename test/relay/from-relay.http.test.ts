// fromRelay against a real relay in front of the simulator, through the `eventsource` package
// (a WHATWG-conforming EventSource for Node: reconnection, Last-Event-ID, `retry:`), as a
// browser would use it: the same updates as a direct watch, typed errors, and no repeated
// change across a dropped connection.
import { EventSource } from 'eventsource';
import { Subscription } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  eachlabs,
  fromRelay,
  isAuthenticationError,
  isNotFoundError,
  type ExecutionChange,
  type ExecutionUpdate,
} from '../../src/index.js';
import { BACKOFF, SCRIPT, SIM_KEY, startRelay, type RelayHarness } from '../server/support.js';

const harnesses: RelayHarness[] = [];
let subscriptions = new Subscription();
afterEach(async () => {
  subscriptions.unsubscribe();
  subscriptions = new Subscription(); // a closed one would unsubscribe whatever is added to it
  await Promise.all(harnesses.splice(0).map((h) => h.close()));
});

async function harness(...args: Parameters<typeof startRelay>): Promise<RelayHarness> {
  const h = await startRelay(...args);
  harnesses.push(h);
  return h;
}

/** Collects a stream's updates; `until(n)` resolves once n have arrived, `done` at its end. */
function collect(source: ReturnType<typeof fromRelay>) {
  const updates: ExecutionUpdate[] = [];
  const waiters = new Set<() => void>();
  let settle!: (error?: Error) => void;
  const done = new Promise<void>((resolve, reject) => (settle = (e) => (e === undefined ? resolve() : reject(e))));
  subscriptions.add(
    source.subscribe({
      next: (u) => {
        updates.push(u);
        for (const w of [...waiters]) w();
      },
      error: (e: unknown) => settle(e instanceof Error ? e : new Error(String(e))),
      complete: () => settle(),
    }),
  );
  const until = (n: number): Promise<void> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${updates.length} of ${n} updates arrived`)), 10_000);
      const check = (): void => {
        if (updates.length < n) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve();
      };
      waiters.add(check);
      check();
    });
  return { updates, until, done };
}

const withoutRaw = (u: ExecutionUpdate): ExecutionUpdate => {
  const strip = (snapshot: ExecutionUpdate['snapshot']): ExecutionUpdate['snapshot'] => {
    const copy: Partial<ExecutionUpdate['snapshot']> = { ...snapshot };
    delete copy.raw;
    return copy as ExecutionUpdate['snapshot'];
  };
  return { snapshot: strip(u.snapshot), previous: u.previous && strip(u.previous), changes: u.changes };
};

const describeChange = (c: ExecutionChange): string =>
  'step' in c ? `${c.type}:${c.step.key}:${c.step.status}` : c.type === 'execution-status' ? `status:${c.to}` : c.type;

describe('fromRelay through a relay, with the eventsource package', () => {
  it('emits what a direct watch emits, and completes with it', async () => {
    const h = await harness();
    const { executionId } = h.sim.createExecution('eachlabs', SCRIPT);
    const direct = collect(
      eachlabs({ apiKey: SIM_KEY, baseUrl: h.sim.baseUrls.eachlabs, rateLimit: false, backoff: BACKOFF }).watch(
        executionId,
      ),
    );
    const relayed = collect(fromRelay(`${h.url}/eachlabs/${executionId}`, { EventSource }));
    // Each stage is seen by both before the clock moves on, so both see the same states.
    for (const [n, ms] of [
      [1, 1_500],
      [2, 1_000],
      [3, 1_000],
      [4, 10_000],
    ] as const) {
      await Promise.all([direct.until(n), relayed.until(n)]);
      h.advance(ms);
    }
    await Promise.all([direct.done, relayed.done]);
    expect(relayed.updates).toStrictEqual(direct.updates.map(withoutRaw));
    expect(relayed.updates.map((u) => u.snapshot.status)).toEqual([
      'queued',
      'running',
      'running',
      'running',
      'completed',
    ]);
  });

  it.each([
    ['keeps the history', {}],
    ['forgot the execution', { maxRetained: 0 }],
  ])('resumes across a dropped connection without repeating a change (the relay %s)', async (_, options) => {
    const h = await harness(options);
    const { executionId } = h.sim.createExecution('eachlabs', SCRIPT);
    const relayed = collect(fromRelay(`${h.url}/eachlabs/${executionId}`, { EventSource }));
    await relayed.until(1);
    h.server.closeAllConnections(); // the network drops: the relay loses its only viewer
    await h.counts.eachlabs.untilActive(0);
    h.advance(1_500); // meanwhile, the execution moves on
    await relayed.until(2); // the EventSource came back by itself
    h.advance(10_000);
    await relayed.done;

    expect(h.counts.eachlabs.subscribed).toBe(2);
    const changes = relayed.updates.flatMap((u) => u.changes.map(describeChange));
    expect(changes).toEqual([
      'step-added:parse:queued',
      'step-added:extract:queued',
      'step-added:summarize:queued',
      'status:queued',
      'step-status:parse:running',
      'status:running',
      'step-status:parse:completed',
      'step-output:parse:completed',
      'step-status:extract:completed',
      'step-output:extract:completed',
      'step-status:summarize:completed',
      'step-output:summarize:completed',
      'execution-output',
      'status:completed',
    ]);
    expect(relayed.updates[1]!.previous).toStrictEqual(relayed.updates[0]!.snapshot);
  });

  it('errors with the typed error of the watch, and with the refusal of the relay', async () => {
    const h = await harness({ authorize: (request) => !request.url.includes('secret-execution') });
    const missing = collect(fromRelay(`${h.url}/datalab/999999`, { EventSource }));
    const error = await missing.done.catch((e: unknown) => e);
    expect(isNotFoundError(error)).toBe(true);
    expect(error).toMatchObject({ status: 404, provider: 'datalab', executionId: '999999' });

    const refused = collect(fromRelay(`${h.url}/eachlabs/secret-execution`, { EventSource }));
    const refusal = await refused.done.catch((e: unknown) => e);
    expect(isAuthenticationError(refusal)).toBe(true);
    expect(refusal).toMatchObject({ status: 403 });
    expect(h.sim.requests.filter((r) => r.executionId === 'secret-execution')).toEqual([]);
  });
});
