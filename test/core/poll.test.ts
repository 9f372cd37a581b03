import { BehaviorSubject, Subject, VirtualTimeScheduler } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  AuthenticationError,
  ConfigError,
  HttpError,
  NetworkError,
  NotFoundError,
  RateLimitError,
  TimeoutError,
  watchExecution,
  type ExecutionSnapshot,
  type ExecutionUpdate,
} from '../../src/index.js';
import { snap, step } from '../helpers/snapshots.js';

/** A scripted source: each call takes the next item, a snapshot or an error to throw. */
function scripted(items: (ExecutionSnapshot | Error)[]) {
  const calls: { at: number; signal: AbortSignal }[] = [];
  let i = 0;
  const source = {
    id: 'e1',
    fetchSnapshot: vi.fn(async (signal: AbortSignal) => {
      calls.push({ at: Date.now(), signal });
      const item = items[Math.min(i++, items.length - 1)]!;
      if (item instanceof Error) throw item;
      return item;
    }),
  };
  return { source, calls };
}

function collect<T>(observable: { subscribe: (o: object) => { unsubscribe(): void } }) {
  const values: T[] = [];
  const state: { error?: unknown; completed: boolean } = { completed: false };
  const subscription = observable.subscribe({
    next: (v: T) => values.push(v),
    error: (e: unknown) => (state.error = e),
    complete: () => (state.completed = true),
  });
  return { values, state, subscription };
}

const none = { jitter: 'none' as const };

describe('watchExecution', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('fetches nothing before subscription and once at subscription', async () => {
    const { source } = scripted([snap('running')]);
    const watch = watchExecution(source, { backoff: none });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(source.fetchSnapshot).not.toHaveBeenCalled();
    const { subscription } = collect(watch);
    expect(source.fetchSnapshot).toHaveBeenCalledTimes(1);
    subscription.unsubscribe();
  });

  it('gives two subscribers two independent polls, each with the whole story', async () => {
    const { source } = scripted([snap('running')]);
    const watch = watchExecution(source, { backoff: none });
    const a = collect<ExecutionUpdate>(watch);
    const b = collect<ExecutionUpdate>(watch);
    await vi.advanceTimersByTimeAsync(0);
    expect(source.fetchSnapshot).toHaveBeenCalledTimes(2);
    expect(a.values).toHaveLength(1);
    expect(b.values).toHaveLength(1);
    expect(a.values[0]!.changes[0]).toMatchObject({ type: 'execution-status', from: undefined });
    a.subscription.unsubscribe();
    b.subscription.unsubscribe();
  });

  it('spaces quiet polls by the policy and resets the delay on change', async () => {
    const items = [
      snap('running'),
      snap('running'),
      snap('running'),
      snap('running', [step('a', 'running')]),
      snap('running', [step('a', 'running')]),
      snap('completed', [step('a', 'completed')]),
    ];
    const { source, calls } = scripted(items);
    const { values, state } = collect<ExecutionUpdate>(
      watchExecution(source, { backoff: { initialDelayMs: 100, multiplier: 2, maxDelayMs: 10_000, jitter: 'none' } }),
    );
    await vi.advanceTimersByTimeAsync(60_000);
    // change at t0 → 100; quiet → 200; quiet → 400; change → 100; quiet → 200
    expect(calls.map((c) => c.at)).toEqual([0, 100, 300, 700, 800, 1000]);
    expect(values.map((u) => u.snapshot.status)).toEqual(['running', 'running', 'completed']);
    expect(state.completed).toBe(true);
  });

  it('keeps growing the delay on change when resetOnChange is off', async () => {
    const { source, calls } = scripted([snap('running'), snap('running', [step('a', 'running')]), snap('completed')]);
    collect(
      watchExecution(source, { backoff: { initialDelayMs: 100, multiplier: 2, jitter: 'none', resetOnChange: false } }),
    );
    await vi.advanceTimersByTimeAsync(10_000);
    expect(calls.map((c) => c.at)).toEqual([0, 200, 600]);
  });

  it.each([
    ['none', (): number => 0.3, [0, 100, 300]],
    ['equal', (): number => 0.5, [0, 75, 225]],
    ['full', (): number => 0.5, [0, 50, 150]],
  ] as const)('applies %s jitter from the injected random source', async (jitter, random, expected) => {
    const { source, calls } = scripted([snap('running'), snap('running'), snap('completed')]);
    collect(watchExecution(source, { backoff: { initialDelayMs: 100, multiplier: 2, jitter }, random }));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(calls.map((c) => c.at)).toEqual(expected);
  });

  it('retries transient failures silently and loses no change', async () => {
    const { source, calls } = scripted([
      snap('running', [step('a', 'running')]),
      new NetworkError('reset'),
      new HttpError('bad gateway', { status: 502 }),
      new TimeoutError('slow', { phase: 'request' }),
      snap('completed', [step('a', 'completed')]),
    ]);
    const { values, state } = collect<ExecutionUpdate>(
      watchExecution(source, { backoff: { initialDelayMs: 100, multiplier: 2, jitter: 'none' } }),
    );
    await vi.advanceTimersByTimeAsync(60_000);
    expect(state.error).toBeUndefined();
    expect(values).toHaveLength(2);
    // the good poll after the failures is diffed against the last good snapshot
    expect(values[1]!.previous?.status).toBe('running');
    expect(values[1]!.changes.map((c) => c.type)).toEqual(['step-status', 'execution-status']);
    // failure delays grow with failures in a row: 200, 400, 800
    expect(calls.map((c) => c.at)).toEqual([0, 100, 300, 700, 1500]);
    expect(state.completed).toBe(true);
  });

  it('errors with the last error once maxRetries failures in a row are used up', async () => {
    const boom = new HttpError('unavailable', { status: 503 });
    const { source } = scripted([snap('running'), boom]);
    const { state } = collect(
      watchExecution(source, { backoff: { initialDelayMs: 10, jitter: 'none', maxRetries: 3 } }),
    );
    await vi.advanceTimersByTimeAsync(60_000);
    expect(state.error).toBe(boom);
    expect(source.fetchSnapshot).toHaveBeenCalledTimes(1 + 4);
  });

  it.each([
    ['401', new AuthenticationError('Invalid or missing API key', { status: 401 })],
    ['404', new NotFoundError('execution not found', { status: 404 })],
    ['400', new HttpError('bad request', { status: 400 })],
    ['a plain Error', new Error('bug in a custom source')],
  ])('fails at once on %s', async (_name, error) => {
    const { source } = scripted([error]);
    const { state, values } = collect(watchExecution(source));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(state.error).toBe(error);
    expect(values).toEqual([]);
    expect(source.fetchSnapshot).toHaveBeenCalledTimes(1);
  });

  it('waits at least as long as a server hint longer than its own delay', async () => {
    const { source, calls } = scripted([
      snap('running'),
      new RateLimitError('slow down', { retryAfterMs: 30_000 }),
      snap('completed'),
    ]);
    collect(watchExecution(source, { backoff: { initialDelayMs: 100, jitter: 'none' } }));
    await vi.advanceTimersByTimeAsync(120_000);
    expect(calls.map((c) => c.at)).toEqual([0, 100, 30_100]);
  });

  it('clamps an absurd hint instead of overflowing the timer into a hot loop', async () => {
    const years = 10 * 365 * 24 * 3600 * 1000;
    const { source, calls } = scripted([
      new RateLimitError('come back in a decade', { retryAfterMs: years }),
      snap('completed'),
    ]);
    collect(watchExecution(source, { backoff: { initialDelayMs: 100, jitter: 'none' } }));
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(calls).toHaveLength(1); // no hot loop
    await vi.advanceTimersByTimeAsync(60 * 60_000);
    expect(calls.map((c) => c.at)).toEqual([0, 3_600_000]);
  });

  it('aborts the request in flight on unsubscribe and sends no other', async () => {
    let seen: AbortSignal | undefined;
    const source = {
      id: 'e1',
      fetchSnapshot: vi.fn((signal: AbortSignal) => {
        seen = signal;
        return new Promise<ExecutionSnapshot>(() => {});
      }),
    };
    const { subscription, values, state } = collect(watchExecution(source));
    expect(seen?.aborted).toBe(false);
    subscription.unsubscribe();
    expect(seen?.aborted).toBe(true);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(source.fetchSnapshot).toHaveBeenCalledTimes(1);
    expect(values).toEqual([]);
    expect(state.error).toBeUndefined();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('leaves no timer behind when unsubscribed between polls', async () => {
    const { source } = scripted([snap('running')]);
    const { subscription } = collect(watchExecution(source, { maxWaitMs: 60_000 }));
    await vi.advanceTimersByTimeAsync(0);
    expect(vi.getTimerCount()).toBeGreaterThan(0);
    subscription.unsubscribe();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(source.fetchSnapshot).toHaveBeenCalledTimes(1);
  });

  it('errors with a TimeoutError after maxWaitMs without a terminal status, aborting the request', async () => {
    const signals: AbortSignal[] = [];
    const source = {
      id: 'e1',
      fetchSnapshot: vi.fn(async (signal: AbortSignal) => {
        signals.push(signal);
        if (signals.length > 3) return new Promise<ExecutionSnapshot>(() => {});
        return snap('running');
      }),
    };
    const { state } = collect(
      watchExecution(source, { maxWaitMs: 5_000, backoff: { initialDelayMs: 1_000, jitter: 'none', multiplier: 1 } }),
    );
    await vi.advanceTimersByTimeAsync(4_999);
    expect(state.error).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(state.error).toBeInstanceOf(TimeoutError);
    expect((state.error as TimeoutError).phase).toBe('watch');
    expect(signals.at(-1)?.aborted).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('resumes from `since` without repeating handled changes', async () => {
    const since = snap('running', [step('a', 'completed'), step('b', 'running')]);
    const { source } = scripted([
      snap('running', [step('a', 'completed'), step('b', 'running')]),
      snap('completed', [step('a', 'completed'), step('b', 'completed')]),
    ]);
    const { values, state } = collect<ExecutionUpdate>(watchExecution(source, { since, backoff: none }));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(values).toHaveLength(1);
    expect(values[0]!.previous).toEqual(since);
    expect(values[0]!.changes.map((c) => c.type)).toEqual(['step-status', 'execution-status']);
    expect(state.completed).toBe(true);
  });

  it('treats an unknown status as non-terminal and keeps polling', async () => {
    const odd = snap('unknown', [], { rawStatus: 'PAUSED_FOR_REVIEW' });
    const { source } = scripted([odd, odd, snap('completed')]);
    const { values, state } = collect<ExecutionUpdate>(watchExecution(source, { backoff: none }));
    await vi.advanceTimersByTimeAsync(0);
    expect(values[0]!.snapshot.rawStatus).toBe('PAUSED_FOR_REVIEW');
    expect(state.completed).toBe(false);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(state.completed).toBe(true);
    expect(source.fetchSnapshot).toHaveBeenCalledTimes(3);
  });

  it('emits the terminal update last and completes', async () => {
    const { source } = scripted([snap('failed', [step('a', 'failed')], { error: { message: 'boom' } })]);
    const { values, state } = collect<ExecutionUpdate>(watchExecution(source));
    await vi.advanceTimersByTimeAsync(0);
    expect(values).toHaveLength(1);
    expect(values[0]!.changes.at(-1)).toMatchObject({ type: 'execution-status', to: 'failed' });
    expect(state.completed).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rounds a delay of a second or more up to 10 ms, so that jittered timers share a few timer lists', async () => {
    const { source, calls } = scripted([snap('running')]);
    // Equal jitter with random 0.3: 1.5 s × 0.5 + 1.5 s × 0.5 × 0.3 = 975 ms (under a second: exact),
    // then 1.5 × 1.5 s drawn the same way = 1,462.5 ms (rounded up to 1,470).
    const backoff = { initialDelayMs: 1_500, multiplier: 1.5, maxDelayMs: 60_000, jitter: 'equal' as const };
    const { subscription } = collect(watchExecution(source, { backoff, random: () => 0.3 }));
    await vi.advanceTimersByTimeAsync(975 + 1_470 + 10);
    expect(calls.map((c) => c.at)).toEqual([0, 975, 975 + 1_470]);
    subscription.unsubscribe();
  });

  it('throws ConfigError at creation for invalid options', () => {
    const { source } = scripted([snap('running')]);
    expect(() => watchExecution(source, { maxWaitMs: -1 })).toThrow(ConfigError);
    expect(() => watchExecution(source, { maxWaitMs: Number.NaN })).toThrow(/maxWaitMs/);
    expect(() => watchExecution(source, { backoff: { initialDelayMs: 0 } })).toThrow(/backoff.initialDelayMs.*got 0/);
    expect(() => watchExecution({ id: 'x' } as never)).toThrow(/fetchSnapshot/);
    expect(source.fetchSnapshot).not.toHaveBeenCalled();
  });
});

describe('watchExecution in virtual time', () => {
  it('takes every delay and now() from the scheduler option', async () => {
    const scheduler = new VirtualTimeScheduler();
    const times: number[] = [];
    let n = 0;
    const source = {
      id: 'e1',
      fetchSnapshot: async () => {
        times.push(scheduler.now());
        return ++n < 4 ? snap('running') : snap('completed');
      },
    };
    const { state } = collect(
      watchExecution(source, { scheduler, backoff: { initialDelayMs: 1_000, multiplier: 3, jitter: 'none' } }),
    );
    for (let i = 0; i < 10 && !state.completed; i++) {
      await Promise.resolve();
      await Promise.resolve();
      scheduler.flush();
    }
    expect(state.completed).toBe(true);
    expect(times).toEqual([0, 1_000, 4_000, 13_000]);
  });
});

describe('one poll chain per watch, whatever a wake source does', () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  /** A source whose answers take 100 ms: running until `doneAt`. */
  function slow(doneAt = Number.POSITIVE_INFINITY) {
    const calls: { at: number; signal: AbortSignal }[] = [];
    const source = {
      id: 'e1',
      fetchSnapshot: (signal: AbortSignal): Promise<ExecutionSnapshot> => {
        calls.push({ at: Date.now(), signal });
        const status = Date.now() >= doneAt ? 'completed' : 'running';
        return new Promise((resolve) => setTimeout(() => resolve(snap(status, [step('a', 'running')])), 100));
      },
    };
    return { source, calls };
  }

  it('takes a wake emitted on subscription (a BehaviorSubject) as answered by the first poll', async () => {
    const { source, calls } = slow();
    const subscription = watchExecution(source, { wake: new BehaviorSubject<void>(undefined) }).subscribe();
    await vi.advanceTimersByTimeAsync(50);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(600_000 - 50); // the one-minute safety net: ~11 polls in 10 min
    expect(calls.length).toBeLessThanOrEqual(11);
    const made = calls.length;
    subscription.unsubscribe();
    expect(calls.every((c) => c.signal.aborted || c.at < 600_000 - 100)).toBe(true);
    await vi.advanceTimersByTimeAsync(600_000);
    expect(calls).toHaveLength(made); // nothing after unsubscribe
  });

  it('starts no second chain when a subscriber wakes the watch from inside its next handler', async () => {
    const { source, calls } = slow();
    const wake = new Subject<void>();
    let woke = false;
    const subscription = watchExecution(source, { wake }).subscribe(() => {
      if (!woke) {
        woke = true;
        wake.next(); // "check again now", on the first update
      }
    });
    await vi.advanceTimersByTimeAsync(600_000);
    expect(calls.length).toBeLessThanOrEqual(12); // the first, the woken one, ~10 safety-net polls
    const made = calls.length;
    subscription.unsubscribe();
    await vi.advanceTimersByTimeAsync(600_000);
    expect(calls).toHaveLength(made);
  });

  it('waits a maxDelayMs of 2^31 - 1 ms, the longest a timer can, instead of overflowing to 1 ms', async () => {
    const { source, calls } = slow();
    const max = 2 ** 31 - 1;
    const subscription = watchExecution(source, {
      backoff: { initialDelayMs: max, maxDelayMs: max, jitter: 'none' },
    }).subscribe();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls).toHaveLength(1);
    subscription.unsubscribe();
  });
});
