import type { ExecutionSnapshot } from './model.js';

/**
 * The fields every runwatch error may carry, and what a constructor takes.
 *
 * @example
 * ```ts
 * import { HttpError, type RunwatchErrorOptions } from 'runwatch';
 *
 * const options: RunwatchErrorOptions = { provider: 'eachlabs', status: 409 };
 * console.log(new HttpError('Conflict', options).status);
 * // Logs: 409
 * ```
 */
export interface RunwatchErrorOptions {
  /** The provider the failing call went to. */
  provider?: string | undefined;
  /** The HTTP status, where there was a response. */
  status?: number | undefined;
  /** The execution concerned, where there is one. */
  executionId?: string | undefined;
  /** The provider's request id (e.g. EachLabs `X-Request-Id`), for support tickets. */
  requestId?: string | undefined;
  /** How long the server asked us to wait before the next request, in ms, at most an hour. */
  retryAfterMs?: number | undefined;
  /** The wait the server asked for when it was over the cap (`retryAfterMs` is the cap then), in ms. */
  hintCappedFromMs?: number | undefined;
  /** Whether a watch retries after this error. Defaults per class. */
  retryable?: boolean | undefined;
  /** The underlying error, already stripped of secrets. */
  cause?: unknown;
}

/** The brand every runwatch error carries, so guards work across bundles. */
export const KINDS = Symbol.for('runwatch.error.kinds');

/**
 * The base of every error runwatch throws or emits. It carries the provider and, where
 * there is one, the HTTP status and the execution id — never the API key.
 *
 * @example
 * ```ts
 * import { isRunwatchError } from 'runwatch';
 *
 * try {
 *   await Promise.reject(new Error('not ours'));
 * } catch (error) {
 *   console.log(isRunwatchError(error));
 * }
 * // Logs: false
 * ```
 */
export class RunwatchError extends Error {
  /** The class name, kept through minification; used by the `is…` guards. */
  static readonly kind: string = 'RunwatchError';
  /** The class name (`'RunwatchError'` here, each subclass its own); survives minification, unlike `constructor.name`. */
  override name: string = 'RunwatchError';
  /** The provider the failing call went to. */
  readonly provider: string | undefined;
  /** The HTTP status, where there was a response. */
  readonly status: number | undefined;
  /** The execution concerned, where there is one. */
  readonly executionId: string | undefined;
  /** The provider's request id, where it sent one. */
  readonly requestId: string | undefined;
  /** How long the server asked us to wait, in ms, where it said; capped at an hour. */
  readonly retryAfterMs: number | undefined;
  /** The wait the server asked for, in ms, when it was over the hour `retryAfterMs` is capped at. */
  readonly hintCappedFromMs: number | undefined;
  /** Whether a watch retries (with backoff) after this error instead of failing. */
  readonly retryable: boolean;

  /**
   * @param message - what went wrong, already free of secrets.
   * @param options - the fields to carry.
   */
  constructor(message: string, options: RunwatchErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.provider = options.provider;
    this.status = options.status;
    this.executionId = options.executionId;
    this.requestId = options.requestId;
    this.retryAfterMs = options.retryAfterMs;
    this.hintCappedFromMs = options.hintCappedFromMs;
    this.retryable = options.retryable ?? false;
    // The class names along the prototype chain (from a static field, which minifiers keep,
    // unlike `constructor.name`), so guards work across bundles where `instanceof` does not.
    const kinds: string[] = [];
    for (let p: unknown = new.target; typeof p === 'function' && p !== Error; p = Object.getPrototypeOf(p)) {
      const kind = (p as { kind?: unknown }).kind;
      if (typeof kind === 'string' && !kinds.includes(kind)) kinds.push(kind);
    }
    Object.defineProperty(this, KINDS, { value: kinds, enumerable: false });
  }
}

/**
 * The server answered with an HTTP status that is not a success and no more specific class
 * fits. 408 and 5xx are retryable; other 4xx fail a watch at once.
 *
 * @example
 * ```ts
 * import { HttpError } from 'runwatch';
 *
 * const error = new HttpError('Bad gateway', { provider: 'datalab', status: 502 });
 * console.log(error.name, error.status, error.retryable);
 * // Logs: HttpError 502 true
 * ```
 */
export class HttpError extends RunwatchError {
  /** The class name, kept through minification; used by the `is…` guards. */
  static override readonly kind: string = 'HttpError';
  /** The class name (`'HttpError'` here, each subclass its own); survives minification, unlike `constructor.name`. */
  override name: string = 'HttpError';
  constructor(message: string, options: RunwatchErrorOptions = {}) {
    super(message, { ...options, retryable: options.retryable ?? isRetryableStatus(options.status) });
  }
}

/**
 * 401 or 403: the API key is missing, wrong or not allowed. Never retried.
 *
 * @example
 * ```ts
 * import { AuthenticationError } from 'runwatch';
 *
 * console.log(new AuthenticationError('Invalid or missing API key', { status: 401 }).retryable);
 * // Logs: false
 * ```
 */
export class AuthenticationError extends HttpError {
  /** The class name, kept through minification; used by the `is…` guards. */
  static override readonly kind: string = 'AuthenticationError';
  /** Always `'AuthenticationError'`; survives minification, unlike `constructor.name`. */
  override name = 'AuthenticationError' as const;
  constructor(message: string, options: RunwatchErrorOptions = {}) {
    super(message, { ...options, retryable: false });
  }
}

/**
 * 404: the execution or workflow does not exist (or not for this key). Never retried.
 *
 * @example
 * ```ts
 * import { NotFoundError } from 'runwatch';
 *
 * console.log(new NotFoundError('execution not found', { status: 404, executionId: 'x' }).executionId);
 * // Logs: x
 * ```
 */
export class NotFoundError extends HttpError {
  /** The class name, kept through minification; used by the `is…` guards. */
  static override readonly kind: string = 'NotFoundError';
  /** Always `'NotFoundError'`; survives minification, unlike `constructor.name`. */
  override name = 'NotFoundError' as const;
  constructor(message: string, options: RunwatchErrorOptions = {}) {
    super(message, { ...options, retryable: false });
  }
}

/**
 * 429: too many requests. Retried, no sooner than `retryAfterMs` when the server said.
 *
 * @example
 * ```ts
 * import { RateLimitError } from 'runwatch';
 *
 * const error = new RateLimitError('Rate limit exceeded', { status: 429, retryAfterMs: 30_000 });
 * console.log(error.retryAfterMs);
 * // Logs: 30000
 * ```
 */
export class RateLimitError extends HttpError {
  /** The class name, kept through minification; used by the `is…` guards. */
  static override readonly kind: string = 'RateLimitError';
  /** Always `'RateLimitError'`; survives minification, unlike `constructor.name`. */
  override name = 'RateLimitError' as const;
  constructor(message: string, options: RunwatchErrorOptions = {}) {
    super(message, { status: 429, ...options, retryable: options.retryable ?? true });
  }
}

/**
 * One problem found in a response body, as {@link ResponseValidationError} lists them.
 *
 * @example
 * ```ts
 * import type { ValidationIssue } from 'runwatch';
 *
 * const issue: ValidationIssue = { path: ['steps', 0, 'status'], message: 'expected string', code: 'invalid_type' };
 * console.log(issue.path.join('.'));
 * // Logs: steps.0.status
 * ```
 */
export interface ValidationIssue {
  /** Where in the body, as keys and indexes. */
  path: (string | number)[];
  /** What is wrong there. */
  message: string;
  /** A machine-readable code, as zod gives it. */
  code?: string;
}

/**
 * A response body that is not JSON (retryable: a proxy's error page, a truncated body) or
 * that does not fit the provider's schema (not retryable: polling again will not fix it).
 *
 * @example
 * ```ts
 * import { ResponseValidationError } from 'runwatch';
 *
 * const error = new ResponseValidationError('Unexpected response', {
 *   issues: [{ path: ['execution', 'status'], message: 'Expected string' }],
 * });
 * console.log(error.issues[0]?.path.join('.'));
 * // Logs: execution.status
 * ```
 */
export class ResponseValidationError extends RunwatchError {
  /** The class name, kept through minification; used by the `is…` guards. */
  static override readonly kind: string = 'ResponseValidationError';
  /** Always `'ResponseValidationError'`; survives minification, unlike `constructor.name`. */
  override name = 'ResponseValidationError' as const;
  /** What was wrong, one entry per problem. */
  readonly issues: ValidationIssue[];
  constructor(message: string, options: RunwatchErrorOptions & { issues?: ValidationIssue[] } = {}) {
    super(message, options);
    this.issues = options.issues ?? [];
  }
}

/**
 * The request never got a response: DNS, refused or reset connection, CORS. Retryable.
 *
 * @example
 * ```ts
 * import { NetworkError } from 'runwatch';
 *
 * console.log(new NetworkError('socket hang up').retryable);
 * // Logs: true
 * ```
 */
export class NetworkError extends RunwatchError {
  /** The class name, kept through minification; used by the `is…` guards. */
  static override readonly kind: string = 'NetworkError';
  /** Always `'NetworkError'`; survives minification, unlike `constructor.name`. */
  override name = 'NetworkError' as const;
  constructor(message: string, options: RunwatchErrorOptions = {}) {
    super(message, { ...options, retryable: options.retryable ?? true });
  }
}

/**
 * Something took too long. `phase: 'request'` is one request over `requestTimeoutMs`
 * (retryable); `phase: 'watch'` is a watch that reached `maxWaitMs` before a terminal status.
 *
 * @example
 * ```ts
 * import { TimeoutError } from 'runwatch';
 *
 * const error = new TimeoutError('No terminal status within 60000 ms', { phase: 'watch' });
 * console.log(error.phase, error.retryable);
 * // Logs: watch false
 * ```
 */
export class TimeoutError extends RunwatchError {
  /** The class name, kept through minification; used by the `is…` guards. */
  static override readonly kind: string = 'TimeoutError';
  /** Always `'TimeoutError'`; survives minification, unlike `constructor.name`. */
  override name = 'TimeoutError' as const;
  /** Whether one request or the whole watch ran out of time. */
  readonly phase: 'request' | 'watch';
  constructor(message: string, options: RunwatchErrorOptions & { phase: 'request' | 'watch' }) {
    super(message, { ...options, retryable: options.retryable ?? options.phase === 'request' });
    this.phase = options.phase;
  }
}

/**
 * The execution ended `failed` or `cancelled`; thrown by {@link throwOnFailure} and
 * {@link waitForTerminal}. The final snapshot is attached.
 *
 * @example
 * ```ts
 * import { ExecutionFailedError, type ExecutionSnapshot } from 'runwatch';
 *
 * declare const snapshot: ExecutionSnapshot;
 * const error = new ExecutionFailedError(snapshot);
 * console.log(error.snapshot === snapshot);
 * // Logs: true
 * ```
 */
export class ExecutionFailedError extends RunwatchError {
  /** The class name, kept through minification; used by the `is…` guards. */
  static override readonly kind: string = 'ExecutionFailedError';
  /** Always `'ExecutionFailedError'`; survives minification, unlike `constructor.name`. */
  override name = 'ExecutionFailedError' as const;
  /** The terminal snapshot. */
  readonly snapshot: ExecutionSnapshot;
  constructor(snapshot: ExecutionSnapshot) {
    const reason = snapshot.error?.message ? `: ${snapshot.error.message}` : '';
    super(`Execution ${snapshot.executionId} ${snapshot.status}${reason}`, {
      provider: snapshot.provider,
      executionId: snapshot.executionId,
    });
    this.snapshot = snapshot;
  }
}

/**
 * An option or argument is invalid: thrown synchronously when a client or watch is created,
 * naming the option and the value.
 *
 * @example
 * ```ts
 * import { ConfigError, watchExecution } from 'runwatch';
 *
 * try {
 *   watchExecution({ id: 'x', fetchSnapshot: async () => { throw new Error(); } }, { backoff: { initialDelayMs: -1 } });
 * } catch (error) {
 *   console.log(error instanceof ConfigError);
 * }
 * // Logs: true
 * ```
 */
export class ConfigError extends RunwatchError {
  /** The class name, kept through minification; used by the `is…` guards. */
  static override readonly kind: string = 'ConfigError';
  /** Always `'ConfigError'`; survives minification, unlike `constructor.name`. */
  override name = 'ConfigError' as const;
  /** The option at fault. */
  readonly option: string | undefined;
  constructor(message: string, options: RunwatchErrorOptions & { option?: string } = {}) {
    super(message, options);
    this.option = options.option;
  }
}

/** Whether a response status is worth retrying: 408, 429 and 5xx. */
function isRetryableStatus(status: number | undefined): boolean {
  return status === 408 || status === 429 || (status !== undefined && status >= 500);
}

/**
 * Makes the error class that fits an HTTP status: 401/403 {@link AuthenticationError},
 * 404 {@link NotFoundError}, 429 {@link RateLimitError}, anything else {@link HttpError}.
 *
 * @param status - the response status.
 * @param message - the message, already free of secrets.
 * @param options - the other fields.
 * @returns the error, not thrown.
 *
 * @example
 * ```ts
 * import { errorFromStatus } from 'runwatch';
 *
 * console.log(errorFromStatus(404, 'execution not found').name);
 * // Logs: NotFoundError
 * ```
 */
export function errorFromStatus(status: number, message: string, options: RunwatchErrorOptions = {}): HttpError {
  const o = { ...options, status };
  if (status === 401 || status === 403) return new AuthenticationError(message, o);
  if (status === 404) return new NotFoundError(message, o);
  if (status === 429) return new RateLimitError(message, o);
  return new HttpError(message, o);
}
