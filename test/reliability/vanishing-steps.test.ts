// Class 2 — vanishing steps (DESIGN §2): a step missing from one body keeps its last seen state
// in the baseline. When it returns, only what really changed is emitted: never a second
// `step-added`, and a transition made while it was away still yields its `step-status`.
import { from, lastValueFrom, toArray } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { stepChanges, watchExecution, type ExecutionSnapshot, type ExecutionUpdate } from '../../src/index.js';
import { snap, step } from '../helpers/snapshots.js';
import { expectNoChangeLost } from '../integration/support.js';
import { PENDING, PROVIDERS, body, clientOf, drain, fakeFetch } from './support.js';

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => vi.useRealTimers());

/** Every change of the updates, as `type key from→to` lines. */
function story(updates: readonly ExecutionUpdate[]): string[] {
  return updates.flatMap((u) =>
    u.changes.map((c) =>
      c.type === 'step-status'
        ? `${c.type} ${c.step.key} ${c.from}→${c.to}`
        : c.type === 'step-added'
          ? `${c.type} ${c.step.key} ${c.step.status}`
          : c.type === 'execution-status'
            ? `${c.type} ${c.from}→${c.to}`
            : c.type,
    ),
  );
}

describe('vanishing steps', () => {
  it.each(PROVIDERS)(
    '%s: a step that leaves one body and comes back finished is announced once, its transition kept',
    async (provider) => {
      const { fetch } = fakeFetch([
        {
          body: body(provider, 'running', [
            ['a', 'running'],
            ['b', 'running'],
          ]),
        },
        { body: body(provider, 'running', [['a', 'completed']]) }, // b is missing
        {
          body: body(provider, 'running', [
            ['a', 'completed'],
            ['b', 'completed'],
          ]),
        }, // b finished meanwhile
        {
          body: body(provider, 'completed', [
            ['a', 'completed'],
            ['b', 'completed'],
          ]),
        },
      ]);
      const result = await drain(clientOf(provider, fetch).watch());
      expect(result.completed).toBe(true);
      expect(story(result.values)).toEqual([
        'step-added a running',
        'step-added b running',
        'execution-status undefined→running',
        'step-status a running→completed',
        'step-status b running→completed',
        'execution-status running→completed',
      ]);
      expectNoChangeLost(result.values, { status: 'completed', steps: { a: 'completed', b: 'completed' } });
    },
  );

  it.each(PROVIDERS)('%s: a step that leaves and comes back unchanged emits nothing', async (provider) => {
    const { fetch } = fakeFetch([
      {
        body: body(provider, 'running', [
          ['a', 'running'],
          ['b', 'pending'],
        ]),
      },
      { body: body(provider, 'running', [['a', 'running']]) },
      {
        body: body(provider, 'running', [
          ['a', 'running'],
          ['b', 'pending'],
        ]),
      },
      {
        body: body(provider, 'completed', [
          ['a', 'completed'],
          ['b', 'completed'],
        ]),
      },
    ]);
    const result = await drain(clientOf(provider, fetch).watch());
    expect(result.values).toHaveLength(2);
    expect(story(result.values)).toEqual([
      'step-added a running',
      `step-added b ${PENDING[provider]}`,
      'execution-status undefined→running',
      'step-status a running→completed',
      `step-status b ${PENDING[provider]}→completed`,
      'execution-status running→completed',
    ]);
  });

  it('holds for a SnapshotSource too, and `previous` still holds the step that was away', async () => {
    const bodies: ExecutionSnapshot[] = [
      snap('running', [step('a', 'running'), step('b', 'running')]),
      snap('running', [step('a', 'completed')]),
      snap('completed', [step('a', 'completed'), step('b', 'completed')]),
    ];
    let i = 0;
    const result = await drain(
      watchExecution(
        { id: 'e1', fetchSnapshot: async () => bodies[Math.min(i++, 2)]! },
        { backoff: { initialDelayMs: 10, jitter: 'none' } },
      ),
    );
    const last = result.values.at(-1)!;
    expect(last.previous?.steps.map((s) => `${s.key}:${s.status}`)).toEqual(['a:completed', 'b:running']);
    expect(story([last])).toEqual(['step-status b running→completed', 'execution-status running→completed']);
  });

  it("keeps a step's output a body left out: when it comes back unchanged, no second step-output", async () => {
    const url = 'https://bucket.test/out.json?sig=';
    const bodies: ExecutionSnapshot[] = [
      snap('running', [step('a', 'completed', { output: { text: 'hi' }, outputUrl: `${url}1` }), step('b', 'running')]),
      snap('running', [step('a', 'completed'), step('b', 'running')]), // a's output left out
      snap('running', [step('a', 'completed', { output: { text: 'hi' }, outputUrl: `${url}2` }), step('b', 'running')]),
      snap('completed', [
        step('a', 'completed', { output: { text: 'bye' }, outputUrl: `${url}3` }),
        step('b', 'completed'),
      ]),
    ];
    let i = 0;
    const result = await drain(
      watchExecution(
        { id: 'e1', fetchSnapshot: async () => bodies[Math.min(i++, 3)]! },
        { backoff: { initialDelayMs: 10, jitter: 'none' } },
      ),
    );
    expect(story(result.values)).toEqual([
      'step-added a completed',
      'step-output',
      'step-added b running',
      'execution-status undefined→running',
      'step-output', // a new output: 'bye'
      'step-status b running→completed',
      'execution-status running→completed',
    ]);
    // The update's previous shows the output the baseline kept.
    expect(result.values.at(-1)!.previous?.steps[0]).toMatchObject({ output: { text: 'hi' } });
  });

  it('holds for stepChanges over bare snapshots', async () => {
    vi.useRealTimers();
    const changes = await lastValueFrom(
      from([
        snap('running', [step('a', 'running'), step('b', 'running')]),
        snap('running', [step('a', 'running')]),
        snap('running', [step('a', 'running'), step('b', 'completed')]),
      ]).pipe(stepChanges(), toArray()),
    );
    expect(changes.map((c) => `${c.type} ${c.step.key}`)).toEqual(['step-added a', 'step-added b', 'step-status b']);
  });
});
