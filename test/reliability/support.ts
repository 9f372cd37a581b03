// What the reliability tests share: the three providers behind one shape (a client over a
// counting fake fetch, and a status body built from steps in the model's words), a watch
// drained in fake time, and the checks that no form of the key is anywhere.
import { inspect } from 'node:util';
import type { Observable } from 'rxjs';
import { expect, vi } from 'vitest';
import {
  datalab,
  eachlabs,
  modelslab,
  type ClientOptions,
  type ExecutionSnapshot,
  type ExecutionUpdate,
  type WatchOptions,
} from '../../src/index.js';

/** The key every client here holds; long enough that a prefix of it is a leak. */
export const KEY = 'sk-live-7Hq2Zr9XkP4mVw8LcN3bTg';

export type ProviderName = 'modelslab' | 'eachlabs' | 'datalab';
export const PROVIDERS: readonly ProviderName[] = ['modelslab', 'eachlabs', 'datalab'];

/** A step as a test writes it: its name and status in the model's words. */
export type StepSpec = readonly [name: string, status: 'pending' | 'running' | 'completed' | 'failed'];

/** One answer of the fake fetch. */
export interface Reply {
  status?: number;
  /** JSON-encoded unless `text` is given. */
  body?: unknown;
  text?: string;
  headers?: Record<string, string>;
  /** A body as a stream, for stalls and sizes. */
  stream?: ReadableStream<Uint8Array>;
}

/** One call the fake fetch saw. */
export interface Call {
  url: string;
  headers: Record<string, string>;
  signal: AbortSignal | undefined;
  redirect: RequestRedirect | undefined;
}

/** A counting fake fetch: answers from the list in order (the last repeated) or from a function. */
export function fakeFetch(reply: Reply | readonly Reply[] | ((call: Call, index: number) => Reply)) {
  const calls: Call[] = [];
  const fetch = vi.fn(async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const call: Call = {
      url: typeof input === 'string' ? input : input instanceof URL ? input.href : input.url,
      headers: Object.fromEntries(new Headers(init?.headers).entries()),
      signal: init?.signal ?? undefined,
      redirect: init?.redirect,
    };
    calls.push(call);
    const index = calls.length - 1;
    const r =
      typeof reply === 'function'
        ? reply(call, index)
        : Array.isArray(reply)
          ? reply[Math.min(index, reply.length - 1)]!
          : (reply as Reply);
    const status = r.status ?? 200;
    const text = r.stream ?? r.text ?? (r.body === undefined ? null : JSON.stringify(r.body));
    return new Response(status === 204 || status === 304 ? null : text, {
      status,
      headers: { 'content-type': 'application/json', ...r.headers },
    });
  });
  return { fetch: fetch as unknown as typeof globalThis.fetch, calls, spy: fetch };
}

const UPPER: Record<string, string> = {
  pending: 'PENDING',
  running: 'IN_PROGRESS',
  completed: 'COMPLETED',
  failed: 'FAILED',
};
const EXECUTION: Record<ProviderName, Record<'queued' | 'running' | 'completed' | 'failed', string>> = {
  modelslab: { queued: 'pending', running: 'running', completed: 'completed', failed: 'failed' },
  eachlabs: { queued: 'queued', running: 'running', completed: 'completed', failed: 'failed' },
  datalab: { queued: 'QUEUED', running: 'IN_PROGRESS', completed: 'COMPLETED', failed: 'FAILED' },
};

/** A provider's status body: the execution's status, its steps, and the output (ModelsLab, EachLabs; a step output for EachLabs too). */
export function body(
  provider: ProviderName,
  status: 'queued' | 'running' | 'completed' | 'failed',
  steps: readonly StepSpec[],
  extra: { output?: unknown; error?: string; stepOutput?: unknown } = {},
): Record<string, unknown> {
  const raw = EXECUTION[provider][status];
  switch (provider) {
    case 'modelslab':
      return {
        status: 'success',
        execution: { id: 12345, workflow_id: 'wf-1', status: raw },
        ...(extra.output === undefined ? {} : { output: { output: extra.output } }),
        ...(extra.error === undefined ? {} : { error: extra.error }),
        steps: steps.map(([name, s]) => ({ name, status: s })),
      };
    case 'eachlabs':
      return {
        execution_id: 'e1',
        status: raw,
        ...(extra.output === undefined ? {} : { output: extra.output }),
        ...(extra.error === undefined ? {} : { error: 'failed', error_cause: extra.error }),
        step_outputs: Object.fromEntries(
          steps.map(([name, s]) => [
            name,
            {
              step_id: name,
              status: s === 'pending' ? 'queued' : s,
              ...(extra.stepOutput === undefined ? {} : { output: extra.stepOutput }),
            },
          ]),
        ),
      };
    case 'datalab':
      return {
        execution_id: 123,
        status: raw,
        ...(extra.error === undefined ? {} : { error: extra.error }),
        steps: Object.fromEntries(steps.map(([name, s]) => [name, { status: UPPER[s] }])),
      };
  }
}

/** The status a provider's pending step reads as after normalizing. */
export const PENDING: Record<ProviderName, string> = { modelslab: 'pending', eachlabs: 'queued', datalab: 'pending' };

/** Polls every 10 ms (fake time), no jitter, no client budget. */
export const FAST = { initialDelayMs: 10, maxDelayMs: 10, jitter: 'none' as const };

/** A client of `provider` over `fetch`, with `extra` options. */
export function clientOf(provider: ProviderName, fetch: typeof globalThis.fetch, extra: Partial<ClientOptions> = {}) {
  const options = { apiKey: KEY, fetch, rateLimit: false as const, backoff: FAST, ...extra };
  switch (provider) {
    case 'modelslab': {
      const c = modelslab(options);
      return {
        watch: (o?: WatchOptions): Observable<ExecutionUpdate> =>
          c.watch({ workflowId: 'wf-1', executionId: 12345 }, o),
        get: (o?: { signal?: AbortSignal }): Promise<ExecutionSnapshot> =>
          c.get({ workflowId: 'wf-1', executionId: 12345 }, o),
        start: (o?: WatchOptions): Observable<ExecutionUpdate> => c.runAndWatch('wf-1', { prompt: 'x' }, o),
      };
    }
    case 'eachlabs': {
      const c = eachlabs(options);
      return {
        watch: (o?: WatchOptions): Observable<ExecutionUpdate> => c.watch('e1', o),
        get: (o?: { signal?: AbortSignal }): Promise<ExecutionSnapshot> => c.get('e1', o),
        start: (o?: WatchOptions): Observable<ExecutionUpdate> => c.runAndWatch('wf-1', { inputs: {} }, o),
      };
    }
    case 'datalab': {
      const c = datalab(options);
      return {
        watch: (o?: WatchOptions): Observable<ExecutionUpdate> => c.watch(123, o),
        get: (o?: { signal?: AbortSignal }): Promise<ExecutionSnapshot> => c.get(123, o),
        start: (o?: WatchOptions): Observable<ExecutionUpdate> =>
          c.runAndWatch(7, { type: 'single_file', file_url: 'https://files.test/a.pdf' }, o),
      };
    }
  }
}

/** What a watch did, drained in fake time. */
export interface Drained<T> {
  values: T[];
  error: unknown;
  completed: boolean;
}

/** Subscribes, runs fake time forward by `ms`, unsubscribes; needs `vi.useFakeTimers()`. */
export async function drain<T>(observable: Observable<T>, ms = 60_000): Promise<Drained<T>> {
  const out: Drained<T> = { values: [], error: undefined, completed: false };
  const subscription = observable.subscribe({
    next: (v) => out.values.push(v),
    error: (e: unknown) => (out.error = e),
    complete: () => (out.completed = true),
  });
  await vi.advanceTimersByTimeAsync(ms);
  subscription.unsubscribe();
  return out;
}

/** Settles a promise into its rejection reason; fails the test when it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('Expected the promise to reject');
}

/** Every form of the key a leak was seen in: raw, percent-encoded, and any 8-character run of it. */
export function keyForms(key: string = KEY): string[] {
  const forms = new Set([key, encodeURIComponent(key)]);
  for (let i = 0; i + 8 <= key.length; i++) forms.add(key.slice(i, i + 8));
  return [...forms];
}

/** Everything a user could print of a value: String, JSON, inspect (hidden fields too), stack and causes. */
export function everyText(value: unknown): string {
  const parts: string[] = [];
  let v: unknown = value;
  for (let depth = 0; depth < 6 && v !== undefined; depth++) {
    parts.push(v instanceof Error ? v.toString() : inspect(v), inspect(v, { depth: 8, showHidden: true }));
    try {
      parts.push(JSON.stringify(v) ?? '');
    } catch {
      // a cycle: inspect has it
    }
    if (v instanceof Error) parts.push(v.stack ?? '', JSON.stringify({ ...v }));
    v = v instanceof Error ? v.cause : undefined;
  }
  return parts.join('\n');
}

/** Asserts that no form of the key is anywhere in `value`. */
export function expectKeyFree(value: unknown, key: string = KEY): void {
  const text = everyText(value);
  for (const form of keyForms(key)) expect(text, `leaked ${JSON.stringify(form)}`).not.toContain(form);
}

/** A body nested `depth` deep: arrays, or objects `{"a": …}`. */
export function deepJson(depth: number, kind: 'array' | 'object' = 'array'): string {
  return kind === 'array' ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}
