import { fail, requireObject } from '../core/options.js';
import type { Random } from './random.js';

/**
 * Faults the simulator injects into provider API requests (never into CORS preflights,
 * output URLs or files). Each request draws from the simulator's seeded stream the same
 * way whatever the rates, so the same seed and the same requests give the same faults.
 *
 * @example
 * ```ts
 * import { startSimulator, type ChaosOptions } from 'runwatch/testing';
 *
 * const chaos: ChaosOptions = { errorRate: 0.1, dropRate: 0.05, latencyMs: [10, 50] };
 * const sim = await startSimulator({ seed: 7, chaos });
 * console.log(sim.seed);
 * await sim.close();
 * // Logs: 7
 * ```
 */
export interface ChaosOptions {
  /**
   * Share of requests answered 500, 502 or 503 with the provider's error body.
   * @defaultValue 0
   */
  errorRate?: number;
  /**
   * Share of requests answered 429 with the provider's hint (ModelsLab `retry_after` in the
   * body; a `Retry-After` header for EachLabs and Datalab).
   * @defaultValue 0
   */
  rateLimitRate?: number;
  /**
   * Share of successful responses whose body is replaced by invalid or truncated JSON, still with status 200.
   * @defaultValue 0
   */
  malformedRate?: number;
  /**
   * Share of requests whose socket is destroyed with no response: a network error for the client.
   * @defaultValue 0
   */
  dropRate?: number;
  /**
   * Share of successful responses sent with an empty body, still with status 200.
   * @defaultValue 0
   */
  emptyRate?: number;
  /**
   * Share of successful responses that send their headers and half the body, then stall
   * until the client gives up (a timeout for the client).
   * @defaultValue 0
   */
  stallRate?: number;
  /**
   * Share of requests answered `302` to the same path on another origin (`localhost` instead
   * of `127.0.0.1`), where the simulator serves nothing: following it is the client's mistake.
   * @defaultValue 0
   */
  redirectRate?: number;
  /**
   * Delay before each answer, in ms, uniform in `[min, max]`.
   * @defaultValue [0, 0]
   */
  latencyMs?: readonly [number, number];
  /**
   * The wait, in seconds, that injected 429s ask for; fractions are allowed, for fast tests.
   * @defaultValue 1
   */
  retryAfterSeconds?: number;
}

/** Chaos options with every default filled in. */
export type ResolvedChaos = Required<ChaosOptions>;

/** What chaos decided for one request. */
export interface ChaosDraw {
  drop: boolean;
  error: 500 | 502 | 503 | undefined;
  rateLimit: boolean;
  /** What to do to a successful response's body, if anything. */
  body: 'truncated' | 'invalid' | 'empty' | 'stall' | undefined;
  redirect: boolean;
  latencyMs: number;
}

const NONE: ResolvedChaos = {
  errorRate: 0,
  rateLimitRate: 0,
  malformedRate: 0,
  dropRate: 0,
  emptyRate: 0,
  stallRate: 0,
  redirectRate: 0,
  latencyMs: [0, 0],
  retryAfterSeconds: 1,
};

/** Checks chaos options with exact messages. */
export function resolveChaos(value: unknown): ResolvedChaos {
  if (value === undefined) return NONE;
  const v = requireObject('chaos', value);
  const rate = (name: keyof ChaosOptions): number => {
    const r = v[name] ?? 0;
    if (typeof r !== 'number' || !(r >= 0 && r <= 1)) fail(`chaos.${name}`, 'a number from 0 to 1', r);
    return r;
  };
  const latency = v['latencyMs'] ?? [0, 0];
  if (
    !Array.isArray(latency) ||
    latency.length !== 2 ||
    !latency.every((n) => typeof n === 'number' && Number.isFinite(n) && n >= 0) ||
    (latency[0] as number) > (latency[1] as number)
  ) {
    fail('chaos.latencyMs', 'a [min, max] pair of non-negative numbers with min <= max', latency);
  }
  const retryAfterSeconds = v['retryAfterSeconds'] ?? 1;
  if (typeof retryAfterSeconds !== 'number' || !Number.isFinite(retryAfterSeconds) || retryAfterSeconds < 0) {
    fail('chaos.retryAfterSeconds', 'a non-negative number', retryAfterSeconds);
  }
  return {
    errorRate: rate('errorRate'),
    rateLimitRate: rate('rateLimitRate'),
    malformedRate: rate('malformedRate'),
    dropRate: rate('dropRate'),
    emptyRate: rate('emptyRate'),
    stallRate: rate('stallRate'),
    redirectRate: rate('redirectRate'),
    latencyMs: [latency[0] as number, latency[1] as number],
    retryAfterSeconds,
  };
}

const ERRORS = [500, 502, 503] as const;

/**
 * Decides one request's faults. Always takes seven draws from `random` and three from `more`
 * (the faults added later draw from a stream of their own, so a seed replays the same older
 * faults as before they existed), so one request never shifts the next one's outcome.
 */
export function drawChaos(random: Random, chaos: ResolvedChaos, more: Random): ChaosDraw {
  const drop = random.chance(chaos.dropRate);
  const error = random.chance(chaos.errorRate);
  const which = random.pick(ERRORS);
  const rateLimit = random.chance(chaos.rateLimitRate);
  const malformed = random.chance(chaos.malformedRate);
  const kind = random.chance(0.5) ? 'truncated' : 'invalid';
  const [min, max] = chaos.latencyMs;
  const latencyMs = Math.round(min + random.float() * (max - min));
  const redirect = more.chance(chaos.redirectRate);
  const empty = more.chance(chaos.emptyRate);
  const stall = more.chance(chaos.stallRate);
  const body = malformed ? kind : empty ? 'empty' : stall ? 'stall' : undefined;
  return { drop, error: error ? which : undefined, rateLimit, body, redirect, latencyMs };
}

/** A 200 body that is not JSON: cut in half, or not JSON at all (what a proxy in trouble sends). */
export function malform(payload: Buffer, kind: 'truncated' | 'invalid'): Buffer {
  if (kind === 'invalid' || payload.length < 2)
    return Buffer.from('<html><body><h1>502 Bad Gateway</h1></body></html>');
  return payload.subarray(0, Math.max(1, Math.floor(payload.length / 2)));
}

/**
 * Sliding-window request counts, per bucket, on the simulator's clock: what the providers'
 * rate limits look like from outside. Only admitted requests count.
 */
export class RequestWindows {
  private readonly starts = new Map<string, number[]>();

  /** Admits the request (`undefined`), or says how many ms until the window has room. */
  admit(bucket: string, limit: { requests: number; intervalMs: number }, now: number): number | undefined {
    const starts = this.starts.get(bucket) ?? [];
    while (starts.length > 0 && starts[0]! <= now - limit.intervalMs) starts.shift();
    this.starts.set(bucket, starts);
    if (starts.length >= limit.requests) return starts[0]! + limit.intervalMs - now;
    starts.push(now);
    return undefined;
  }
}
