// Reading a response body with a size cap: a provider (or whatever answers in its place) must
// not be able to exhaust memory by sending a body without end.

/** The default cap on a response body: far above any provider's status body, far below trouble. */
export const DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024;

/** Stateless between calls (each decode is whole, never `stream`), so every read shares one. */
const utf8 = new TextDecoder();

/** A body's reader, where the fetch gives streams (an old polyfill may not). */
export function bodyReader(response: Response): ReadableStreamDefaultReader<Uint8Array> | undefined {
  return typeof response.body?.getReader === 'function' ? response.body.getReader() : undefined;
}

/**
 * Reads a body as text, at most `limit` bytes: a declared `Content-Length` over it is refused
 * before reading, and a body that grows past it is cancelled there (`tooLarge` makes the
 * error). The bytes are kept and decoded once, at the end: decoding chunk by chunk cost a
 * decoder call and a string join per chunk. To stop a read early, cancel `reader`; the caller,
 * which cancelled it, must not take the text for the body.
 */
export async function readText(
  response: Response,
  reader: ReadableStreamDefaultReader<Uint8Array> | undefined,
  limit: number,
  tooLarge: () => Error,
): Promise<string> {
  let size = Number(response.headers.get('content-length'));
  if (reader === undefined && !(size > limit)) {
    // A fetch without streams (an old polyfill): the cap still holds, after the fact.
    const text = await response.text();
    // Bytes, not UTF-16 units: up to 3 bytes a unit, so only a text over a third of the cap is encoded to count.
    size = text.length * 3 > limit ? new TextEncoder().encode(text).byteLength : text.length;
    if (!(size > limit)) return text;
  }
  if (size > limit) {
    void reader?.cancel().catch(() => {});
    throw tooLarge();
  }
  const chunks: Uint8Array[] = [];
  for (size = 0; ;) {
    const { done, value } = await reader!.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      void reader!.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return utf8.decode(chunks[0]);
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return utf8.decode(bytes);
}
