import { ConfigError } from './errors.js';

/** Renders a bad option value for an error message, without dumping objects (or secrets). */
export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : typeof value;
}

/** Throws the {@link ConfigError} "Expected `option` to be expected, got value". */
export function fail(option: string, expected: string, value: unknown): never {
  throw new ConfigError(`Expected \`${option}\` to be ${expected}, got ${describe(value)}`, { option });
}

/** Throws a {@link ConfigError} unless `value` is a positive finite number. */
export function assertPositive(option: string, value: unknown, max = Number.MAX_SAFE_INTEGER): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > max) fail(option, 'a positive number', value);
}

/** Throws a {@link ConfigError} unless `value` is a positive whole number. */
export function assertPositiveInteger(option: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) fail(option, 'a positive whole number', value);
}

/**
 * Checks an execution or workflow id and returns it as a string: a non-empty string, or a
 * finite number (some providers use integers).
 */
export function requireId(option: string, value: unknown): string {
  // `.` and `..` would be resolved away in a URL path, reaching another endpoint.
  if (typeof value === 'string' && value.trim() !== '' && value !== '.' && value !== '..') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  throw new ConfigError(`Expected \`${option}\` to be a non-empty string or a number, got ${describe(value)}`, {
    option,
  });
}

/** Throws a {@link ConfigError} unless `value` is a plain object (not null, not an array). */
export function requireObject(option: string, value: unknown, provider?: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(`Expected \`${option}\` to be an object, got ${describe(value)}`, { option, provider });
  }
  return value as Record<string, unknown>;
}

/** Reads the optional `{ signal }` argument of a promise-returning call, checking both. */
export function readSignal(options: unknown, provider?: string): AbortSignal | undefined {
  if (options === undefined) return undefined;
  const signal = requireObject('options', options, provider)['signal'];
  if (signal === undefined) return undefined;
  if (typeof signal !== 'object' || signal === null || typeof (signal as AbortSignal).addEventListener !== 'function') {
    throw new ConfigError(`Expected \`signal\` to be an AbortSignal, got ${describe(signal)}`, { option: 'signal', provider });
  }
  return signal as AbortSignal;
}
