import { defer, Observable, of, Subject } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ConfigError,
  ExecutionFailedError,
  RunwatchError,
  aggregateProgress,
  diff,
  mergeExecutions,
  progress,
  statusChanges,
  stepChanges,
  throwOnFailure,
  untilTerminal,
  waitForTerminal,
  type ExecutionSnapshot,
  type ExecutionUpdate,
} from '../../src/index.js';
import { snap, step } from '../helpers/snapshots.js';

const testScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

function update(previous: ExecutionSnapshot | undefined, snapshot: ExecutionSnapshot): ExecutionUpdate {
  return { snapshot, previous, changes: diff(previous, snapshot) };
}

const r = snap('running', [step('a', 'running'), step('b', 'pending')]);
const c = snap('completed', [step('a', 'completed'), step('b', 'completed')]);
const f = snap('failed', [step('a', 'failed'), step('b', 'pending')], { error: { message: 'boom' } });

describe('untilTerminal', () => {
  it('completes after the first terminal update, inclusive', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a-b-c-a-|', { a: r, b: r, c });
      const subs = '       ^---!';
      expectObservable(source.pipe(untilTerminal())).toBe('a-b-(c|)', { a: r, b: r, c });
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('works on updates as on snapshots', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const u1 = update(undefined, r);
      const u2 = update(r, f);
      expectObservable(cold('x-y-x', { x: u1, y: u2 }).pipe(untilTerminal())).toBe('x-(y|)', { x: u1, y: u2 });
    });
  });
});

describe('stepChanges', () => {
  it('flattens updates into step changes, in order', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const u1 = update(undefined, r);
      const u2 = update(r, c);
      const [a1, b1] = u1.changes;
      const [a2, b2] = u2.changes;
      expectObservable(cold('x---y---|', { x: u1, y: u2 }).pipe(stepChanges())).toBe('(ab)(cd)|', {
        a: a1,
        b: b1,
        c: a2,
        d: b2,
      });
    });
  });

  it('diffs bare snapshots itself, per subscription', () => {
    const seen: string[] = [];
    const source = of(r, r, c);
    source.pipe(stepChanges()).subscribe((ch) => seen.push(`${ch.type}:${ch.step.key}`));
    source.pipe(stepChanges()).subscribe((ch) => seen.push(`${ch.type}:${ch.step.key}`));
    const once = ['step-added:a', 'step-added:b', 'step-status:a', 'step-status:b'];
    expect(seen).toEqual([...once, ...once]);
  });
});

describe('statusChanges', () => {
  it('keeps only execution-status changes, the first from undefined', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('a-a-b|', { a: r, b: f }).pipe(statusChanges())).toBe('a---b|', {
        a: { type: 'execution-status', executionId: 'e1', from: undefined, to: 'running' },
        b: { type: 'execution-status', executionId: 'e1', from: 'running', to: 'failed' },
      });
    });
  });
});

describe('throwOnFailure', () => {
  it('errors with ExecutionFailedError carrying the snapshot on failed or cancelled', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('a-b-|', { a: r, b: f }).pipe(throwOnFailure())).toBe(
        'a-#',
        { a: r },
        new ExecutionFailedError(f),
      );
    });
    let error: unknown;
    of(snap('cancelled'))
      .pipe(throwOnFailure())
      .subscribe({ error: (e) => (error = e) });
    expect(error).toBeInstanceOf(ExecutionFailedError);
    expect((error as ExecutionFailedError).snapshot.status).toBe('cancelled');
  });

  it('passes a completed execution through', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('a-c|', { a: r, c }).pipe(throwOnFailure())).toBe('a-c|', { a: r, c });
    });
  });
});

describe('progress', () => {
  it('counts finished and failed steps and reaches 1 at a terminal status', () => {
    const values: unknown[] = [];
    of(update(undefined, r), update(r, snap('running', [step('a', 'completed'), step('b', 'running')])), update(r, f))
      .pipe(progress())
      .subscribe((p) => values.push(p));
    expect(values).toEqual([
      { executionId: 'e1', status: 'running', total: 2, done: 0, failed: 0, ratio: 0 },
      { executionId: 'e1', status: 'running', total: 2, done: 1, failed: 0, ratio: 0.5 },
      { executionId: 'e1', status: 'failed', total: 2, done: 1, failed: 1, ratio: 1 },
    ]);
  });
});

describe('mergeExecutions and aggregateProgress', () => {
  const of2 = (id: string, s: ExecutionSnapshot) => ({ ...s, executionId: id });

  it('runs at most `concurrency` watches at once and counts statuses across them', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const x = cold('a-----b|', { a: update(undefined, of2('x', r)), b: update(of2('x', r), of2('x', c)) });
      const y = cold('a---------b|', { a: update(undefined, of2('y', r)), b: update(of2('y', r), of2('y', f)) });
      const z = cold('a|', { a: update(undefined, of2('z', c)) });
      const merged = mergeExecutions([x, y, z], { concurrency: 2 }).pipe(aggregateProgress());
      const counts = (
        queued: number,
        running: number,
        completed: number,
        failed: number,
        done: boolean,
        total: number,
      ) => ({
        total,
        done,
        errored: 0,
        byStatus: { queued, running, completed, failed, cancelled: 0, unknown: 0 },
      });
      expectObservable(merged).toBe('(ab)--cd--e|', {
        a: counts(0, 1, 0, 0, false, 1),
        b: counts(0, 2, 0, 0, false, 2),
        c: counts(0, 1, 1, 0, false, 2),
        d: counts(0, 1, 2, 0, false, 3),
        e: counts(0, 0, 2, 1, true, 3),
      });
      expectSubscriptions(z.subscriptions).toBe('-------^!');
    });
  });

  it('keeps separate counts per subscription', () => {
    // A cold source that starts a new execution per subscription, as runAndWatch does.
    let runs = 0;
    const counted = defer(() => {
      const id = `run-${++runs}`;
      return of(update(undefined, of2(id, r)), update(of2(id, r), of2(id, c)));
    }).pipe(aggregateProgress());
    const totals = (): number[] => {
      const seen: number[] = [];
      counted.subscribe((p) => seen.push(p.total, p.byStatus.completed));
      return seen;
    };
    expect(totals()).toEqual([1, 0, 1, 1]);
    expect(totals()).toEqual([1, 0, 1, 1]);
  });

  it('accepts an observable of watches and rejects a bad concurrency', () => {
    const values: string[] = [];
    mergeExecutions(of(of(update(undefined, r)))).subscribe((u) => values.push(u.snapshot.status));
    expect(values).toEqual(['running']);
    expect(() => mergeExecutions([], { concurrency: 0 })).toThrow(ConfigError);
  });
});

describe('waitForTerminal', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('resolves with the completed snapshot', async () => {
    await expect(waitForTerminal(of(update(undefined, r), update(r, c)))).resolves.toBe(c);
  });

  it('rejects with ExecutionFailedError on failure', async () => {
    await expect(waitForTerminal(of(update(undefined, f)))).rejects.toBeInstanceOf(ExecutionFailedError);
  });

  it('rejects when the stream ends before a terminal status, and with the stream error', async () => {
    await expect(waitForTerminal(of(update(undefined, r)))).rejects.toBeInstanceOf(RunwatchError);
    const boom = new Error('boom');
    await expect(waitForTerminal(new Observable<ExecutionUpdate>((s) => s.error(boom)))).rejects.toBe(boom);
  });

  it('rejects with the reason and unsubscribes when aborted', async () => {
    const subject = new Subject<ExecutionUpdate>();
    const controller = new AbortController();
    const pending = waitForTerminal(subject, { signal: controller.signal });
    expect(subject.observed).toBe(true);
    const reason = new Error('stop');
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    expect(subject.observed).toBe(false);
  });
});
