// A made-up provider whose jobs follow a timeline on the (fake) clock, served by a fetch that
// counts requests per job. Provider-free on purpose: the hub is the client's, not a provider's.
import * as z from 'zod/mini';
import { vi } from 'vitest';
import {
  createClient,
  type ClientOptions,
  type ExecutionSnapshot,
  type ExecutionStatus,
  type ProviderAdapter,
  type StepStatus,
} from '../../src/index.js';

const Job = z.looseObject({
  id: z.string(),
  state: z.string(),
  tasks: z.array(z.looseObject({ name: z.string(), state: z.string() })),
});
type Job = z.output<typeof Job>;

const STATES: Record<string, ExecutionStatus & StepStatus> = {
  queued: 'queued',
  running: 'running',
  completed: 'completed',
  failed: 'failed',
};

/** Jobs in one scope ('wf') share a budget; the id's prefix before ':' is its scope. */
export const acmeAdapter: ProviderAdapter<string, ExecutionSnapshot<Job>> = {
  name: 'acme',
  baseUrl: 'https://api.acme.test/v1',
  authHeaders: (apiKey) => ({ authorization: `Bearer ${apiKey}` }),
  readError: () => ({}),
  parseRef: (value) => value,
  status: {
    what: 'job',
    request: (id) => ({ path: ['jobs', id], executionId: id, scope: id.split(':')[0]! }),
    schema: Job,
    read: (body: Job) => ({
      provider: 'acme',
      executionId: body.id,
      status: STATES[body.state] ?? 'unknown',
      rawStatus: body.state,
      steps: body.tasks.map((t) => ({
        key: t.name,
        name: t.name,
        status: STATES[t.state] ?? 'unknown',
        rawStatus: t.state,
      })),
      raw: body,
    }),
  },
};

/** A job of `tasks` tasks, each `taskMs` long, one after another from time 0; then completed. */
export function jobAt(id: string, now: number, tasks = 3, taskMs = 1_000): Job {
  const current = Math.floor(now / taskMs);
  return {
    id,
    state: current >= tasks ? 'completed' : 'running',
    tasks: Array.from({ length: Math.min(tasks, current + 1) }, (_, i) => ({
      name: `task-${i + 1}`,
      state: i < current ? 'completed' : 'running',
    })),
  };
}

export interface Served {
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/** A fetch that answers from `serve`, recording every request's job and time. */
export function fakeServer(serve: (id: string, now: number) => Served = (id, now) => ({ body: jobAt(id, now) })) {
  const requests: { id: string; at: number; signal: AbortSignal | undefined }[] = [];
  const fetch = vi.fn(async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const id = decodeURIComponent(url.split('/jobs/')[1] ?? '');
    requests.push({ id, at: Date.now(), signal: init?.signal ?? undefined });
    const r = serve(id, Date.now());
    return new Response(r.body === undefined ? null : JSON.stringify(r.body), {
      status: r.status ?? 200,
      headers: { 'content-type': 'application/json', ...r.headers },
    });
  });
  return { fetch: fetch as unknown as typeof globalThis.fetch, requests };
}

export function acme(fetch: typeof globalThis.fetch, options: Partial<ClientOptions> = {}) {
  return createClient(acmeAdapter, {
    apiKey: 'acme-key',
    fetch,
    rateLimit: false,
    backoff: { initialDelayMs: 500, maxDelayMs: 500, jitter: 'none' },
    ...options,
  });
}
