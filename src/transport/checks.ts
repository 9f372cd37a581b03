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

/**
 * Checks that the user's `headers` leave the auth headers to the client: one of the same name
 * in another case would be sent beside it, and fetch joins the two into one value that
 * carries the key and fails to authenticate.
 */
export function checkOwnHeaders(
  headers: Record<string, unknown>,
  auth: Record<string, string>,
  provider: string,
): void {
  const own = new Set(Object.keys(auth).map((name) => name.toLowerCase()));
  for (const name of Object.keys(headers)) {
    if (own.has(name.toLowerCase())) {
      throw new ConfigError(
        `Expected \`headers\` to leave out ${describe(name)}: the client sends it, from \`apiKey\``,
        {
          option: 'headers',
          provider,
        },
      );
    }
  }
}
