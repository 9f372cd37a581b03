import { ConfigError } from './errors.js';

// Option and argument checks. Every check throws a ConfigError at once, where the mistake is
// written, naming the option and the value, and carrying the provider when there is one.

/** Renders a bad option value for an error message, without dumping objects (or secrets). */
export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : typeof value;
}

/** Throws the {@link ConfigError} "Expected `option` to be expected, got value". */
export function fail(option: string, expected: string, value: unknown, provider?: string): never {
  throw new ConfigError(`Expected \`${option}\` to be ${expected}, got ${describe(value)}`, { option, provider });
}

/** Throws a {@link ConfigError} unless `value` is a positive finite number, at most `max`. */
export function assertPositive(
  option: string,
  value: unknown,
  max = Number.MAX_SAFE_INTEGER,
  provider?: string,
): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > max) {
    fail(option, 'a positive number', value, provider);
  }
}

/** Throws a {@link ConfigError} unless `value` is a positive whole number. */
export function assertPositiveInteger(option: string, value: unknown, provider?: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0)
    fail(option, 'a positive whole number', value, provider);
}

/**
 * Checks an execution or workflow id and returns it as a string: a non-empty string, or a
 * whole number up to 2^53 − 1 (some providers use integers). A number past that has already
 * been rounded (9007199254740993 reads as …992: another execution), and `String()` would
 * write a larger one in exponent form: such ids must be passed as strings.
 */
export function requireId(option: string, value: unknown, provider?: string): string {
  // `.` and `..` would be resolved away in a URL path, reaching another endpoint; a lone
  // surrogate can be in no URL at all (percent-encoding it throws a URIError).
  if (typeof value === 'string' && value.trim() !== '' && value !== '.' && value !== '..' && !LONE.test(value))
    return value;
  if (Number.isSafeInteger(value) && (value as number) >= 0) return String(value);
  return fail(option, 'a non-empty string of well-formed text or a safe whole number', value, provider);
}

/** A UTF-16 surrogate without its other half: text no URL, header or JSON encoder can carry as it is. */
const LONE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Like {@link requireId}, for providers whose ids are strings only (a number is a mistake there). */
export function requireStringId(option: string, value: unknown, provider?: string): string {
  return typeof value === 'string'
    ? requireId(option, value, provider)
    : fail(option, 'a non-empty string', value, provider);
}

/**
 * Throws a {@link ConfigError} unless `value` is a plain object, one JSON writes as an object
 * of its own fields: a `Date` would go as a string and a `Map` as `{}`.
 */
export function requirePlainObject(option: string, value: unknown, provider?: string): Record<string, unknown> {
  const prototype: unknown = typeof value === 'object' && value !== null ? Object.getPrototypeOf(value) : undefined;
  if (prototype !== Object.prototype && prototype !== null) fail(option, 'a plain object', value, provider);
  return value as Record<string, unknown>;
}

/** Throws a {@link ConfigError} unless `value` is a plain object (not null, not an array). */
export function requireObject(option: string, value: unknown, provider?: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(option, 'an object', value, provider);
  return value as Record<string, unknown>;
}

/** Reads an optional options object: `undefined` is `{}`, anything else must be an object. */
export function readOptions(option: string, value: unknown, provider?: string): Record<string, unknown> {
  return value === undefined ? {} : requireObject(option, value, provider);
}

/** Reads the optional `{ signal }` argument of a promise-returning call, checking both. */
export function readSignal(options: unknown, provider?: string): AbortSignal | undefined {
  const o = readOptions('options', options, provider);
  checkKeys('options', o, ['signal'], provider);
  return optionalSignal('signal', o['signal'], provider);
}

/** Checks an optional `AbortSignal`. */
export function optionalSignal(option: string, signal: unknown, provider?: string): AbortSignal | undefined {
  if (signal === undefined) return undefined;
  if (typeof signal !== 'object' || signal === null || typeof (signal as AbortSignal).addEventListener !== 'function') {
    fail(option, 'an AbortSignal', signal, provider);
  }
  return signal as AbortSignal;
}

/**
 * Refuses keys an options object does not know: a typo such as `maxWaitMS` must not be
 * silently ignored. The message names the key it differs from only in case, or the known keys.
 */
export function checkKeys(what: string, options: object, known: readonly string[], provider?: string): void {
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const near = known.find((k) => k.toLowerCase() === key.toLowerCase());
    const hint = near === undefined ? `; known: ${known.join(', ')}` : `; did you mean \`${near}\`?`;
    throw new ConfigError(`Unknown option ${describe(key)} in ${what}${hint}`, { option: key, provider });
  }
}
