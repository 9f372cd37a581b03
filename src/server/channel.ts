import type { Observable, Subscription } from 'rxjs';
import { baseline, diff } from '../core/diff.js';
import { isTerminal, type ExecutionSnapshot, type ExecutionUpdate } from '../core/model.js';
import { ERROR_EVENT, UPDATE_EVENT } from '../relay/wire.js';
import { frame } from './stream.js';
import type { ViewerStream } from './stream.js';

/** What a channel needs from the relay. */
export interface ChannelConfig {
  /** Starts the one watch of the execution; `since` continues an earlier one without repeats. */
  watch(since: ExecutionSnapshot | undefined): Observable<ExecutionUpdate>;
  /** The next event id, increasing across the whole relay. */
  nextId(): string;
  /** The snapshot as kept and sent: `raw` left out unless the relay includes it. */
  keep(snapshot: ExecutionSnapshot): ExecutionSnapshot;
  /** An update as the `data` of an event: JSON, secrets scrubbed. */
  serializeUpdate(update: ExecutionUpdate): string;
  /** A watch error as the `data` of a `watch-error` event. */
  serializeError(error: unknown): string;
  /** History bounds: at most this many events and bytes are kept for resuming viewers. */
  maxEvents: number;
  maxBytes: number;
  /** Called whenever the channel is left without viewers. */
  onIdle(channel: Channel): void;
}

interface Entry {
  readonly id: string;
  readonly snapshot: ExecutionSnapshot;
  readonly frame: Uint8Array;
}

/**
 * One execution as the relay serves it: one watch for every viewer, and a bounded history of
 * the events sent, so that a viewer coming back with `Last-Event-ID` gets exactly what it
 * missed. A channel outlives its viewers (the relay retains a bounded number): its watch stops
 * with the last viewer and starts again, with `since` set to the last snapshot, with the next.
 *
 * States: `idle` (no watch; before the first viewer or after the last left), `live` (watching),
 * `completed` (the terminal update was seen: viewers get the history and the stream ends, at no
 * provider cost), `errored` (the watch failed; the next viewer starts it again).
 */
export class Channel {
  state: 'idle' | 'live' | 'completed' | 'errored' = 'idle';
  readonly viewers = new Set<ViewerStream>();
  private readonly history: Entry[] = [];
  private bytes = 0;
  private subscription: Subscription | undefined;
  private failure: { id: string; frame: Uint8Array } | undefined;
  private current: { id: string; frame: Uint8Array } | undefined;
  /** What the channel knows: the newest snapshot, with what bodies left out kept (the baseline). */
  private known: ExecutionSnapshot | undefined;

  constructor(
    readonly key: string,
    private readonly config: ChannelConfig,
  ) {}

  /** The events kept and the bytes they take: the channel's memory, for tests and the benchmark. */
  get size(): { events: number; bytes: number } {
    return { events: this.history.length, bytes: this.bytes };
  }

  /**
   * Sends a viewer what it is missing, then keeps it up to date until the execution ends.
   * Without `lastEventId`, what it is missing is the current state, as one update from nothing.
   */
  join(viewer: ViewerStream, lastEventId: string | undefined): void {
    const catchUp = this.catchUp(lastEventId);
    for (const chunk of catchUp) viewer.send(chunk);
    if (this.state === 'completed') {
      viewer.end();
      return;
    }
    if (!viewer.open) return;
    this.viewers.add(viewer);
    if (this.state !== 'live') this.start();
  }

  leave(viewer: ViewerStream): void {
    if (!this.viewers.delete(viewer) || this.viewers.size > 0) return;
    if (this.state === 'live') {
      this.state = 'idle';
      const subscription = this.subscription;
      this.subscription = undefined;
      subscription?.unsubscribe(); // aborts the request in flight, clears the timers
    }
    this.config.onIdle(this);
  }

  /** Ends every viewer's stream and the watch: the relay is closing. */
  close(): void {
    this.subscription?.unsubscribe();
    this.subscription = undefined;
    if (this.state === 'live') this.state = 'idle';
    for (const viewer of [...this.viewers]) viewer.end();
  }

  private catchUp(lastEventId: string | undefined): Uint8Array[] {
    const latest = this.history.at(-1);
    if (latest === undefined || lastEventId === latest.id) return [];
    const index = lastEventId === undefined ? -1 : this.history.findIndex((entry) => entry.id === lastEventId);
    if (index >= 0) return this.history.slice(index + 1).map((entry) => entry.frame);
    // Never seen, or older than the history kept: the current state. fromRelay diffs it
    // against what it has, so a viewer that had something still sees no repeat.
    if (this.current?.id !== latest.id) {
      const known = this.known!;
      const update = { snapshot: known, previous: undefined, changes: diff(undefined, known) };
      this.current = { id: latest.id, frame: frame(latest.id, UPDATE_EVENT, this.config.serializeUpdate(update)) };
    }
    return [this.current.frame];
  }

  private start(): void {
    this.state = 'live';
    this.failure = undefined;
    let source: Observable<ExecutionUpdate>;
    try {
      source = this.config.watch(this.known);
    } catch (error) {
      this.fail(error);
      return;
    }
    const subscription = source.subscribe({
      next: (update) => this.publish(update),
      error: (error: unknown) => this.fail(error),
      complete: () => this.complete(),
    });
    // A source that ended synchronously (a terminal update included) has already moved the
    // channel on: it is let go at once.
    if (this.state !== 'live') subscription.unsubscribe();
    else if (this.subscription === undefined) this.subscription = subscription;
  }

  private publish(update: ExecutionUpdate): void {
    const terminal = isTerminal(update.snapshot.status);
    const id = terminal ? finalId(this.config.nextId()) : this.config.nextId();
    const snapshot = this.config.keep(update.snapshot);
    const previous = update.previous && this.config.keep(update.previous);
    const data = this.config.serializeUpdate({ snapshot, previous, changes: update.changes });
    const entry: Entry = { id, snapshot, frame: frame(id, UPDATE_EVENT, data) };
    this.known = baseline(this.known, snapshot);
    this.history.push(entry);
    this.bytes += entry.frame.byteLength;
    const { maxEvents, maxBytes } = this.config;
    while (this.history.length > 1 && (this.history.length > maxEvents || this.bytes > maxBytes)) {
      this.bytes -= this.history.shift()!.frame.byteLength;
    }
    // The stream ends after the terminal update (DESIGN §6), whether or not the client's
    // watch completes after it (a provider's does, a user's client need not). The channel is
    // completed before the update goes out: a viewer it cuts off (one that does not read)
    // must not leave it idle, for the next viewer to watch the ended execution again.
    const ended = terminal && this.state === 'live';
    if (ended) {
      this.state = 'completed';
      this.subscription?.unsubscribe();
    }
    for (const viewer of [...this.viewers]) viewer.send(entry.frame);
    if (ended) this.complete();
  }

  private complete(): void {
    this.subscription = undefined;
    // A provider watch completes after its terminal update; a user's client may end sooner,
    // and then the next viewer starts it again.
    const latest = this.history.at(-1);
    this.state = latest !== undefined && isTerminal(latest.snapshot.status) ? 'completed' : 'idle';
    for (const viewer of [...this.viewers]) viewer.end();
  }

  private fail(error: unknown): void {
    this.subscription = undefined;
    this.state = 'errored';
    const id = finalId(this.config.nextId());
    this.failure = { id, frame: frame(id, ERROR_EVENT, this.config.serializeError(error)) };
    for (const viewer of [...this.viewers]) {
      viewer.send(this.failure.frame);
      viewer.end();
    }
  }
}

/** What marks the id of an execution's last event (its terminal update or its error). */
const FINAL = '.end';

/** `id` marked as the last event's. */
const finalId = (id: string): string => `${id}${FINAL}`;

/**
 * Whether `lastEventId` is the id of a last event: a viewer that saw one needs nothing more,
 * whether or not the relay still keeps that execution's channel.
 */
export const isFinalId = (lastEventId: string): boolean => lastEventId.endsWith(FINAL);
