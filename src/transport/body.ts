// Reading a response body with a size cap: a provider (or whatever answers in its place) must
// not be able to exhaust memory by sending a body without end.

/** The default cap on a response body: far above any provider's status body, far below trouble. */
export const DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024;

/**
 * Reads a body as text, at most `limit` bytes: a declared `Content-Length` over it is refused
 * before reading, and a body that grows past it is cancelled there (`tooLarge` makes the
 * error). `signal` cancels the read: the read then ends early, and the caller, which aborted
 * it, must not take the text for the body.
 */
export async function readText(
  response: Response,
  limit: number,
  signal: AbortSignal,
  tooLarge: () => Error,
): Promise<string> {
  const reader = typeof response.body?.getReader === 'function' ? response.body.getReader() : undefined;
  const cancel = (): void => void reader?.cancel().catch(() => {});
  let size = Number(response.headers.get('content-length'));
  if (reader === undefined && !(size > limit)) {
    // A fetch without streams (an old polyfill): the cap still holds, after the fact.
    const text = await response.text();
    size = text.length;
    if (!(size > limit)) return text;
  }
  if (size > limit) {
    cancel();
    throw tooLarge();
  }
  signal.addEventListener('abort', cancel);
  try {
    const decoder = new TextDecoder();
    let text = '';
    for (size = 0; ;) {
      const { done, value } = await reader!.read();
      if (done) return text + decoder.decode();
      size += value.byteLength;
      if (size > limit) {
        cancel();
        throw tooLarge();
      }
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    signal.removeEventListener('abort', cancel);
  }
}
