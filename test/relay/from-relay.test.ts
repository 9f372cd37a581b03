// fromRelay over a fake EventSource the test drives: what it emits, when it completes, how it
// rebuilds errors, and what it does with an update after a reconnection.
import { firstValueFrom, lastValueFrom, of, toArray } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ConfigError,
  diff,
  fromRelay,
  isAuthenticationError,
  isHttpError,
  isNetworkError,
  isNotFoundError,
  isResponseValidationError,
  isRunwatchError,
  isTimeoutError,
  progress,
  stepChanges,
  untilTerminal,
  type EventSourceLike,
  type ExecutionSnapshot,
  type ExecutionStatus,
  type ExecutionUpdate,
  type RelayEvent,
  type StepStatus,
} from '../../src/index.js';

class FakeEventSource implements EventSourceLike {
  static made: FakeEventSource[] = [];
  readyState = 0;
  private readonly listeners = new Map<string, ((event: RelayEvent) => void)[]>();
  constructor(
    readonly url: string,
    readonly init?: { withCredentials?: boolean },
  ) {
    FakeEventSource.made.push(this);
  }
  addEventListener(type: string, listener: (event: RelayEvent) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  close(): void {
    this.readyState = 2;
  }
  emit(type: string, data?: unknown, code?: number): void {
    for (const listener of this.listeners.get(type) ?? []) listener({ type, data, code });
  }
  update(update: ExecutionUpdate): void {
    this.emit('update', JSON.stringify(update));
  }
}

afterEach(() => {
  FakeEventSource.made = [];
});

const snapshot = (status: ExecutionStatus, steps: StepStatus[]): ExecutionSnapshot => ({
  provider: 'eachlabs',
  executionId: 'e1',
  status,
  rawStatus: status,
  steps: steps.map((s, i) => ({ key: `s${i}`, name: `s${i}`, status: s, rawStatus: s })),
  raw: undefined,
});

/** The snapshot as the relay sends it by default: no `raw`. */
function withoutRaw(snapshot: ExecutionSnapshot): ExecutionSnapshot {
  const copy: Partial<ExecutionSnapshot> = { ...snapshot };
  delete copy.raw;
  return copy as ExecutionSnapshot;
}

/** A watch's updates for a run of snapshots, as a client would emit them (without `raw`). */
function updatesFor(snapshots: ExecutionSnapshot[]): ExecutionUpdate[] {
  const out: ExecutionUpdate[] = [];
  let previous: ExecutionSnapshot | undefined;
  for (const next of snapshots.map((s) => withoutRaw(s))) {
    out.push({ snapshot: next, previous, changes: diff(previous, next) });
    previous = next;
  }
  return out;
}

const RUN = updatesFor([
  snapshot('queued', ['pending', 'pending']),
  snapshot('running', ['running', 'pending']),
  snapshot('running', ['completed', 'running']),
  snapshot('completed', ['completed', 'completed']),
]);

const latest = (): FakeEventSource => FakeEventSource.made.at(-1)!;

describe('fromRelay', () => {
  it('opens the EventSource at subscription, not before, and closes it at unsubscription', () => {
    const updates = fromRelay('/relay/eachlabs/e1', { EventSource: FakeEventSource, withCredentials: true });
    expect(FakeEventSource.made).toHaveLength(0);
    const subscription = updates.subscribe();
    expect(latest().url).toBe('/relay/eachlabs/e1');
    expect(latest().init).toEqual({ withCredentials: true });
    expect(latest().readyState).toBe(0);
    subscription.unsubscribe();
    expect(latest().readyState).toBe(2);
    fromRelay(new URL('https://example.test/relay/eachlabs/e2'), { EventSource: FakeEventSource }).subscribe();
    expect(latest().url).toBe('https://example.test/relay/eachlabs/e2');
    expect(latest().init).toBeUndefined();
  });

  it('emits the updates as a watch does, and completes after the terminal one, closing the source', async () => {
    const all = lastValueFrom(fromRelay('/r', { EventSource: FakeEventSource }).pipe(toArray()));
    const source = latest();
    for (const update of RUN) source.update(update);
    expect(await all).toStrictEqual(RUN);
    expect(source.readyState).toBe(2);
  });

  it('works with the operators unchanged', async () => {
    const viaRelay = (pipeline: (o: ReturnType<typeof fromRelay>) => Promise<unknown>) => {
      const result = pipeline(fromRelay('/r', { EventSource: FakeEventSource }));
      for (const update of RUN) latest().update(update);
      return result;
    };
    for (const pipeline of [
      (o: ReturnType<typeof fromRelay>) => lastValueFrom(o.pipe(stepChanges(), toArray())),
      (o: ReturnType<typeof fromRelay>) => lastValueFrom(o.pipe(progress(), toArray())),
      (o: ReturnType<typeof fromRelay>) => lastValueFrom(o.pipe(untilTerminal(), toArray())),
    ]) {
      expect(await viaRelay(pipeline)).toStrictEqual(await pipeline(of(...RUN)));
    }
  });

  it('errors with the typed error of a watch-error event', async () => {
    const cases: [object, (e: unknown) => boolean, object][] = [
      [
        { name: 'NotFoundError', message: 'execution not found', status: 404, provider: 'datalab', executionId: '9' },
        isNotFoundError,
        { status: 404, provider: 'datalab', executionId: '9', retryable: false },
      ],
      [{ name: 'AuthenticationError', message: 'bad key', status: 401 }, isAuthenticationError, { status: 401 }],
      [{ name: 'HttpError', message: 'bad gateway', status: 502, retryable: true }, isHttpError, { retryable: true }],
      [{ name: 'TimeoutError', message: 'too long', phase: 'watch' }, isTimeoutError, { phase: 'watch' }],
      [{ name: 'TypeError', message: 'odd' }, isRunwatchError, { name: 'RunwatchError', message: 'odd' }],
    ];
    for (const [wire, guard, fields] of cases) {
      const result = firstValueFrom(fromRelay('/r', { EventSource: FakeEventSource })).catch((e: unknown) => e);
      latest().emit('watch-error', JSON.stringify(wire));
      const error = await result;
      expect(guard(error), JSON.stringify(wire)).toBe(true);
      expect(error).toMatchObject({ message: (wire as { message: string }).message, ...fields });
      expect(latest().readyState).toBe(2);
    }
  });

  it('waits while the EventSource reconnects, and errors once it gives up', async () => {
    const result = firstValueFrom(fromRelay('/r', { EventSource: FakeEventSource })).catch((e: unknown) => e);
    latest().emit('error'); // connecting again: nothing to report
    latest().update(RUN[0]!);
    expect(await result).toStrictEqual(RUN[0]);

    const refused = lastValueFrom(fromRelay('/r', { EventSource: FakeEventSource })).catch((e: unknown) => e);
    latest().readyState = 2;
    latest().emit('error');
    expect(isNetworkError(await refused)).toBe(true);

    const forbidden = lastValueFrom(fromRelay('/r', { EventSource: FakeEventSource })).catch((e: unknown) => e);
    latest().readyState = 2;
    latest().emit('error', undefined, 403);
    expect(await forbidden).toMatchObject({ name: 'AuthenticationError', status: 403 });
  });

  it('after a reconnection, diffs an update without `previous` against what it has: no repeats', async () => {
    const all = lastValueFrom(fromRelay('/r', { EventSource: FakeEventSource }).pipe(toArray()));
    const source = latest();
    source.update(RUN[0]!);
    source.update(RUN[1]!);
    // The relay lost the history: it sends the current state, from nothing.
    const stateOf = (u: ExecutionUpdate): ExecutionUpdate => ({
      snapshot: u.snapshot,
      previous: undefined,
      changes: diff(undefined, u.snapshot),
    });
    source.update(stateOf(RUN[1]!)); // nothing new: nothing emitted
    source.update(stateOf(RUN[2]!));
    source.update(RUN[3]!);
    expect(await all).toStrictEqual(RUN);
  });

  it('errors with a ResponseValidationError on an update that is not one', async () => {
    for (const data of ['not json', '{"snapshot":{}}', '{"snapshot":null,"changes":[]}', undefined]) {
      const result = firstValueFrom(fromRelay('/r', { EventSource: FakeEventSource })).catch((e: unknown) => e);
      latest().emit('update', data);
      expect(isResponseValidationError(await result), String(data)).toBe(true);
    }
  });

  it('errors with a ResponseValidationError on a change or a step that is not one, resumed or not', async () => {
    const good = snapshot('running', ['running']);
    const bad = [
      { snapshot: good, changes: [null] },
      { snapshot: good, changes: [{ type: 'step-added', executionId: 'e1', step: null }] },
      { snapshot: { ...good, steps: [null] }, changes: [] },
      { snapshot: good, previous: { ...good, steps: [{ key: 1 }] }, changes: [] },
    ];
    for (const update of bad) {
      for (const resumed of [false, true]) {
        const all = lastValueFrom(fromRelay('/r', { EventSource: FakeEventSource }).pipe(toArray())).catch(
          (e: unknown) => e,
        );
        if (resumed) latest().update({ snapshot: good, previous: undefined, changes: diff(undefined, good) });
        latest().emit('update', JSON.stringify(update));
        expect(isResponseValidationError(await all), JSON.stringify(update)).toBe(true);
      }
    }
  });

  it('emits no update without changes (DESIGN §2), and still completes on a terminal one', async () => {
    const running = snapshot('running', ['running']);
    const done = snapshot('completed', ['completed']);
    const all = lastValueFrom(fromRelay('/r', { EventSource: FakeEventSource }).pipe(toArray()));
    latest().update({ snapshot: running, previous: undefined, changes: diff(undefined, running) });
    latest().update({ snapshot: running, previous: running, changes: [] }); // no news
    latest().update({ snapshot: running, previous: undefined, changes: diff(undefined, running) }); // none either
    latest().update({ snapshot: done, previous: running, changes: diff(running, done) });
    const updates = await all;
    expect(updates.map((u) => u.snapshot.status)).toEqual(['running', 'completed']);
    expect(latest().readyState).toBe(2);
  });

  it('after a reconnection from a lost history, neither repeats a step it has nor misses one it lacks', async () => {
    const step = (key: string, status: StepStatus) => ({ key, name: key, status, rawStatus: status });
    const at = (status: ExecutionStatus, steps: ReturnType<typeof step>[], out?: number): ExecutionSnapshot => ({
      provider: 'eachlabs',
      executionId: 'e1',
      status,
      rawStatus: status,
      steps,
      raw: undefined,
      ...(out === undefined ? {} : { output: { out } }),
    });
    const changesOf = (updates: ExecutionUpdate[]) =>
      updates.flatMap((u) => u.changes.map((c) => ('step' in c ? `${c.type} ${c.step.key}` : c.type)));

    // A step it has, left out of the body it got last, is not added again by the current state.
    const a0 = at('queued', [step('b', 'pending')]);
    const a1 = at('queued', [], 1);
    const a2 = at('queued', [step('b', 'pending')], 2);
    const first = lastValueFrom(fromRelay('/r', { EventSource: FakeEventSource }).pipe(toArray()));
    latest().update({ snapshot: a0, previous: undefined, changes: diff(undefined, a0) });
    latest().update({ snapshot: a1, previous: a0, changes: diff(a0, a1) });
    latest().update({ snapshot: a2, previous: undefined, changes: diff(undefined, a2) }); // the current state
    const done = at('completed', [step('b', 'completed')], 2);
    latest().update({ snapshot: done, previous: a2, changes: diff(a2, done) });
    expect(changesOf(await first).filter((c) => c === 'step-added b')).toHaveLength(1);

    // A step it never had is announced, though the relay's next update is relative to a state that had it.
    const b0 = at('queued', []);
    const b1 = at('queued', [step('b', 'pending')]); // missed
    const b2 = at('queued', [], 1); // the current state sent after the reconnection: b left out
    const b3 = at('running', [step('b', 'pending')], 1);
    const b4 = at('completed', [step('b', 'completed')], 1);
    const second = lastValueFrom(fromRelay('/r', { EventSource: FakeEventSource }).pipe(toArray()));
    latest().update({ snapshot: b0, previous: undefined, changes: diff(undefined, b0) });
    latest().update({ snapshot: b2, previous: undefined, changes: diff(undefined, b2) });
    latest().update({ snapshot: b3, previous: b1, changes: diff(b1, b3) }); // b1: the relay's state
    latest().update({ snapshot: b4, previous: b3, changes: diff(b3, b4) });
    expect(changesOf(await second)).toContain('step-added b');
  });

  it('refuses, at once, a runtime without EventSource and invalid options', () => {
    expect(globalThis.EventSource).toBeUndefined(); // Node 20
    expect(() => fromRelay('/r')).toThrow(ConfigError);
    expect(() => fromRelay('/r')).toThrow(/eventsource/);
    expect(() => fromRelay(42 as never, { EventSource: FakeEventSource })).toThrow(/Expected `url`/);
    expect(() => fromRelay('/r', { EventSource: FakeEventSource, withCredentials: 'yes' as never })).toThrow(
      /withCredentials/,
    );
    expect(() => fromRelay('/r', { EventSource: FakeEventSource, retry: 1 } as never)).toThrow(/Unknown option/);
  });

  it('errors with a ConfigError when the EventSource refuses the URL', async () => {
    class Strict extends FakeEventSource {
      constructor(url: string) {
        super(url);
        throw new SyntaxError(`Invalid URL: ${url}`);
      }
    }
    const error = await firstValueFrom(fromRelay('::', { EventSource: Strict })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('Invalid URL');
  });
});
