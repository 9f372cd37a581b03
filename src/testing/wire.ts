// What the per-provider dialects share: the reply shape, route matching, time formats.
import type { IncomingHttpHeaders } from 'node:http';
import type { ExecutionStore } from './execution.js';
import type { OutputSigner } from './outputs.js';
import type { SimulatedProvider } from './script.js';

/** A response before it is written: JSON by default, raw bytes when `raw` is set. */
export interface Reply {
  status: number;
  json?: unknown;
  raw?: string | Uint8Array;
  contentType?: string;
  headers?: Record<string, string>;
}

/**
 * Which endpoint a request reached, as logged in `Simulator.requests`.
 *
 * @example
 * ```ts
 * import type { SimulatorEndpoint } from 'runwatch/testing';
 *
 * const polls: SimulatorEndpoint[] = ['status', 'list'];
 * console.log(polls.includes('status'));
 * // Logs: true
 * ```
 */
export type SimulatorEndpoint =
  | 'status'
  | 'list'
  | 'run'
  | 'trigger'
  | 'bulk-trigger'
  | 'execute'
  | 'cancel'
  | 'output'
  | 'file'
  | 'preflight'
  | 'index'
  | 'unknown';

/**
 * What the simulator made of a request's auth header: the right key, no key, or a wrong one.
 *
 * @example
 * ```ts
 * import type { AuthOutcome } from 'runwatch/testing';
 *
 * const outcome: AuthOutcome = 'missing';
 * console.log(outcome);
 * // Logs: missing
 * ```
 */
export type AuthOutcome = 'ok' | 'missing' | 'invalid';

/** A request body as read: absent, JSON, or not JSON. */
export type RequestBody = { kind: 'none' } | { kind: 'json'; value: unknown } | { kind: 'invalid' };

/** What a handler may use. */
export interface RequestContext {
  /** The simulator's clock at arrival. */
  now: number;
  /** `http://127.0.0.1:PORT`. */
  origin: string;
  query: URLSearchParams;
  body: RequestBody;
  store: ExecutionStore;
  signer: OutputSigner;
  /** The `X-Request-Id` of this request, for providers that send one. */
  requestId: string;
  /** A fresh seeded UUID (EachLabs bulk ids). */
  uuid(): string;
}

/** A matched endpoint. */
export interface Route {
  endpoint: SimulatorEndpoint;
  /** The bucket rate limits count in (ModelsLab limits per workflow). */
  rateKey: string;
  executionId?: string;
  handle(ctx: RequestContext): Reply;
}

/** One provider API (one base URL): auth, error bodies, routes. */
export interface Dialect {
  provider: SimulatedProvider;
  api?: 'legacy' | 'current';
  /** The path the client's `baseUrl` points at. */
  prefix: string;
  auth(headers: IncomingHttpHeaders, apiKey: string): AuthOutcome;
  unauthorized(outcome: Exclude<AuthOutcome, 'ok'>, requestId: string): Reply;
  /** The provider's error body for any status. */
  error(status: number, message: string, requestId: string): Reply;
  /** The provider's 429, with its hint. */
  rateLimited(retryAfterSeconds: number, requestId: string): Reply;
  /** A route, `{ allow }` when the path exists under another method, or `undefined`. */
  match(method: string, segments: readonly string[]): Route | { allow: string[] } | undefined;
}

/** `2025-12-04T11:48:10Z`: ISO 8601 UTC to the second, as ModelsLab and EachLabs write it. */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** `2025-10-22T10:00:00`: UTC without a zone, as Datalab writes it. */
export function zoneless(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}

/** Reads one request header (first value). */
export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Compares header values to the key: any match is `ok`, any other value `invalid`, none `missing`. */
export function judge(values: readonly (string | undefined)[], apiKey: string): AuthOutcome {
  const present = values.filter((v): v is string => v !== undefined && v !== '');
  if (present.length === 0) return 'missing';
  return present.includes(apiKey) ? 'ok' : 'invalid';
}

/** The value of `Authorization: Bearer <token>`, if that is the scheme. */
export function bearer(headers: IncomingHttpHeaders): string | undefined {
  const value = header(headers, 'authorization');
  if (value === undefined) return undefined;
  const match = /^Bearer\s+(.+)$/i.exec(value.trim());
  return match ? match[1]! : value;
}

/** A JSON object from a request body, or `undefined` when the body is something else. */
export function objectBody(body: RequestBody): Record<string, unknown> | undefined {
  if (body.kind === 'none') return {};
  if (body.kind === 'json' && typeof body.value === 'object' && body.value !== null && !Array.isArray(body.value)) {
    return body.value as Record<string, unknown>;
  }
  return undefined;
}

/** Whether a string looks like a UUID. */
export function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}

/** The URL of a placeholder file the simulator serves (a 1×1 PNG), standing in for a CDN. */
export function fileUrl(origin: string, ...segments: string[]): string {
  return `${origin}/files/${segments.map(encodeURIComponent).join('/')}`;
}
