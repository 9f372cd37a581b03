import {
  AuthenticationError,
  ConfigError,
  ExecutionFailedError,
  HttpError,
  KINDS,
  NetworkError,
  NotFoundError,
  RateLimitError,
  ResponseValidationError,
  RunwatchError,
  TimeoutError,
} from './errors.js';

function guard<T extends RunwatchError>(cls: abstract new (...args: never[]) => T, name: string) {
  return (error: unknown): error is T => {
    if (error instanceof cls) return true;
    if (typeof error !== 'object' || error === null) return false;
    const kinds = (error as { [KINDS]?: unknown })[KINDS];
    return Array.isArray(kinds) && kinds.includes(name) && typeof (error as Error).name === 'string';
  };
}

/**
 * Tells whether a value is a {@link RunwatchError}, also across bundles (where `instanceof`
 * fails because there are two copies of the class).
 *
 * @param error - anything caught.
 * @returns `true` for any runwatch error.
 *
 * @example
 * ```ts
 * import { isRunwatchError, NetworkError } from 'runwatch';
 *
 * console.log(isRunwatchError(new NetworkError('reset')), isRunwatchError(new Error('x')));
 * // Logs: true false
 * ```
 */
export const isRunwatchError = guard(RunwatchError, 'RunwatchError');

/**
 * Tells whether a value is an {@link HttpError} (or one of its subclasses).
 *
 * @param error - anything caught.
 * @returns `true` for `HttpError`, `AuthenticationError`, `NotFoundError`, `RateLimitError`.
 *
 * @example
 * ```ts
 * import { isHttpError, RateLimitError } from 'runwatch';
 *
 * console.log(isHttpError(new RateLimitError('slow down')));
 * // Logs: true
 * ```
 */
export const isHttpError = guard(HttpError, 'HttpError');

/**
 * Tells whether a value is an {@link AuthenticationError}.
 *
 * @param error - anything caught.
 * @returns `true` for a 401/403 error.
 *
 * @example
 * ```ts
 * import { isAuthenticationError, errorFromStatus } from 'runwatch';
 *
 * console.log(isAuthenticationError(errorFromStatus(401, 'Invalid or missing API key')));
 * // Logs: true
 * ```
 */
export const isAuthenticationError = guard(AuthenticationError, 'AuthenticationError');

/**
 * Tells whether a value is a {@link NotFoundError}.
 *
 * @param error - anything caught.
 * @returns `true` for a 404 error.
 *
 * @example
 * ```ts
 * import { isNotFoundError, errorFromStatus } from 'runwatch';
 *
 * console.log(isNotFoundError(errorFromStatus(404, 'execution not found')));
 * // Logs: true
 * ```
 */
export const isNotFoundError = guard(NotFoundError, 'NotFoundError');

/**
 * Tells whether a value is a {@link RateLimitError}.
 *
 * @param error - anything caught.
 * @returns `true` for a 429 error.
 *
 * @example
 * ```ts
 * import { isRateLimitError, errorFromStatus } from 'runwatch';
 *
 * console.log(isRateLimitError(errorFromStatus(429, 'Rate limit exceeded')));
 * // Logs: true
 * ```
 */
export const isRateLimitError = guard(RateLimitError, 'RateLimitError');

/**
 * Tells whether a value is a {@link ResponseValidationError}.
 *
 * @param error - anything caught.
 * @returns `true` for a body that was not JSON or did not fit the schema.
 *
 * @example
 * ```ts
 * import { isResponseValidationError, ResponseValidationError } from 'runwatch';
 *
 * console.log(isResponseValidationError(new ResponseValidationError('bad body')));
 * // Logs: true
 * ```
 */
export const isResponseValidationError = guard(ResponseValidationError, 'ResponseValidationError');

/**
 * Tells whether a value is a {@link NetworkError}.
 *
 * @param error - anything caught.
 * @returns `true` when the request got no response.
 *
 * @example
 * ```ts
 * import { isNetworkError, NetworkError } from 'runwatch';
 *
 * console.log(isNetworkError(new NetworkError('ECONNRESET')));
 * // Logs: true
 * ```
 */
export const isNetworkError = guard(NetworkError, 'NetworkError');

/**
 * Tells whether a value is a {@link TimeoutError}.
 *
 * @param error - anything caught.
 * @returns `true` for a request or watch timeout.
 *
 * @example
 * ```ts
 * import { isTimeoutError, TimeoutError } from 'runwatch';
 *
 * console.log(isTimeoutError(new TimeoutError('too slow', { phase: 'request' })));
 * // Logs: true
 * ```
 */
export const isTimeoutError = guard(TimeoutError, 'TimeoutError');

/**
 * Tells whether a value is an {@link ExecutionFailedError}.
 *
 * @param error - anything caught.
 * @returns `true` when an execution ended failed or cancelled.
 *
 * @example
 * ```ts
 * import { isExecutionFailedError } from 'runwatch';
 *
 * console.log(isExecutionFailedError(new Error('x')));
 * // Logs: false
 * ```
 */
export const isExecutionFailedError = guard(ExecutionFailedError, 'ExecutionFailedError');

/**
 * Tells whether a value is a {@link ConfigError}.
 *
 * @param error - anything caught.
 * @returns `true` for an invalid option or argument.
 *
 * @example
 * ```ts
 * import { isConfigError, ConfigError } from 'runwatch';
 *
 * console.log(isConfigError(new ConfigError('Expected `limit` to be positive, got 0')));
 * // Logs: true
 * ```
 */
export const isConfigError = guard(ConfigError, 'ConfigError');
