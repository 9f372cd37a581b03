import { Observable, Subject, type SchedulerLike, type Subscriber, type Subscription, type Unsubscribable } from 'rxjs';
import { baseline, changesFor } from './diff.js';
import type { ExecutionSnapshot, ExecutionUpdate, StepStatus } from './model.js';
import { FINISHED_STEP_STATUSES } from '../internal/execution.js';
import type { Sink } from './loop.js';
import { watchTimeout } from './poll.js';

// A process may hold ten thousand watches: each is a handful of small objects here (a shared
// poll, a viewer), never closures, whose contexts would keep the caller's whole scope alive.

/** What one subscription of a shared watch brings of its own. */
export interface ViewerConfig<S> {
  /** Changes are relative to it; the first update is the current state if the poll already has one. */
  since: S | undefined;
  maxWaitMs: number | undefined;
  scheduler: SchedulerLike;
  /** Names the execution in a watch `TimeoutError`. */
  id: string;
  provider?: string | undefined;
  /** This subscription's wake hints: each polls the shared poll now. */
  wake?: Observable<unknown> | undefined;
}

/** The shared polls of one group (watches whose options and transform agree), by key. */
class Group<S extends ExecutionSnapshot> extends Map<string, Shared<S>> {
  constructor(
    readonly name: string,
    readonly groups: Map<string, Group<S>>,
    /** The hub's: what every error a viewer gets goes through. */
    readonly redact: (error: unknown) => unknown,
  ) {
    super();
  }

  /** Forgets `shared`, if it is still this key's poll, and this group once it is empty. */
  drop(key: string, shared: Shared<S>): boolean {
    if (this.get(key) !== shared) return false;
    this.delete(key);
    if (this.size === 0 && this.groups.get(this.name) === this) this.groups.delete(this.name);
    return true;
  }
}

/** One subscription of a shared poll: what it has seen, and its own teardown. */
class Viewer<S extends ExecutionSnapshot> implements Unsubscribable {
  /** Its place in its shared poll's viewers. */
  index = -1;
  shared: Shared<S> | undefined;
  woken: Subscription | undefined;
  deadline: Subscription | undefined;

  constructor(
    readonly subscriber: Subscriber<ExecutionUpdate<S>>,
    /** The last snapshot this viewer's updates were relative to. */
    public seen: S | undefined,
  ) {}

  unsubscribe(): void {
    this.woken?.unsubscribe();
    this.deadline?.unsubscribe();
    this.shared?.leave(this);
  }

  /** Polls the shared poll now (this viewer's wake hint). */
  wake(): void {
    this.shared?.wake();
  }
}

/**
 * One shared poll and its viewers. It observes the poll itself (no closures per execution):
 * every update goes to every viewer, and the poll's end ends every viewer. The viewers are an
 * array, each knowing its index (one viewer is the common case, and a Set costs some 150 B).
 */
class Shared<S extends ExecutionSnapshot> implements Sink<ExecutionUpdate<S>> {
  /** What the poll knows: its newest snapshot, with what bodies left out kept (the baseline). */
  latest: S | undefined;
  readonly viewers: Viewer<S>[];
  poll: Unsubscribable | undefined;
  /** Every viewer's wake hints, merged; made only for a poll opened with wakes. */
  private wakes: Subject<void> | undefined;

  constructor(
    private readonly group: Group<S>,
    private readonly key: string,
    first: Viewer<S>,
  ) {
    // Made with its first viewer: an array grown from empty by a push reserves 17 slots.
    this.viewers = [first];
    first.shared = this;
    first.index = 0;
  }

  join(viewer: Viewer<S>): void {
    viewer.shared = this;
    viewer.index = this.viewers.push(viewer) - 1;
  }

  leave(viewer: Viewer<S>): void {
    const { viewers } = this;
    if (viewers[viewer.index] !== viewer) return;
    const last = viewers.pop()!;
    if (last !== viewer) {
      viewers[viewer.index] = last;
      last.index = viewer.index;
    }
    viewer.index = -1;
    if (viewers.length === 0 && this.group.drop(this.key, this)) this.poll?.unsubscribe();
  }

  /** The wake hints the poll listens to. */
  wakeHints(): Observable<void> {
    return (this.wakes ??= new Subject<void>()).asObservable();
  }

  wake(): void {
    this.wakes?.next();
  }

  next(update: ExecutionUpdate<S>): void {
    // What the poll knows, with what a body left out (DESIGN §2): a late viewer's catch-up.
    this.latest = baseline(this.latest, update.snapshot);
    for (const v of [...this.viewers]) deliver(v, update.snapshot, update);
  }

  error(error: unknown): void {
    const scrubbed = this.group.redact(error);
    this.end((v) => v.subscriber.error(scrubbed));
  }

  complete(): void {
    this.end((v) => v.subscriber.complete());
  }

  private end(notify: (v: Viewer<S>) => void): void {
    this.group.drop(this.key, this);
    const viewers = this.viewers.splice(0);
    for (const v of viewers) v.index = -1;
    for (const v of viewers) notify(v);
  }
}

/**
 * The sharing half of a client: one poll per execution for every subscription that watches it.
 * A subscription that arrives late first gets one update describing the current state
 * relative to its own `since` (or to nothing), then every shared update, re-diffed for it when
 * its story differs from the poll's. When the last subscription leaves, the poll stops and
 * its request is aborted; a poll that ends (terminal, or an error) ends every subscription.
 */
export class Hub {
  private readonly groups = new Map<string, Group<ExecutionSnapshot>>();

  /**
   * @param redact - what every error a viewer gets goes through, whatever its source (the
   *   poll, a time limit, a throw while subscribing): a client's key scrubbing, so that a
   *   client needs no layer of its own around each watch.
   */
  constructor(private readonly redact: (error: unknown) => unknown = (error) => error) {}

  /** How many executions are being polled now. */
  get size(): number {
    let size = 0;
    for (const group of this.groups.values()) size += group.size;
    return size;
  }

  /**
   * One subscription's view of the shared poll `key` of `group`.
   *
   * @param group - what the polls of a group agree on (options, transform): one string for
   *   many executions, so that each holds only its own short `key`.
   * @param key - names the poll within its group: equal keys share one.
   * @param open - starts the poll into `sink` (no subscriber between: one fewer per
   *   execution): updates relative to the poll's own previous snapshot, polling now on each
   *   emission of `wakes()` (every subscription's wake hints).
   * @param viewer - this subscription's own options.
   */
  watch<S extends ExecutionSnapshot>(
    group: string,
    key: string,
    open: (wakes: () => Observable<void>, sink: Sink<ExecutionUpdate<S>>) => Unsubscribable,
    viewer: ViewerConfig<S>,
  ): Observable<ExecutionUpdate<S>> {
    return new Observable<ExecutionUpdate<S>>((subscriber) => {
      const { redact } = this;
      const groups = this.groups as unknown as Map<string, Group<S>>;
      const me = new Viewer<S>(subscriber, viewer.since);
      try {
        let polls = groups.get(group);
        if (polls === undefined) groups.set(group, (polls = new Group<S>(group, groups, redact)));
        const entry = polls.get(key);
        // The catch-up: unless the poll's latest is older than the viewer's `since` (persisted
        // elsewhere, later): then the next poll brings it what is new, and nothing goes back.
        const latest = entry?.latest;
        if (latest !== undefined && (viewer.since === undefined || !olderThan(latest, viewer.since)))
          deliver(me, latest, undefined);
        me.deadline = timeLimit(viewer, subscriber, redact);
        if (entry === undefined) {
          const created = new Shared<S>(polls, key, me);
          polls.set(key, created);
          created.poll = open(() => created.wakeHints(), created);
        } else {
          entry.join(me);
        }
        if (viewer.wake !== undefined && !subscriber.closed) me.woken = viewer.wake.subscribe(() => me.wake());
      } catch (error) {
        subscriber.error(redact(error));
      }
      return me;
    });
  }
}

/** Gives `viewer` the update that takes it from what it has seen to `snapshot`, if any. */
function deliver<S extends ExecutionSnapshot>(
  viewer: Viewer<S>,
  snapshot: S,
  shared: ExecutionUpdate<S> | undefined,
): void {
  if (viewer.subscriber.closed) return;
  const previous = viewer.seen;
  // What this viewer has seen, with steps a body left out kept (DESIGN §2), as the poll's own tracker keeps it.
  viewer.seen = baseline(previous, snapshot);
  if (shared !== undefined && shared.previous === previous) {
    viewer.subscriber.next(shared);
    return;
  }
  const changes = changesFor(previous, snapshot, shared?.changes ?? []);
  if (changes.length > 0) viewer.subscriber.next({ snapshot, previous, changes });
}

/** Where a status stands in its lifecycle, the finished ones last; -1: `unknown`, which tells nothing. */
const stage = (status: string): number =>
  FINISHED_STEP_STATUSES.has(status as StepStatus) ? 3 : ['pending', 'queued', 'running'].indexOf(status);

/** Whether status `a` comes before `b` in the lifecycle. */
const before = (a: string, b: string): boolean => stage(a) >= 0 && stage(a) < stage(b);

/**
 * Whether `snapshot` is older than `than` by their statuses, which only move forward: the
 * execution or one of its steps is at an earlier stage (a step `than` has finished is running).
 */
function olderThan(snapshot: ExecutionSnapshot, than: ExecutionSnapshot): boolean {
  if (before(snapshot.status, than.status)) return true;
  const statuses = new Map(snapshot.steps.map((step) => [step.key, step.status]));
  return than.steps.some((step) => before(statuses.get(step.key) ?? 'unknown', step.status));
}

/** The subscription's own `maxWaitMs`, on its scheduler. */
function timeLimit<S extends ExecutionSnapshot>(
  viewer: ViewerConfig<S>,
  subscriber: Subscriber<ExecutionUpdate<S>>,
  redact: (error: unknown) => unknown,
): Subscription | undefined {
  const { maxWaitMs } = viewer;
  if (maxWaitMs === undefined) return undefined;
  return viewer.scheduler.schedule(() => {
    subscriber.error(redact(watchTimeout(viewer.id, viewer.provider, maxWaitMs)));
  }, maxWaitMs);
}
