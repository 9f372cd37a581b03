// Server-sent events: the framing, and one viewer's stream. Web streams only (no Node
// built-in), so the relay runs in any Fetch-API runtime.

const encoder = new TextEncoder();

/**
 * One SSE event. `data` is a single line: it is JSON, and JSON.stringify escapes every line
 * break inside strings, so no payload can end the event early or forge a field.
 */
export function frame(id: string, event: string, data: string): Uint8Array {
  return encoder.encode(`id: ${id}\nevent: ${event}\ndata: ${data}\n\n`);
}

/** A comment line: EventSource ignores it; proxies and load balancers see a live connection. */
export const HEARTBEAT: Uint8Array = encoder.encode(': heartbeat\n\n');

/**
 * The first bytes of every stream: a quick reconnection (the default is about 3 s), and a
 * comment so that proxies that wait for a first body chunk pass the headers on at once.
 */
export const OPENING: Uint8Array = encoder.encode('retry: 1000\n: runwatch relay\n\n');

/** The response headers of an event stream; `no-transform` and `X-Accel-Buffering` keep proxies from buffering it. */
export const SSE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  'x-accel-buffering': 'no',
};

/**
 * One viewer's event stream. Chunks are shared between viewers (encoded once per event).
 * A viewer that does not read (a stalled tab, a dead socket the OS has not noticed) is cut
 * off once `maxBufferedBytes` wait for it: its EventSource reconnects and resumes with
 * `Last-Event-ID`, so it loses nothing and the relay's memory stays bounded.
 */
export class ViewerStream {
  readonly stream: ReadableStream<Uint8Array>;
  private controller!: ReadableStreamDefaultController<Uint8Array>;
  private closed = false;

  constructor(
    private readonly maxBufferedBytes: number,
    private readonly onClose: (viewer: ViewerStream) => void,
  ) {
    this.stream = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.controller = controller;
        },
        cancel: () => this.release(),
      },
      { highWaterMark: 0, size: (chunk) => chunk.byteLength },
    );
  }

  /** Whether the stream still takes events. */
  get open(): boolean {
    return !this.closed;
  }

  send(chunk: Uint8Array): void {
    if (this.closed) return;
    if ((this.controller.desiredSize ?? 0) < -this.maxBufferedBytes) {
      this.cut();
      return;
    }
    try {
      this.controller.enqueue(chunk);
    } catch {
      this.release(); // the consumer is gone
    }
  }

  /** Ends the stream after what is queued. */
  end(): void {
    if (this.closed) return;
    try {
      this.controller.close();
    } catch {
      // already closed or errored by the consumer
    }
    this.release();
  }

  /**
   * Cuts a viewer that does not read off: the stream errors, so what is queued for it is
   * dropped and its connection is closed, not kept open for a peer that may never read it (a
   * close would keep both until it did).
   */
  private cut(): void {
    try {
      this.controller.error(new Error('the viewer did not read its events'));
    } catch {
      // already closed or errored by the consumer
    }
    this.release();
  }

  private release(): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose(this);
  }
}
