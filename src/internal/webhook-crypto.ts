// Webhook plumbing that knows no provider: raw bodies as bytes, header lookup over Fetch
// `Headers` and Node's header objects, and HMAC-SHA256 with a constant-time compare, all on
// Web Crypto so it runs in Node, browsers and edge runtimes alike (no `node:` import).
import { ConfigError } from '../core/errors.js';
import { describe } from '../core/options.js';

/** The headers of a request, as Fetch (`Headers`) or Node's `http` (`IncomingHttpHeaders`) give them. */
export type HeadersLike = { get(name: string): string | null } | Record<string, string | string[] | undefined>;

/** What a raw body may be: the text, or the bytes as received. */
export type RawBody = string | Uint8Array | ArrayBuffer;

/** The part of Web Crypto the helpers use. */
export type CryptoLike = { subtle: SubtleCrypto };

const encoder = new TextEncoder();

/** A raw body as bytes; anything else (a parsed object) is a ConfigError: signatures cover the exact bytes. */
export function bodyBytes(body: unknown, provider: string): Uint8Array {
  if (typeof body === 'string') return encoder.encode(body);
  if (body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  throw new ConfigError(
    `Expected \`body\` to be the raw request body (a string or bytes), got ${describe(body)}: verify before parsing`,
    { option: 'body', provider },
  );
}

/** Every value of a header, case-insensitively; Node joins repeats into arrays, Fetch into one comma-separated string. */
export function headerValue(headers: HeadersLike, name: string): string | undefined {
  if (typeof (headers as { get?: unknown }).get === 'function') {
    return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  }
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers as Record<string, string | string[] | undefined>)) {
    if (key.toLowerCase() !== wanted || value === undefined) continue;
    return Array.isArray(value) ? value.join(', ') : value;
  }
  return undefined;
}

/** The Web Crypto to use: the one given, or the global one (Node ≥ 19, browsers, edge runtimes). */
export function webCrypto(given: CryptoLike | undefined, provider: string): CryptoLike {
  const crypto = given ?? (globalThis as { crypto?: CryptoLike }).crypto;
  if (crypto?.subtle === undefined) {
    throw new ConfigError(
      "Web Crypto is not available here: pass `crypto` (on Node 18, `(await import('node:crypto')).webcrypto`)",
      { option: 'crypto', provider },
    );
  }
  return crypto;
}

/** HMAC-SHA256 of `parts` (concatenated) under `secret`. */
export async function hmacSha256(crypto: CryptoLike, secret: string, parts: Uint8Array[]): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
  ]);
  const message = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    message.set(part, offset);
    offset += part.length;
  }
  return new Uint8Array(await crypto.subtle.sign('HMAC', key, message));
}

/** SHA-256 of a string's UTF-8 bytes. */
export async function sha256(crypto: CryptoLike, text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(text)));
}

/** Compares two byte strings in time that depends only on their lengths (equal-length digests here). */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/**
 * Reads one signature as the digest's bytes: hex (either case) or base64 (standard or URL
 * alphabet), with an optional `sha256=` or `v1=` scheme prefix. `undefined` for anything
 * that is not a 32-byte digest.
 */
export function digestBytes(signature: string): Uint8Array | undefined {
  const value = signature.trim().replace(/^(sha256|v1)[=,]/i, '');
  if (/^[0-9a-f]{64}$/i.test(value)) {
    return Uint8Array.from({ length: 32 }, (_, i) => parseInt(value.slice(2 * i, 2 * i + 2), 16));
  }
  if (!/^[A-Za-z0-9+/_-]{43}=?$/.test(value)) return undefined;
  try {
    const binary = atob(value.replace(/-/g, '+').replace(/_/g, '/').padEnd(44, '='));
    return binary.length === 32 ? Uint8Array.from(binary, (c) => c.charCodeAt(0)) : undefined;
  } catch {
    return undefined;
  }
}
