import { describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  ExecutionFailedError,
  HttpError,
  NotFoundError,
  RateLimitError,
  RunwatchError,
  errorFromStatus,
  isAuthenticationError,
  isHttpError,
  isNotFoundError,
  isRateLimitError,
  isRunwatchError,
} from '../../src/index.js';
import { snap } from '../helpers/snapshots.js';

describe('errors', () => {
  it('builds the class that fits the status', () => {
    expect(errorFromStatus(401, 'x')).toBeInstanceOf(AuthenticationError);
    expect(errorFromStatus(403, 'x')).toBeInstanceOf(AuthenticationError);
    expect(errorFromStatus(404, 'x')).toBeInstanceOf(NotFoundError);
    expect(errorFromStatus(429, 'x')).toBeInstanceOf(RateLimitError);
    expect(errorFromStatus(418, 'x').constructor).toBe(HttpError);
  });

  it('names each class and keeps the tree', () => {
    const e = new RateLimitError('slow', { provider: 'p' });
    expect(e.name).toBe('RateLimitError');
    expect(e).toBeInstanceOf(HttpError);
    expect(e).toBeInstanceOf(RunwatchError);
    expect(e).toBeInstanceOf(Error);
    expect(e.status).toBe(429);
  });

  it('guards recognise errors from another copy of the library (no shared prototype)', () => {
    const foreign = Object.assign(new Error('x'), { name: 'NotFoundError' });
    Object.defineProperty(foreign, Symbol.for('runwatch.error.kinds'), {
      value: ['NotFoundError', 'HttpError', 'RunwatchError'],
    });
    expect(isNotFoundError(foreign)).toBe(true);
    expect(isHttpError(foreign)).toBe(true);
    expect(isRunwatchError(foreign)).toBe(true);
    expect(isRateLimitError(foreign)).toBe(false);
    expect(isAuthenticationError({ name: 'AuthenticationError' })).toBe(false);
    expect(isRunwatchError(null)).toBe(false);
  });

  it('attaches the final snapshot to ExecutionFailedError', () => {
    const s = snap('failed', [], { error: { message: 'Invalid prompt' } });
    const e = new ExecutionFailedError(s);
    expect(e.snapshot).toBe(s);
    expect(e.message).toBe('Execution e1 failed: Invalid prompt');
    expect(e.executionId).toBe('e1');
  });
});
