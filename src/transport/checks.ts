import { ConfigError } from '../core/errors.js';
import { describe, fail } from '../core/options.js';

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

/** A header name: an RFC 9110 token. */
const NAME = /^[!#$%&'*+.^_`|~\w-]+$/;
/** A header value as fetch sends it (trimmed): no line break, no NUL, nothing outside Latin-1. */
const VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/**
 * Checks headers before any request: a name that is not a token or a value with a line break
 * would make every fetch throw, retried as a network error until the retries run out. Values
 * are never echoed: the auth headers hold the key (`option` is then `apiKey`).
 */
export function checkHeaders(option: string, headers: Record<string, unknown>, provider: string): void {
  for (const [name, value] of Object.entries(headers)) {
    if (!NAME.test(name) || typeof value !== 'string' || !VALUE.test(value.trim())) {
      throw new ConfigError(
        `Expected \`${option}\` to give header ${describe(name)} a token name and a value without line breaks or characters outside Latin-1`,
        { option, provider },
      );
    }
  }
}
