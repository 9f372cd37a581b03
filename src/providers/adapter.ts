import type { RateLimitOptions } from '../core/budget.js';
import type { ExecutionSnapshot } from '../core/model.js';
import type { ErrorDetails } from '../transport/http.js';

/**
 * One request to a provider, relative to its base URL: data, which the client sends.
 *
 * @example
 * ```ts
 * import type { ProviderRequest } from 'runwatch';
 *
 * const request: ProviderRequest = { path: ['jobs', '42'], executionId: '42' };
 * console.log(request.path.join('/'));
 * // Logs: jobs/42
 * ```
 */
export interface ProviderRequest {
  /** @defaultValue `'GET'` */
  method?: 'GET' | 'POST';
  /** Path segments after the base URL's path; each is percent-encoded, so an id cannot climb to another endpoint. */
  path: readonly (string | number)[];
  /** Query parameters; `undefined` values are left out. */
  query?: Record<string, string | number | undefined>;
  /** Sent as JSON. */
  body?: unknown;
  /**
   * The request budget this request spends: requests of one scope share one budget.
   * @defaultValue `''`, one budget for the whole client (ModelsLab's is per workflow)
   */
  scope?: string;
  /** The execution concerned, named in errors. */
  executionId?: string;
}

/**
 * One problem a schema found, in the shape zod reports it.
 *
 * @example
 * ```ts
 * import type { SchemaIssue } from 'runwatch';
 *
 * const issue: SchemaIssue = { code: 'invalid_type', path: ['status'], message: 'Invalid input', expected: 'string' };
 * console.log(issue.path);
 * // Logs: [ 'status' ]
 * ```
 */
export interface SchemaIssue {
  /** zod's issue code, e.g. `invalid_type`. */
  code: string;
  /** Where in the body. */
  path: readonly PropertyKey[];
  /** zod's message. */
  message: string;
  /** For `invalid_type`: the type expected. */
  expected?: unknown;
  /** For `invalid_value`: the values allowed. */
  values?: unknown;
}

/**
 * Anything with zod's `safeParse`: a zod (or zod/mini) schema fits.
 *
 * @typeParam T - the validated type.
 *
 * @example
 * ```ts
 * import * as z from 'zod/mini';
 * import type { Schema } from 'runwatch';
 *
 * const Job: Schema<{ id: string }> = z.looseObject({ id: z.string() });
 * console.log(Job.safeParse({ id: 'a' }).success);
 * // Logs: true
 * ```
 */
export interface Schema<T> {
  /** Validates `data`; never throws. */
  safeParse(data: unknown):
    | {
        /** It fits. */
        success: true;
        /** The validated value. */
        data: T;
      }
    | {
        /** It does not fit. */
        success: false;
        /** What was wrong. */
        error: {
          /** One per problem. */
          issues: readonly SchemaIssue[];
        };
      };
}

/**
 * One call to a provider: how to ask, what the answer must look like, and what to make of
 * it. Pure: the client does the I/O, the budget and the errors.
 *
 * @typeParam In - what the call is made with (a reference, a start request).
 * @typeParam Out - what it gives back.
 * @typeParam Body - the validated response body.
 *
 * @example
 * ```ts
 * import * as z from 'zod/mini';
 * import type { Endpoint } from 'runwatch';
 *
 * const Job = z.looseObject({ id: z.string(), state: z.string() });
 * const jobState: Endpoint<string, string, z.output<typeof Job>> = {
 *   what: 'job',
 *   request: (id) => ({ path: ['jobs', id], executionId: id }),
 *   schema: Job,
 *   read: (body) => body.state,
 * };
 * console.log(jobState.request('42').path);
 * // Logs: [ 'jobs', '42' ]
 * ```
 */
export interface Endpoint<In, Out, Body = unknown> {
  /** Names the body in error messages (`unexpected job body at …`). */
  what: string;
  /** The request for an input. */
  request(input: In): ProviderRequest;
  /** The shape a successful body must have. */
  schema: Schema<Body>;
  /** Turns the validated body into the result. Pure. */
  read(body: Body, input: In): Out;
  /**
   * Whether an empty success body (a proxy's 204) is a success, read as `undefined` body.
   * @defaultValue false: an empty body is a transient failure
   */
  emptyOk?: boolean;
}

/**
 * What a provider is, as data and small pure functions: its name, base URL, auth, budget,
 * error bodies, references and status endpoint. {@link createClient} turns it into a
 * client that polls, shares, budgets, retries and validates; the adapter does no I/O and
 * keeps no timers. Extras (start, cancel, list) are {@link Endpoint}s of its own that the
 * provider's factory calls through the client.
 *
 * @typeParam Ref - a checked reference to one execution.
 * @typeParam S - the snapshot the status endpoint gives.
 * @typeParam RefIn - what users pass as a reference, before checking.
 *
 * @example
 * ```ts
 * import * as z from 'zod/mini';
 * import { ConfigError, type ExecutionSnapshot, type ProviderAdapter } from 'runwatch';
 *
 * const Job = z.looseObject({ id: z.string(), state: z.string() });
 * const acme: ProviderAdapter<string, ExecutionSnapshot> = {
 *   name: 'acme',
 *   baseUrl: 'https://api.acme.test/v1',
 *   authHeaders: (apiKey) => ({ authorization: `Bearer ${apiKey}` }),
 *   readError: (body) => ({ message: (body as { error?: string } | null)?.error }),
 *   parseRef: (value) => {
 *     if (typeof value !== 'string' || value === '') throw new ConfigError('Expected a job id', { provider: 'acme' });
 *     return value;
 *   },
 *   status: {
 *     what: 'job',
 *     request: (id) => ({ path: ['jobs', id], executionId: id }),
 *     schema: Job,
 *     read: (body) => ({
 *       provider: 'acme', executionId: body.id, status: body.state === 'done' ? 'completed' : 'running',
 *       rawStatus: body.state, steps: [], raw: body,
 *     }),
 *   },
 * };
 * console.log(acme.status.request('7').path);
 * // Logs: [ 'jobs', '7' ]
 * ```
 */
export interface ProviderAdapter<Ref, S extends ExecutionSnapshot, RefIn = Ref> {
  /** The provider's name, as in `ExecutionSnapshot.provider` and every error's `provider`. */
  readonly name: string;
  /** The documented base URL, path included; `ClientOptions.baseUrl` replaces it. */
  readonly baseUrl: string;
  /** The auth headers for a key; sent only to the base URL's origin. */
  authHeaders(apiKey: string): Record<string, string>;
  /** The documented request budget; `ClientOptions.rateLimit` replaces it. @defaultValue none */
  readonly budget?: RateLimitOptions | undefined;
  /** Reads the message, code and wait out of a parsed error body. */
  readError(body: unknown): ErrorDetails;
  /** Tells a 2xx body that reports a failure (ModelsLab's `status: "error"` envelope). @defaultValue none is */
  isErrorBody?(body: unknown): boolean;
  /** The wait after a 429 that names none, in ms (Datalab documents 60 s). @defaultValue backoff alone */
  readonly rateLimitWaitMs?: number | undefined;
  /** Checks a user's reference synchronously; throws a `ConfigError` carrying the provider. */
  parseRef(value: RefIn): Ref;
  /** How to read one execution's state. Its request's path identifies the execution. */
  readonly status: Endpoint<Ref, S, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- each adapter's own body type
}
