// A relay in front of the simulator, over real HTTP on 127.0.0.1, on a clock the test moves:
// executions advance only when told, so what each poll sees is known however slow the machine.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { defer, finalize, type Observable } from 'rxjs';
import { datalab, eachlabs, modelslab, type ExecutionUpdate, type WatchOptions } from '../../src/index.js';
import { createRelay, type Relay, type RelayClient, type RelayOptions } from '../../src/server/index.js';
import { startSimulator, type Simulator } from '../../src/testing/index.js';

export const SIM_KEY = 'sk-relay-test-8f3a1c9e2b7d4e60';
export const T0 = Date.parse('2026-01-01T10:00:00Z');
/** Brisk, fixed polling: the clock is frozen, so polls find changes only when the test moves it. */
export const BACKOFF = { initialDelayMs: 10, maxDelayMs: 20, jitter: 'none', maxRetries: 2 } as const;

/** What the relay did with one client: its watches (subscriptions, not calls) and their ends. */
export interface WatchCount {
  /** `watch()` calls: reference checks included (they subscribe to nothing). */
  calls: number;
  /** Subscriptions: each one is a poll. */
  subscribed: number;
  /** Subscriptions still running. */
  active: number;
  /** The `since` each subscription was given. */
  since: unknown[];
  /** Resolves when `active` next drops to `n`. */
  untilActive(n: number): Promise<void>;
}

/** Wraps a client so the test sees every subscription the relay makes and every one that ends. */
export function counted(client: RelayClient): { client: RelayClient; count: WatchCount } {
  const waiters = new Set<() => void>();
  const count: WatchCount = {
    calls: 0,
    subscribed: 0,
    active: 0,
    since: [],
    untilActive: (n) =>
      new Promise((resolve, reject) => {
        if (count.active === n) return resolve();
        const timer = setTimeout(() => reject(new Error(`active watches stayed at ${count.active}, not ${n}`)), 10_000);
        const check = (): void => {
          if (count.active !== n) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
      }),
  };
  return {
    count,
    client: {
      watch(ref: unknown, options?: WatchOptions): Observable<ExecutionUpdate> {
        count.calls += 1;
        const source = client.watch(ref, options); // throws at once for a bad reference
        return defer(() => {
          count.subscribed += 1;
          count.active += 1;
          count.since.push(options?.since);
          return source.pipe(
            finalize(() => {
              count.active -= 1;
              for (const waiter of [...waiters]) waiter();
            }),
          );
        });
      },
    },
  };
}

export interface RelayHarness {
  sim: Simulator;
  relay: Relay;
  server: Server;
  /** `http://127.0.0.1:PORT` */
  url: string;
  counts: Record<'modelslab' | 'eachlabs' | 'datalab', WatchCount>;
  /** Moves the simulator's clock. */
  advance(ms: number): void;
  /** The simulator's status requests so far. */
  statusRequests(executionId?: string): Simulator['requests'];
  close(): Promise<void>;
}

/** Starts a frozen simulator, the three provider clients (counted) and a relay on node:http. */
export async function startRelay(
  overrides: Partial<RelayOptions> = {},
  apiKey: string = SIM_KEY,
): Promise<RelayHarness> {
  let now = T0;
  const sim = await startSimulator({ apiKey: SIM_KEY, seed: 3, now: () => now });
  const common = { apiKey, rateLimit: false, backoff: BACKOFF } as const;
  const ml = counted(modelslab({ ...common, baseUrl: sim.baseUrls.modelslab }));
  const el = counted(eachlabs({ ...common, baseUrl: sim.baseUrls.eachlabs }));
  const dl = counted(datalab({ ...common, baseUrl: sim.baseUrls.datalab }));
  const relay = createRelay({
    clients: { modelslab: ml.client, eachlabs: el.client, datalab: dl.client },
    authorize: () => true,
    ...overrides,
  });
  const server = createServer(relay.node);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    sim,
    relay,
    server,
    url,
    counts: { modelslab: ml.count, eachlabs: el.count, datalab: dl.count },
    advance: (ms) => void (now += ms),
    statusRequests: (executionId) =>
      sim.requests.filter(
        (r) => r.endpoint === 'status' && (executionId === undefined || r.executionId === executionId),
      ),
    async close() {
      relay.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await sim.close();
    },
  };
}

/** Three steps of a second each, after a second in the queue. */
export const SCRIPT = {
  queuedMs: 1_000,
  steps: [
    { name: 'parse', durationMs: 1_000 },
    { name: 'extract', durationMs: 1_000 },
    { name: 'summarize', durationMs: 1_000 },
  ],
};
