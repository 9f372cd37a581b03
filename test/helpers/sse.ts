// A raw server-sent-events reader for tests: every byte the server sent, kept as received,
// and the events parsed from them as the SSE spec reads them (fields, comments, blank-line
// dispatch). Waits are on what arrives, with a deadline that names what was awaited.

/** One event, as an EventSource would dispatch it. */
export interface SseEvent {
  /** The `id:` field, where the event had one. */
  id: string | undefined;
  /** The `event:` field, `message` by default. */
  event: string;
  /** The `data:` lines, joined by newlines. */
  data: string;
}

/** An open (or ended) event stream. */
export interface SseStream {
  readonly status: number;
  readonly headers: Headers;
  /** Every byte received so far, decoded. */
  readonly text: () => string;
  /** The events dispatched so far. */
  readonly events: SseEvent[];
  /** The comment lines (`: …`) received so far. */
  readonly comments: string[];
  /** Whether the server ended the body. */
  readonly ended: () => boolean;
  /**
   * Resolves once `ready()` is true (checked at once and after each chunk); rejects after
   * `timeoutMs`, saying what was awaited and what arrived.
   */
  until(what: string, ready: () => boolean, timeoutMs?: number): Promise<void>;
  /** Resolves once the server ends the body. */
  untilEnd(timeoutMs?: number): Promise<void>;
  /** Drops the connection, as a closed tab would. */
  close(): void;
}

/** Opens `url` with fetch and reads it as an event stream until it ends or is closed. */
export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  const controller = new AbortController();
  const response = await fetch(url, {
    headers: { accept: 'text/event-stream', ...headers },
    signal: controller.signal,
  });
  const decoder = new TextDecoder();
  let text = '';
  let pending = '';
  let done = false;
  const events: SseEvent[] = [];
  const comments: string[] = [];
  const waiters = new Set<() => void>();
  const wake = (): void => {
    for (const waiter of [...waiters]) waiter();
  };

  const parse = (): void => {
    let end: number;
    while ((end = pending.search(/\r\n\r\n|\n\n|\r\r/)) >= 0) {
      const block = pending.slice(0, end);
      pending = pending.slice(end + (pending.startsWith('\r\n\r\n', end) ? 4 : 2));
      const event: SseEvent = { id: undefined, event: 'message', data: '' };
      const data: string[] = [];
      for (const line of block.split(/\r\n|\n|\r/)) {
        if (line.startsWith(':')) {
          comments.push(line.slice(1).trim());
          continue;
        }
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'data') data.push(value);
        else if (field === 'event') event.event = value;
        else if (field === 'id') event.id = value;
      }
      if (data.length > 0) events.push({ ...event, data: data.join('\n') });
    }
  };

  const body = response.body;
  if (body === null) done = true;
  else {
    void (async () => {
      const reader = body.getReader();
      try {
        for (;;) {
          const { done: finished, value } = await reader.read();
          if (finished) break;
          const chunk = decoder.decode(value, { stream: true });
          text += chunk;
          pending += chunk;
          parse();
          wake();
        }
      } catch {
        // aborted by close()
      } finally {
        done = true;
        wake();
      }
    })();
  }

  const until = (what: string, ready: () => boolean, timeoutMs = 10_000): Promise<void> =>
    new Promise((resolve, reject) => {
      if (ready()) {
        resolve();
        return;
      }
      const timer = setTimeout(() => {
        waiters.delete(check);
        const seen = events.map((e) => `${e.event}#${e.id ?? ''}`).join(', ');
        reject(new Error(`Timed out waiting for ${what}; received ${events.length} events [${seen}], ended: ${done}`));
      }, timeoutMs);
      const check = (): void => {
        if (!ready()) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve();
      };
      waiters.add(check);
    });

  return {
    status: response.status,
    headers: response.headers,
    text: () => text,
    events,
    comments,
    ended: () => done,
    until,
    untilEnd: (timeoutMs) => until('the end of the stream', () => done, timeoutMs),
    close: () => controller.abort(),
  };
}

/** The `update` events' data, parsed. */
export function updatesOf(stream: SseStream): { id: string | undefined; update: any }[] {
  return stream.events
    .filter((e) => e.event === 'update')
    .map((e) => ({ id: e.id, update: JSON.parse(e.data) as unknown }));
}
