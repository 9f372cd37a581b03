import { Observable } from 'rxjs';
import { baseline, changesFor } from '../core/diff.js';
import {
  ConfigError,
  NetworkError,
  ResponseValidationError,
  errorFromStatus,
  type RunwatchError,
} from '../core/errors.js';
import {
  isStepLike,
  isTerminal,
  type ExecutionChange,
  type ExecutionSnapshot,
  type ExecutionUpdate,
} from '../core/model.js';
import { checkKeys, fail, readOptions } from '../core/options.js';
import { ERROR_EVENT, UPDATE_EVENT, fromWireError } from './wire.js';

/**
 * What {@link fromRelay} reads from an event: the DOM's `MessageEvent` and `Event` fit.
 *
 * @example
 * ```ts
 * import type { RelayEvent } from 'runwatch';
 *
 * const event: RelayEvent = { type: 'update', data: '{}' };
 * console.log(event.type);
 * // Logs: update
 * ```
 */
export interface RelayEvent {
  /** The event's name: `update`, `watch-error`, or `error` for the connection's own. */
  readonly type: string;
  /** The event's data, a JSON string for `update` and `watch-error`. */
  readonly data?: unknown;
  /** The HTTP status of a refused connection, where the EventSource says (the `eventsource` package does; browsers do not). */
  readonly code?: number | undefined;
}

/**
 * The part of an `EventSource` that {@link fromRelay} uses: the browser's fits, and so does
 * the `eventsource` package's for Node.
 *
 * @example
 * ```ts
 * import type { EventSourceLike } from 'runwatch';
 *
 * declare const source: EventSourceLike;
 * source.addEventListener('update', (event) => console.log(event.type));
 * // Logs: update
 * ```
 */
export interface EventSourceLike {
  /** 0 connecting (also while reconnecting), 1 open, 2 closed for good. */
  readonly readyState: number;
  /**
   * Listens to one kind of event.
   * @param type - the event's name.
   * @param listener - called with each event of that name.
   */
  addEventListener(type: string, listener: (event: RelayEvent) => void): void;
  /** Closes the connection; no reconnection follows. */
  close(): void;
}

/**
 * A constructor of {@link EventSourceLike}s, such as the browser's `EventSource`.
 *
 * @example
 * ```ts
 * import type { EventSourceConstructor } from 'runwatch';
 *
 * const Source: EventSourceConstructor | undefined = globalThis.EventSource;
 * console.log(typeof Source);
 * // Logs: function
 * ```
 */
export type EventSourceConstructor = new (url: string, init?: { withCredentials?: boolean }) => EventSourceLike;

/**
 * Options of {@link fromRelay}.
 *
 * @example
 * ```ts
 * import type { FromRelayOptions } from 'runwatch';
 *
 * const options: FromRelayOptions = { withCredentials: true };
 * console.log(options.withCredentials);
 * // Logs: true
 * ```
 */
export interface FromRelayOptions {
  /**
   * The EventSource to connect with. Node before 22 has none: pass the `eventsource`
   * package's, or a test double.
   * @defaultValue `globalThis.EventSource`
   */
  EventSource?: EventSourceConstructor | undefined;
  /**
   * Send cookies to a relay on another origin (`EventSource`'s `withCredentials`).
   * @defaultValue false
   */
  withCredentials?: boolean | undefined;
}

const CLOSED = 2;

/**
 * Watches an execution through a relay (`createRelay` from `runwatch/server`): a cold
 * Observable of the same `ExecutionUpdate`s a client's `watch` emits, with no API key in the
 * page and one poll at the provider however many viewers watch. Each subscription opens an
 * EventSource; unsubscribing closes it. It completes after the terminal update, and errors
 * with the typed error the relay's watch ended with (`isNotFoundError` and the rest work).
 * When the connection drops, the EventSource reconnects with `Last-Event-ID` and the stream
 * goes on from where it was, repeating no change. Snapshots carry no `raw` unless the relay
 * sends it (`includeRaw`).
 *
 * A connection the relay refuses (403 from `authorize`, 404 unknown provider, 400 bad id,
 * 503 full) errors with a {@link NetworkError}, or with the HTTP error for its status where
 * the EventSource reports it; browsers do not, so the reason is in the response (devtools).
 *
 * @param url - the relay route of one execution, e.g. `/relay/eachlabs/<id>` or
 * `/relay/modelslab/<id>?workflowId=<uuid>`; relative URLs resolve against the page.
 * @param options - the EventSource to use, and `withCredentials`.
 * @returns a cold observable of updates, completing after the terminal one.
 * @throws {@link ConfigError} at once, when there is no EventSource or an option is invalid.
 *
 * @example
 * ```ts
 * import { fromRelay, progress } from 'runwatch';
 *
 * fromRelay('/relay/eachlabs/69ae8c7b-7500-4a45-b7c0-348b8cc2665b')
 *   .pipe(progress())
 *   .subscribe((p) => console.log(`${p.done}/${p.total}`));
 * // Logs: 3/3
 * ```
 */
export function fromRelay(url: string | URL, options?: FromRelayOptions): Observable<ExecutionUpdate> {
  const o = readOptions('options', options) as FromRelayOptions;
  checkKeys('options', o, ['EventSource', 'withCredentials']);
  const Source = o.EventSource ?? (globalThis as { EventSource?: EventSourceConstructor }).EventSource;
  if (typeof Source !== 'function') {
    throw new ConfigError(
      'Expected `EventSource` to be a constructor: this runtime has none (Node before 22); pass one, ' +
        "such as the `eventsource` package's, as `options.EventSource`",
      { option: 'EventSource' },
    );
  }
  if (o.withCredentials !== undefined && typeof o.withCredentials !== 'boolean') {
    fail('withCredentials', 'a boolean', o.withCredentials);
  }
  if (typeof url !== 'string' && !(url instanceof URL)) fail('url', 'a string or a URL', url);
  const href = String(url);
  const init = o.withCredentials ? { withCredentials: true } : undefined;

  return new Observable<ExecutionUpdate>((subscriber) => {
    let last: ExecutionSnapshot | undefined;
    let source: EventSourceLike;
    try {
      source = new Source(href, init);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      subscriber.error(new ConfigError(`Could not open an EventSource on the relay URL: ${reason}`, { option: 'url' }));
      return undefined;
    }
    source.addEventListener(UPDATE_EVENT, (event) => {
      let update: ExecutionUpdate;
      try {
        update = rebase(readUpdate(event.data), last);
      } catch (error) {
        subscriber.error(error);
        return;
      }
      // What this subscriber has: every snapshot it got, with what a body left out kept (DESIGN §2).
      last = baseline(last, update.snapshot);
      if (update.changes.length > 0) subscriber.next(update); // no update says nothing (DESIGN §2)
      if (isTerminal(update.snapshot.status)) subscriber.complete();
    });
    source.addEventListener(ERROR_EVENT, (event) => subscriber.error(readError(event.data)));
    source.addEventListener('error', (event) => {
      // While connecting again the EventSource keeps the stream; closed means it gave up.
      if (source.readyState === CLOSED) subscriber.error(refused(event.code));
    });
    return () => source.close();
  });
}

/**
 * Every update after the first is diffed against what this subscriber has, not taken as the
 * relay computed it: after a reconnection the relay may have only the current state to send
 * (it keeps a bounded history), and its next updates are relative to what the relay had, not
 * to what this subscriber missed. So an update carries exactly what is new to it, or nothing.
 * A `stalled` change, which no diff makes, is kept.
 */
function rebase(update: ExecutionUpdate, last: ExecutionSnapshot | undefined): ExecutionUpdate {
  if (last === undefined) return update;
  return { snapshot: update.snapshot, previous: last, changes: changesFor(last, update.snapshot, update.changes) };
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

const isSnapshot = (value: unknown): value is ExecutionSnapshot =>
  isObject(value) &&
  typeof value['executionId'] === 'string' &&
  typeof value['status'] === 'string' &&
  Array.isArray(value['steps']) &&
  value['steps'].every(isStepLike);

/** A change the operators can read: a `type`, and a whole step where it names one. */
const isChange = (value: unknown): boolean =>
  isObject(value) && typeof value['type'] === 'string' && (!('step' in value) || isStepLike(value['step']));

function parse(data: unknown): unknown {
  try {
    return typeof data === 'string' ? (JSON.parse(data) as unknown) : undefined;
  } catch {
    return undefined;
  }
}

function readUpdate(data: unknown): ExecutionUpdate {
  const body = parse(data) as Partial<Record<keyof ExecutionUpdate, unknown>> | undefined;
  const previous = body?.previous ?? undefined;
  if (
    !isSnapshot(body?.snapshot) ||
    !Array.isArray(body.changes) ||
    !body.changes.every(isChange) ||
    !(previous === undefined || isSnapshot(previous))
  ) {
    throw new ResponseValidationError('The relay sent an update that is not an ExecutionUpdate', {
      issues: [{ path: [], message: 'Expected { snapshot, previous, changes }' }],
    });
  }
  // JSON drops `from: undefined` (the first status change): put it back, so the update is the one a watch emits.
  const changes = (body.changes as ExecutionChange[]).map((change) =>
    change.type === 'execution-status' ? { ...change, from: change.from } : change,
  );
  return { snapshot: body.snapshot, previous, changes };
}

function readError(data: unknown): RunwatchError {
  return fromWireError(parse(data));
}

function refused(status: number | undefined): RunwatchError {
  const message = 'The relay refused the stream or could not be reached';
  return status === undefined || status < 400
    ? new NetworkError(message)
    : errorFromStatus(status, `${message} (HTTP ${status})`);
}
