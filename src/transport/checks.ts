import { ConfigError } from '../core/errors.js';
import { fail } from '../core/options.js';

// The transport's checks of what a client is created with: every mistake is a ConfigError at
// once, not a retried failure a request later.

/**
 * Checks an absolute http(s) URL given as `option` and returns it parsed: a {@link ConfigError}
 * otherwise, thrown synchronously.
 */
export function parseHttpUrl(option: string, value: unknown, provider: string): URL {
  let url: URL | undefined;
  try {
    url = typeof value === 'string' ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if (url === undefined) return fail(option, 'an absolute URL', value, provider);
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    fail(option, 'an http or https URL', url.protocol, provider);
  return url;
}

/** Checks `baseUrl`: an http(s) URL without credentials; query and fragment are dropped. */
export function parseBaseUrl(value: unknown, provider: string): URL {
  const url = parseHttpUrl('baseUrl', value, provider);
  if (url.username || url.password) {
    throw new ConfigError('Expected `baseUrl` without credentials; pass the key as `apiKey`', {
      option: 'baseUrl',
      provider,
    });
  }
  url.search = '';
  url.hash = '';
  return url;
}
