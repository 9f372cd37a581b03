import { lastValueFrom, of, throwError, toArray, concat, NEVER, Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  aggregateProgress,
  ConfigError,
  mergeExecutions,
  NotFoundError,
  type ExecutionUpdate,
} from '../../src/index.js';
import { snap, step } from '../helpers/snapshots.js';

function update(id: string, status: 'running' | 'completed' | 'failed'): ExecutionUpdate {
  const snapshot = snap(status, [step('a', status === 'running' ? 'running' : 'completed')], { executionId: id });
  return {
    snapshot,
    previous: undefined,
    changes: [{ type: 'execution-status', executionId: id, from: undefined, to: status }],
  };
}

describe('mergeExecutions: errors', () => {
  it("isolates by default: one watch's 404 ends it alone with a watch-error update, the others go on", async () => {
    const notFound = new NotFoundError('execution not found', { status: 404, executionId: 'e2', provider: 'eachlabs' });
    const merged = mergeExecutions([
      of(update('e1', 'running'), update('e1', 'completed')),
      throwError(() => notFound),
      concat(
        of(update('e3', 'running')),
        throwError(() => new Error('boom')),
      ),
      of(update('e4', 'completed')),
    ]);
    const all = await lastValueFrom(merged.pipe(toArray()));
    const errors = all.flatMap((u) => u.changes.filter((c) => c.type === 'watch-error'));
    expect(errors).toHaveLength(2);
    expect(errors[0]).toEqual({ type: 'watch-error', executionId: 'e2', error: notFound });
    // The minimal snapshot of a watch that never saw one; the last one seen otherwise.
    const e2 = all.find((u) => u.snapshot.executionId === 'e2')!;
    expect(e2.snapshot).toMatchObject({ provider: 'eachlabs', status: 'unknown', steps: [] });
    const e3 = all.filter((u) => u.snapshot.executionId === 'e3').at(-1)!;
    expect(e3.snapshot.status).toBe('running');
    expect(e3.changes[0]).toMatchObject({
      type: 'watch-error',
      executionId: 'e3',
      error: { name: 'RunwatchError', message: 'boom' },
    });
    expect(all.filter((u) => u.snapshot.status === 'completed').map((u) => u.snapshot.executionId)).toEqual([
      'e1',
      'e4',
    ]);
  });

  it("errors: 'fail' is fail-fast", async () => {
    const merged = mergeExecutions([of(update('e1', 'running')), throwError(() => new Error('boom')), NEVER], {
      errors: 'fail',
    });
    await expect(lastValueFrom(merged)).rejects.toThrow('boom');
  });

  it('refuses an unknown errors mode with a ConfigError', () => {
    expect(() => mergeExecutions([], { errors: 'ignore' as never })).toThrow(ConfigError);
  });
});

describe('aggregateProgress', () => {
  it('with total, is done only when every execution ended or errored (concurrency 1 over 3)', async () => {
    const merged = mergeExecutions(
      [
        of(update('e1', 'completed')),
        throwError(() => new NotFoundError('gone', { executionId: 'e2' })),
        of(update('e3', 'running'), update('e3', 'failed')),
      ],
      { concurrency: 1 },
    );
    const figures = await lastValueFrom(merged.pipe(aggregateProgress({ total: 3 }), toArray()));
    expect(figures.map((f) => f.done)).toEqual([false, false, false, true]);
    expect(figures.at(-1)).toMatchObject({ total: 3, errored: 1, done: true });
    expect(figures.at(-1)!.byStatus).toMatchObject({ completed: 1, failed: 1, running: 0 });
  });

  it('counts each watch that failed before naming its execution as one errored execution', async () => {
    // A refused trigger, a user's source throwing a plain Error: the watch-error update has no id.
    const merged = mergeExecutions([
      throwError(() => new Error('boom')),
      throwError(() => new NotFoundError('no such workflow')),
      of(update('e3', 'completed')),
    ]);
    const figures = await lastValueFrom(merged.pipe(aggregateProgress({ total: 3 }), toArray()));
    expect(figures.at(-1)).toMatchObject({ total: 3, errored: 2, done: true });
    expect(figures.map((f) => f.errored)).toEqual([1, 2, 2]);
  });

  it('without total, counts what it has seen', async () => {
    const s = new Subject<ExecutionUpdate>();
    const figures: boolean[] = [];
    s.pipe(aggregateProgress()).subscribe((p) => figures.push(p.done));
    s.next(update('e1', 'completed'));
    expect(figures).toEqual([true]);
  });

  it('refuses a total that is not a whole number', () => {
    expect(() => aggregateProgress({ total: -1 })).toThrow(ConfigError);
    expect(() => aggregateProgress({ total: 1.5 })).toThrow(/total/);
  });
});
