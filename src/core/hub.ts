import { Observable, Subject, type SchedulerLike, type Subscriber, type Subscription } from 'rxjs';
import { baseline, diff } from './diff.js';
import type { ExecutionSnapshot, ExecutionUpdate } from './model.js';
import { watchTimeout } from './poll.js';

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

interface Viewer<S extends ExecutionSnapshot> {
  /** The last snapshot this viewer's updates were relative to. */
  seen: S | undefined;
  subscriber: Subscriber<ExecutionUpdate<S>>;
}

/**
 * One shared poll and its viewers. It observes the poll itself (no closures per execution):
 * every update goes to every viewer, and the poll's end ends every viewer.
 */
class Shared<S extends ExecutionSnapshot> {
  /** The newest snapshot the poll produced. */
  latest: S | undefined;
  readonly viewers: Set<Viewer<S>>;
  poll: Subscription | undefined;
  /** Every subscription's wake hints, merged. */
  readonly wakes = new Subject<void>();

  constructor(
    private readonly map: Map<string, Shared<S>>,
    private readonly key: string,
    first: Viewer<S>,
  ) {
    this.viewers = new Set([first]);
  }

  next(update: ExecutionUpdate<S>): void {
    this.latest = update.snapshot;
    for (const v of [...this.viewers]) deliver(v, update.snapshot, update);
  }

  error(error: unknown): void {
    this.end((v) => v.subscriber.error(error));
  }

  complete(): void {
    this.end((v) => v.subscriber.complete());
  }

  private end(notify: (v: Viewer<S>) => void): void {
    if (this.map.get(this.key) === this) this.map.delete(this.key);
    for (const v of [...this.viewers]) notify(v);
    this.viewers.clear();
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
  private readonly shared = new Map<string, Shared<ExecutionSnapshot>>();

  /** How many executions are being polled now. */
  get size(): number {
    return this.shared.size;
  }

  /**
   * One subscription's view of the shared poll `key`.
   *
   * @param key - names the poll: equal keys share one.
   * @param open - makes the poll: updates relative to the poll's own previous snapshot,
   *   polling now on each emission of `wakes` (every subscription's wake hints).
   * @param viewer - this subscription's own options.
   */
  watch<S extends ExecutionSnapshot>(
    key: string,
    open: (wakes: Observable<void>) => Observable<ExecutionUpdate<S>>,
    viewer: ViewerConfig<S>,
  ): Observable<ExecutionUpdate<S>> {
    return new Observable<ExecutionUpdate<S>>((subscriber) => {
      const map = this.shared as unknown as Map<string, Shared<S>>;
      const me: Viewer<S> = { seen: viewer.since, subscriber };
      let entry = map.get(key);
      if (entry?.latest !== undefined) deliver(me, entry.latest, undefined);
      const deadline = timeLimit(viewer, subscriber);
      if (entry === undefined) {
        const created = new Shared<S>(map, key, me);
        entry = created;
        map.set(key, created);
        created.poll = open(created.wakes.asObservable()).subscribe(created);
      } else {
        entry.viewers.add(me);
      }
      const mine = entry;
      const woken = viewer.wake?.subscribe(() => mine.wakes.next());
      return () => {
        woken?.unsubscribe();
        deadline?.unsubscribe();
        mine.viewers.delete(me);
        if (mine.viewers.size === 0 && map.get(key) === mine) {
          map.delete(key);
          mine.poll?.unsubscribe();
        }
      };
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
  const changes = diff(previous, snapshot);
  // A `stalled` is news for every viewer, though no diff makes it.
  for (const change of shared?.changes ?? []) if (change.type === 'stalled') changes.push(change);
  if (changes.length > 0) viewer.subscriber.next({ snapshot, previous, changes });
}

/** The subscription's own `maxWaitMs`, on its scheduler. */
function timeLimit<S extends ExecutionSnapshot>(
  viewer: ViewerConfig<S>,
  subscriber: Subscriber<ExecutionUpdate<S>>,
): Subscription | undefined {
  const { maxWaitMs } = viewer;
  if (maxWaitMs === undefined) return undefined;
  return viewer.scheduler.schedule(() => {
    subscriber.error(watchTimeout(viewer.id, viewer.provider, maxWaitMs));
  }, maxWaitMs);
}
