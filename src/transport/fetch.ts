import { ConfigError } from '../core/errors.js';

/** The `fetch` signature runwatch calls; any WHATWG-compatible implementation fits. */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

let crossFetch: Promise<FetchLike> | undefined;

/**
 * `globalThis.fetch` where there is one; cross-fetch, loaded on first use, where not (an old
 * Node). Browsers always have fetch, so package.json maps cross-fetch to nothing for browser
 * bundles and it costs them no bytes.
 */
export async function defaultFetch(): Promise<FetchLike> {
  if (typeof globalThis.fetch === 'function') return globalThis.fetch.bind(globalThis);
  crossFetch ??= import('cross-fetch').then((m) => {
    const found = (m.default ?? m.fetch) as unknown;
    if (typeof found !== 'function') {
      throw new ConfigError('No fetch implementation is available here: pass one as the `fetch` option', {
        option: 'fetch',
      });
    }
    return found as FetchLike;
  });
  return crossFetch;
}

export function abortError(): Error {
  const error = new Error('This operation was aborted');
  error.name = 'AbortError';
  return error;
}
