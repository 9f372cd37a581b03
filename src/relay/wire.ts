// What the relay (runwatch/server) and fromRelay (runwatch) agree on: the SSE event names and
// how a watch error crosses the wire. Each side imports only its half, so a browser bundle that
// uses fromRelay carries no server code.
import {
  AuthenticationError,
  ConfigError,
  HttpError,
  NetworkError,
  NotFoundError,
  RateLimitError,
  ResponseValidationError,
  RunwatchError,
  TimeoutError,
  type RunwatchErrorOptions,
} from '../core/errors.js';
import { isRunwatchError } from '../core/error-guards.js';

/** The SSE event that carries one `ExecutionUpdate` as JSON. */
export const UPDATE_EVENT = 'update';
/** The SSE event that carries the error that ended the watch, as a {@link WireError}. */
export const ERROR_EVENT = 'watch-error';

/** A runwatch error as JSON: the fields a viewer may see, nothing else (no cause, no request). */
export interface WireError {
  name: string;
  message: string;
  status?: number;
  provider?: string;
  executionId?: string;
  retryable?: boolean;
  retryAfterMs?: number;
  phase?: 'request' | 'watch';
}

/**
 * Picks the fields a viewer may see. Anything that is not a runwatch error (a bug, a user's
 * own client throwing) is not described at all: its message could hold anything.
 */
export function toWireError(error: unknown): WireError {
  if (!isRunwatchError(error)) return { name: 'RunwatchError', message: 'The watch failed on the relay' };
  const wire: WireError = { name: error.name, message: error.message, retryable: error.retryable };
  if (error.status !== undefined) wire.status = error.status;
  if (error.provider !== undefined) wire.provider = error.provider;
  if (error.executionId !== undefined) wire.executionId = error.executionId;
  if (error.retryAfterMs !== undefined) wire.retryAfterMs = error.retryAfterMs;
  const phase = (error as { phase?: unknown }).phase;
  if (phase === 'request' || phase === 'watch') wire.phase = phase;
  return wire;
}

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const num = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);

/** Rebuilds the typed error a {@link WireError} describes, so `isNotFoundError` and the rest work. */
export function fromWireError(body: unknown): RunwatchError {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const message = str(b['message']) ?? 'The relay reported an error without a message';
  const options: RunwatchErrorOptions = {
    status: num(b['status']),
    provider: str(b['provider']),
    executionId: str(b['executionId']),
    retryAfterMs: num(b['retryAfterMs']),
    retryable: typeof b['retryable'] === 'boolean' ? b['retryable'] : undefined,
  };
  switch (b['name']) {
    case 'AuthenticationError':
      return new AuthenticationError(message, options);
    case 'NotFoundError':
      return new NotFoundError(message, options);
    case 'RateLimitError':
      return new RateLimitError(message, options);
    case 'HttpError':
      return new HttpError(message, options);
    case 'ResponseValidationError':
      return new ResponseValidationError(message, options);
    case 'NetworkError':
      return new NetworkError(message, options);
    case 'ConfigError':
      return new ConfigError(message, options);
    case 'TimeoutError':
      return new TimeoutError(message, { ...options, phase: b['phase'] === 'request' ? 'request' : 'watch' });
    default:
      return new RunwatchError(message, options);
  }
}
