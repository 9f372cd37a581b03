import {
  ConfigError,
  HttpError,
  NetworkError,
  RateLimitError,
  ResponseValidationError,
  RunwatchError,
  TimeoutError,
  errorFromStatus,
  type ValidationIssue,
} from '../core/errors.js';
import { assertPositive, describe, fail } from '../core/options.js';
import { MAX_TIMER_MS, readHint } from '../core/backoff.js';
import { DEFAULT_MAX_BODY_BYTES, bodyReader, readText } from './body.js';
import { checkHeaders, checkOwnHeaders, parseBaseUrl } from './checks.js';
import { abortError, defaultFetch, type FetchLike } from './fetch.js';
import { redactError, scrubJson, scrubber, type Scrubber } from './redact.js';

export type { FetchLike } from './fetch.js';

/**
 * What a provider reads out of an error body: the transport knows no provider's body shapes,
 * it asks the adapter's `readError`.
 *
 * @example
 * ```ts
 * import type { ErrorDetails } from 'runwatch';
 *
 * const readError = (body: unknown): ErrorDetails => ({ message: (body as { error?: string } | null)?.error });
 * console.log(readError({ error: 'execution not found' }).message);
 * // Logs: execution not found
 * ```
 */
export interface ErrorDetails {
  /** The provider's message for the failure. */
  message?: string | undefined;
  /** The provider's error code, where it gives one. */
  code?: string | undefined;
  /** A wait the body asks for (ModelsLab's `retry_after`), in ms; a negative or `NaN` one is no hint. */
  retryAfterMs?: number | undefined;
  /**
   * The HTTP status a 2xx body that reports a failure stands for (ModelsLab answers a bad key
   * with `status: "error"` at HTTP 200: 401): it picks the error's class and `status`.
   */
  status?: number | undefined;
}

/** How a provider's transport is set up. Internal: providers build it from ClientOptions. */
export interface HttpOptions {
  provider: string;
  /** The documented base, path included; requests append to its path. */
  baseUrl: string;
  /** Secrets to scrub from anything that leaves this module (the API key). */
  secrets: string[];
  /** Auth headers, sent only to `baseUrl`'s origin. */
  authHeaders: Record<string, string>;
  /** The user's extra headers, sent only to `baseUrl`'s origin. */
  headers?: Record<string, string> | undefined;
  fetch?: FetchLike | undefined;
  /** Bounds each whole request, headers and body. */
  requestTimeoutMs: number;
  /** The largest body read, in bytes; over it is a {@link ResponseValidationError} (`too_big`). @defaultValue 8 MiB */
  maxBodyBytes?: number | undefined;
  /** Reads the message (and hints) out of a parsed error body; the provider knows its shapes. */
  readError?: ((body: unknown) => ErrorDetails) | undefined;
  /** Tells a 2xx body that reports a failure (ModelsLab's `status: "error"` envelope). */
  isErrorBody?: ((body: unknown) => boolean) | undefined;
  /** The wait after a 429 that names none, in ms (Datalab documents 60 s). */
  defaultRetryAfterMs?: number | undefined;
}

/** One request, relative to the base URL. */
export interface HttpRequest {
  method?: 'GET' | 'POST' | 'DELETE';
  /** Path segments, each percent-encoded here, so an id can never climb to another endpoint. */
  path: readonly (string | number)[];
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  executionId?: string | undefined;
}

/** What a download needs besides its URL: the caller's signal, and a name for errors. */
interface Context {
  signal?: AbortSignal | undefined;
  executionId?: string | undefined;
}

/** A parsed response. */
export interface HttpResponse {
  status: number;
  headers: Headers;
  body: unknown;
  requestId: string | undefined;
}

/** The issue of a body that is not JSON; a fresh one each time, as users may keep and change it. */
const invalidJson = (): ValidationIssue => ({ path: [], message: 'Invalid JSON', code: 'invalid_json' });

/** The default request timeout: long enough for a slow provider, short enough to notice a hung socket. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/**
 * The transport every provider shares: builds the URL, attaches auth for the provider's own
 * origin only and follows no redirect, bounds each whole request (headers and body) by a
 * timeout and each body by a size cap, parses JSON and turns failures into the error tree,
 * with every secret scrubbed from bodies, messages, fields and causes.
 */
export class HttpClient {
  readonly provider: string;
  readonly baseUrl: URL;
  /** Replaces every form of every secret in a text. */
  readonly scrub: Scrubber;
  private readonly options: HttpOptions;
  /** The base's origin and path without a trailing slash: each request appends `/segment`s. */
  private readonly base: string;
  /** What every request to the base sends: JSON wanted, the user's headers, the auth headers. */
  private readonly headers: Record<string, string>;

  constructor(options: HttpOptions) {
    this.options = options;
    this.provider = options.provider;
    this.baseUrl = parseBaseUrl(options.baseUrl, options.provider);
    this.base = this.baseUrl.origin + this.baseUrl.pathname.replace(/\/+$/, '');
    this.scrub = scrubber(options.secrets);
    // Every URL a request goes to is under the base, so at its origin: auth headers go too.
    this.headers = { accept: 'application/json', ...options.headers, ...options.authHeaders };
    assertPositive('requestTimeoutMs', options.requestTimeoutMs, MAX_TIMER_MS, options.provider);
    if (options.maxBodyBytes !== undefined)
      assertPositive('maxBodyBytes', options.maxBodyBytes, undefined, options.provider);
    if (options.fetch !== undefined && typeof options.fetch !== 'function')
      fail('fetch', 'a function', options.fetch, options.provider);
    checkHeaders('headers', options.headers ?? {}, options.provider);
    checkHeaders('apiKey', options.authHeaders, options.provider);
    checkOwnHeaders(options.headers ?? {}, options.authHeaders, options.provider);
  }

  /**
   * The URL a request goes to, as a string: each segment percent-encoded onto the base's path,
   * the query as a form. Never carries a secret. Built by hand, not through `URL` (a parse and
   * two serializations a poll): test/transport/http.test.ts holds the two equal.
   */
  url(path: readonly (string | number)[], query?: HttpRequest['query']): string {
    let url = this.base;
    for (const p of path) {
      const segment = String(p);
      // URL parsing resolves `.` and `..` segments (encoded or not), so no encoding can keep them in place.
      if (segment === '.' || segment === '..')
        throw new ConfigError(`Expected an id other than ${describe(segment)}`, {
          option: 'id',
          provider: this.provider,
        });
      url += `/${encodeURIComponent(segment)}`;
    }
    if (query === undefined) return url;
    const search = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) search.set(k, String(v));
    const form = search.toString();
    return form === '' ? url : `${url}?${form}`;
  }

  /**
   * Sends a request to the provider, with auth, and returns the parsed JSON body. A redirect
   * is refused, never followed: the key goes to `baseUrl`'s origin only, and a body from
   * elsewhere is not the provider's. `signal` aborts it; `emptyOk`: an empty 2xx body is an
   * answer (read as `undefined`), not a transient failure.
   */
  async request(req: HttpRequest, signal?: AbortSignal, emptyOk = false): Promise<HttpResponse> {
    try {
      const url = this.url(req.path, req.query);
      // A copy each time: a user's fetch may write to the headers it is given.
      const headers: Record<string, string> = { ...this.headers };
      const init: RequestInit = { method: req.method ?? 'GET', headers, redirect: 'manual' };
      if (req.body !== undefined) {
        headers['content-type'] = 'application/json';
        try {
          init.body = JSON.stringify(req.body);
        } catch {
          throw new ConfigError('Expected a JSON-serializable body', { option: 'body', provider: this.provider });
        }
      }
      const { response, text } = await this.exchange(url, init, signal, req.executionId);
      return this.read(response, text, req, url, emptyOk);
    } catch (error) {
      // What redacted() does, inline: every poll comes this way, and that takes a closure each.
      throw redactError(error, this.options.secrets);
    }
  }

  /**
   * Fetches a URL of another origin (a presigned output): no API key, no provider headers.
   * Returns the parsed JSON when the content type says JSON, the text otherwise.
   */
  download(url: URL, ctx: Context): Promise<unknown> {
    return this.redacted(async () => {
      const { provider } = this;
      const init = { headers: { accept: 'application/json, */*' } };
      const { response, text } = await this.exchange(url.href, init, ctx.signal, ctx.executionId);
      const { status, ok } = response;
      const fields = { provider, executionId: ctx.executionId, retryable: false };
      if (!ok) {
        const why =
          status === 403 || status === 404
            ? `URL has expired or is gone (HTTP ${status}); fetch the execution again for a fresh one`
            : `download failed (HTTP ${status})`;
        throw errorFromStatus(status, `${provider}: output ${why}`, fields);
      }
      if (!/\bjson\b/i.test(response.headers.get('content-type') ?? '')) return this.scrub(text);
      try {
        return this.parse(text);
      } catch {
        throw new ResponseValidationError(`${provider}: output is not valid JSON`, {
          ...fields,
          issues: [invalidJson()],
        });
      }
    });
  }

  /** Runs `work` and scrubs whatever it throws (message, stack, fields, issues, causes) of every secret. */
  private async redacted<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw redactError(error, this.options.secrets);
    }
  }

  /**
   * One exchange, headers and body, under one deadline: `requestTimeoutMs` bounds the whole
   * of it, so a server that sends headers and then stalls is a {@link TimeoutError} too. The
   * deadline and the caller's abort reject the step in flight (the fetch, or the body read) at
   * once, so a `fetch` that ignores its signal cannot hold a watch either; once aborted,
   * nothing is called at all. A redirect (with `redirect: 'manual'`) is refused unread. The
   * text comes back as it came: scrub it before it goes anywhere (or parse it with `parse`).
   */
  private async exchange(
    url: string,
    init: RequestInit,
    signal: AbortSignal | undefined,
    executionId: string | undefined,
  ): Promise<{ response: Response; text: string }> {
    const { provider } = this;
    const {
      fetch = await defaultFetch(),
      requestTimeoutMs: ms,
      maxBodyBytes: max = DEFAULT_MAX_BODY_BYTES,
    } = this.options;
    if (signal?.aborted) throw signal.reason ?? abortError();
    const controller = new AbortController();
    let failure: Error | undefined;
    let interrupt: ((error: Error) => void) | undefined;
    let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
    const stop = (error: Error): void => {
      failure ??= error;
      interrupt?.(failure);
      controller.abort(failure);
      void reader?.cancel(failure).catch(() => {});
    };
    /** Throws the deadline's or the caller's error once either has come. */
    const check = (): void => {
      if (failure !== undefined) throw failure;
    };
    /** Awaits `work`, or the deadline or the caller's abort if either comes first: one promise. */
    const step = <T>(work: Promise<T>): Promise<T> => {
      if (failure !== undefined) return Promise.reject(failure);
      return new Promise<T>((resolve, reject) => {
        interrupt = reject;
        work.then(resolve, reject);
      });
    };
    const timer = setTimeout(
      () =>
        stop(
          new TimeoutError(`${provider}: request timed out after ${ms} ms`, {
            provider,
            executionId,
            phase: 'request',
          }),
        ),
      ms,
    );
    const onAbort = (): void => stop((signal?.reason as Error | undefined) ?? abortError());
    signal?.addEventListener('abort', onAbort);
    let response: Response | undefined;
    let answer: Promise<Response> | undefined;
    try {
      init.signal = controller.signal;
      answer = fetch(url, init);
      response = await step(answer);
      const { status } = response;
      const fields = { provider, executionId, status };
      // 304 Not Modified is no redirect (and no answer to a request without a condition): it
      // goes on as the error of its status.
      if (init.redirect && (response.type === 'opaqueredirect' || (status > 299 && status < 400 && status !== 304))) {
        void response.body?.cancel().catch(() => {});
        const to = response.headers.get('location') ?? 'elsewhere';
        throw new HttpError(`${provider}: redirect refused (HTTP ${status} to ${to}); set \`baseUrl\``, {
          ...fields,
          retryable: true,
        });
      }
      let overCap: Error | undefined;
      const tooLarge = (): Error =>
        (overCap = new ResponseValidationError(`${provider}: response body over ${max} bytes (\`maxBodyBytes\`)`, {
          ...fields,
          issues: [{ path: [], message: `over ${max} bytes`, code: 'too_big' }],
        }));
      check(); // before the body is touched
      reader = bodyReader(response);
      let text: string;
      try {
        text = await step(readText(response, reader, max, tooLarge));
      } catch (error) {
        // An error answer's status says what happened (a 503, a 429 and its hint); a body over
        // the cap (a proxy's page) only loses its message, left unread.
        if (response.ok || error !== overCap) throw error;
        text = '';
      }
      check();
      return { response, text };
    } catch (error) {
      if (failure !== undefined) {
        // The deadline, or the caller's abort. A fetch that ignored its signal may still
        // answer: that body is cancelled unread, not left holding its socket.
        if (response === undefined)
          void answer?.then(
            (late) => late.body?.cancel().catch(() => {}),
            () => {},
          );
        throw failure;
      }
      if (error instanceof RunwatchError) throw error;
      const reason = response
        ? 'response body was cut off'
        : `request failed: ${(error as Error | undefined)?.message ?? String(error)}`;
      throw new NetworkError(`${provider}: ${reason}`, {
        provider,
        executionId,
        status: response?.status,
        cause: error,
      });
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /**
   * Parses a JSON text and scrubs its strings: a key it echoes, however its encoder escaped it,
   * reaches no snapshot, issue path or error. Most bodies hold no trace of one: they are not walked.
   */
  private parse(text: string): unknown {
    const body = JSON.parse(text) as unknown;
    return this.scrub.mayHold(text) ? scrubJson(body, this.scrub) : body;
  }

  /** Reads an exchanged body: parsed and scrubbed, and only a scrubbed text quoted in an error. */
  private read(response: Response, text: string, req: HttpRequest, url: string, emptyOk: boolean): HttpResponse {
    const { status, headers } = response;
    const requestId = headers.get('x-request-id') ?? undefined;
    const empty = text.trim() === '';
    let body: unknown;
    let parsed = !empty;
    try {
      body = parsed ? this.parse(text) : undefined;
    } catch {
      parsed = false;
    }
    const fields = { provider: this.provider, executionId: req.executionId, requestId, status };
    if (!response.ok || (parsed && this.options.isErrorBody?.(body) === true)) {
      const details = parsed ? (this.options.readError?.(body) ?? {}) : {};
      const hint = readHint(
        [parseRetryAfter(headers.get('retry-after')), details.retryAfterMs],
        status === 429 ? this.options.defaultRetryAfterMs : undefined,
      );
      const what =
        details.message ??
        (response.ok ? undefined : parsed || empty ? response.statusText : this.scrub(text).slice(0, 200));
      const path = url.slice(this.baseUrl.origin.length).split('?', 1)[0];
      const message = `${this.provider}: ${what || 'request failed'} (HTTP ${status}, ${req.method ?? 'GET'} ${path})`;
      const error = { ...fields, ...hint };
      if (!response.ok) throw errorFromStatus(status, message, error);
      // A 2xx that says it failed: the status it stands for, if it says; a hint to wait means
      // "slow down"; anything else is final.
      if (details.status !== undefined) throw errorFromStatus(details.status, message, error);
      throw hint.retryAfterMs === undefined ? new HttpError(message, error) : new RateLimitError(message, error);
    }
    if (!parsed && !(empty && emptyOk)) {
      // Transient: a proxy's error page, a body cut short, a 200 with nothing in it.
      throw new ResponseValidationError(
        `${this.provider}: response body is ${empty ? 'empty' : 'not valid JSON'} (HTTP ${status})`,
        { ...fields, retryable: true, issues: [invalidJson()] },
      );
    }
    return { status, headers, body, requestId };
  }
}

const NUMERIC = /^\s*[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*$/i;

/**
 * Reads seconds given as a number or a numeric string (`30`, `"1.5"`, `"1e308"`) as ms.
 *
 * @returns the ms, possibly negative or infinite (hints are judged by `readHint`); `undefined` for anything else.
 */
export function secondsToMs(value: unknown): number | undefined {
  const n = typeof value === 'string' && NUMERIC.test(value) ? Number(value) : value;
  return typeof n === 'number' ? n * 1000 : undefined;
}

/**
 * Parses a `Retry-After` header: delay-seconds or an HTTP date.
 *
 * @returns the delay in ms; `undefined` when absent, unreadable, negative or in the past.
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value == null) return undefined;
  const ms = secondsToMs(value) ?? Date.parse(value.trim()) - now;
  return ms >= 0 ? ms : undefined;
}
