import { normalCdf, normalQuantile, studentQuantile } from '../internal/stats.js';
import { ConfigError } from './errors.js';
import { assertPositiveInteger, describe, fail } from './options.js';

/**
 * The step key under which {@link LearnedDurations} keeps queue times (queued → first step
 * started), and the one under which it keeps whole executions.
 *
 * @example
 * ```ts
 * import { QUEUE_STEP, EXECUTION_STEP } from 'runwatch';
 *
 * console.log(QUEUE_STEP, EXECUTION_STEP);
 * // Logs: (queue) (execution)
 * ```
 */
export const QUEUE_STEP = '(queue)';

/**
 * The step key under which {@link LearnedDurations} keeps whole executions (the provider's
 * `startedAt` to `completedAt`). See {@link QUEUE_STEP}.
 *
 * @example
 * ```ts
 * import { EXECUTION_STEP } from 'runwatch';
 *
 * console.log(EXECUTION_STEP);
 * // Logs: (execution)
 * ```
 */
export const EXECUTION_STEP = '(execution)';

/**
 * What a learned duration is known by: a step of a workflow at a provider.
 *
 * @example
 * ```ts
 * import type { DurationKey } from 'runwatch';
 *
 * const key: DurationKey = { provider: 'eachlabs', workflow: 'wf-1', stepKey: 'step1' };
 * console.log(key.stepKey);
 * // Logs: step1
 * ```
 */
export interface DurationKey {
  /** The provider, as in {@link ExecutionSnapshot.provider}. */
  provider: string;
  /** The workflow id. */
  workflow: string;
  /** A {@link StepSnapshot.key}, or {@link QUEUE_STEP} or {@link EXECUTION_STEP}. */
  stepKey: string;
}

/**
 * One measured duration, from the provider's own timestamps.
 *
 * @example
 * ```ts
 * import type { DurationSample } from 'runwatch';
 *
 * const sample: DurationSample = { provider: 'eachlabs', workflow: 'wf-1', stepKey: 'step1', durationMs: 29_000 };
 * console.log(sample.durationMs);
 * // Logs: 29000
 * ```
 */
export interface DurationSample extends DurationKey {
  /** How long it took, in ms. */
  durationMs: number;
  /** The execution it comes from: a second sample of the same step of the same execution is ignored. */
  executionId?: string | undefined;
}

/**
 * What {@link LearnedDurations.estimate} knows of one step: a log-normal fit, widened for
 * what a few samples cannot tell.
 *
 * @example
 * ```ts
 * import { LearnedDurations } from 'runwatch';
 *
 * const learned = new LearnedDurations();
 * for (const ms of [9_000, 10_000, 11_000, 10_500]) {
 *   learned.record({ provider: 'modelslab', workflow: 'wf', stepKey: 'Upscale', durationMs: ms });
 * }
 * const estimate = learned.estimate({ provider: 'modelslab', workflow: 'wf', stepKey: 'Upscale' });
 * console.log(estimate?.n, Math.round((estimate?.medianMs ?? 0) / 1000));
 * // Logs: 4 10
 * ```
 */
export interface DurationEstimate {
  /** How many samples it rests on (older ones fade, see {@link LearnedDurationsOptions.maxWeight}). */
  readonly n: number;
  /** The fitted median, in ms. */
  readonly medianMs: number;
  /** The effective σ of log-duration, widened for small samples (see {@link LearnedDurations}). */
  readonly sigma: number;
  /** The shortest duration seen, in ms. */
  readonly minMs: number;
  /** The duration not exceeded with probability `p`, in ms. */
  quantile(p: number): number;
  /** The probability that the duration is at most `ms`. */
  cdf(ms: number): number;
}

/**
 * Bounds on what {@link LearnedDurations} keeps.
 *
 * @example
 * ```ts
 * import { LearnedDurations, type LearnedDurationsOptions } from 'runwatch';
 *
 * const options: LearnedDurationsOptions = { maxKeys: 100 };
 * console.log(new LearnedDurations(options).size);
 * // Logs: 0
 * ```
 */
export interface LearnedDurationsOptions {
  /**
   * How many steps are remembered; past that the least recently updated one is forgotten.
   * @defaultValue 1000
   */
  maxKeys?: number | undefined;
  /**
   * How many samples a step's fit weighs at most: past that, older samples fade
   * geometrically, so a workflow that gets slower is followed within about this many runs.
   * @defaultValue 200
   */
  maxWeight?: number | undefined;
}

/**
 * The persisted form of {@link LearnedDurations}: versioned, JSON-safe, a few numbers per step.
 *
 * @example
 * ```ts
 * import { LearnedDurations, type LearnedDurationsJSON } from 'runwatch';
 *
 * const json: LearnedDurationsJSON = new LearnedDurations().toJSON();
 * console.log(json.version, json.entries.length);
 * // Logs: 1 0
 * ```
 */
export interface LearnedDurationsJSON {
  /** The format; only 1 exists. */
  version: 1;
  /** One entry per step, least recently updated first. */
  entries: {
    /** See {@link DurationKey}. */
    provider: string;
    /** See {@link DurationKey}. */
    workflow: string;
    /** See {@link DurationKey}. */
    stepKey: string;
    /** The (faded) sample count. */
    n: number;
    /** The mean of ln(duration in ms). */
    meanLog: number;
    /** The sum of squared deviations of ln(duration) (Welford's M2). */
    m2Log: number;
    /** The shortest duration seen, in ms. */
    minMs: number;
  }[];
}

interface Entry {
  key: DurationKey;
  n: number;
  meanLog: number;
  m2Log: number;
  minMs: number;
}

/** The σ of log-duration assumed before any sample (durations within a factor ~2.7 of the median 68% of the time). */
const PRIOR_SIGMA = 0.5;
/** How many samples the prior σ weighs. */
const PRIOR_WEIGHT = 2;
/** A sample past a week is a broken timestamp, not a step. */
const MAX_DURATION_MS = 7 * 24 * 3_600_000;
const Z_975 = 1.959963984540054;

const keyOf = (k: DurationKey): string => `${k.provider}\u0000${k.workflow}\u0000${k.stepKey}`;

/**
 * How long each step of each workflow takes, learned from the provider's own step
 * timestamps, in bounded memory: per step only a count, the mean and M2 of log-duration
 * (Welford), and the minimum; at most `maxKeys` steps, the least recently updated forgotten.
 *
 * Durations are fitted as log-normal. With few samples the fit is widened so that its low
 * quantiles stay safe: the σ is the posterior of a prior σ of 0.5 worth 2 samples and the
 * data, `s² = (M2 + 2 × 0.5²) / (n + 1)`, then multiplied by `√(1 + 1/n)` (the mean's own
 * uncertainty) and by `t₀.₉₇₅(n + 1) / z₀.₉₇₅` (Student's t against the normal: the σ's
 * uncertainty). With 3 samples of a step that varies by σ = 0.35 the effective σ is about
 * 0.7, with 20 about 0.4.
 *
 * @example
 * ```ts
 * import { LearnedDurations } from 'runwatch';
 *
 * const learned = new LearnedDurations();
 * for (const durationMs of [20_000, 25_000, 18_000, 30_000, 22_000]) {
 *   learned.record({ provider: 'eachlabs', workflow: 'wf-1', stepKey: 'step1', durationMs });
 * }
 * const estimate = learned.estimate({ provider: 'eachlabs', workflow: 'wf-1', stepKey: 'step1' });
 * console.log(Math.round(estimate!.quantile(0.5) / 1000), estimate!.quantile(0.05) < 18_000);
 * // Logs: 23 true
 * ```
 */
export class LearnedDurations {
  readonly #entries = new Map<string, Entry>();
  /** Ids of samples already taken, so one step of one execution counts once (bounded, oldest dropped). */
  readonly #seen = new Set<string>();
  readonly #maxKeys: number;
  readonly #maxWeight: number;

  /**
   * @param options - bounds on memory and weight.
   * @throws {@link ConfigError} when an option is not a positive whole number.
   */
  constructor(options: LearnedDurationsOptions = {}) {
    const { maxKeys = 1000, maxWeight = 200 } = options;
    assertPositiveInteger('learned.maxKeys', maxKeys);
    assertPositiveInteger('learned.maxWeight', maxWeight);
    if (maxWeight < 2) fail('learned.maxWeight', 'a whole number ≥ 2', maxWeight);
    this.#maxKeys = maxKeys;
    this.#maxWeight = maxWeight;
  }

  /** How many steps are remembered. */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * Adds one duration. Ignored (returns `false`) when the duration is not a positive finite
   * number of ms under a week, or when the same step of the same execution was recorded before.
   *
   * @param sample - the step and how long it took.
   * @returns whether the sample was taken.
   * @throws {@link ConfigError} when `provider`, `workflow` or `stepKey` is not a non-empty string.
   */
  record(sample: DurationSample): boolean {
    const key = checkKey(sample, 'sample');
    const ms = sample.durationMs;
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0 || ms > MAX_DURATION_MS) return false;
    if (sample.executionId !== undefined) {
      const id = `${keyOf(key)}\u0000${sample.executionId}`;
      if (this.#seen.has(id)) return false;
      this.#seen.add(id);
      if (this.#seen.size > 4 * this.#maxKeys) this.#seen.delete(this.#seen.values().next().value!);
    }
    const k = keyOf(key);
    const entry = this.#entries.get(k) ?? { key, n: 0, meanLog: 0, m2Log: 0, minMs: Infinity };
    if (entry.n >= this.#maxWeight) {
      // Fade: the oldest weight goes, so the fit follows a drifting step.
      entry.m2Log *= (this.#maxWeight - 1) / entry.n;
      entry.n = this.#maxWeight - 1;
    }
    const x = Math.log(ms);
    entry.n += 1;
    const delta = x - entry.meanLog;
    entry.meanLog += delta / entry.n;
    entry.m2Log += delta * (x - entry.meanLog);
    entry.minMs = Math.min(entry.minMs, ms);
    this.#store(k, entry);
    return true;
  }

  /**
   * What is known of one step.
   *
   * @param key - the provider, workflow and step.
   * @returns the fit, or `undefined` when no sample of that step was recorded.
   */
  estimate(key: DurationKey): DurationEstimate | undefined {
    const entry = this.#entries.get(keyOf(key));
    return entry === undefined ? undefined : fit(entry);
  }

  /**
   * The persisted form; `JSON.stringify(learned)` uses it.
   *
   * @returns a versioned, JSON-safe copy of what is known.
   */
  toJSON(): LearnedDurationsJSON {
    return {
      version: 1,
      entries: [...this.#entries.values()].map(({ key, n, meanLog, m2Log, minMs }) => ({
        ...key,
        n,
        meanLog,
        m2Log,
        minMs,
      })),
    };
  }

  /**
   * Restores what {@link LearnedDurations.toJSON} saved, checking every field.
   *
   * @param json - the saved object, or its JSON text.
   * @param options - bounds on memory and weight; entries past `maxKeys` are dropped oldest first.
   * @returns a new instance holding the saved fits.
   * @throws {@link ConfigError} naming the first field that is wrong.
   */
  static fromJSON(json: unknown, options?: LearnedDurationsOptions): LearnedDurations {
    let data = json;
    if (typeof data === 'string') {
      try {
        data = JSON.parse(data);
      } catch {
        throw new ConfigError(
          'Expected `learned` to be JSON from LearnedDurations.toJSON(), got text that is not JSON',
          {
            option: 'learned',
          },
        );
      }
    }
    if (typeof data !== 'object' || data === null || Array.isArray(data)) fail('learned', 'an object', data);
    const { version, entries } = data as { version?: unknown; entries?: unknown };
    if (version !== 1) fail('learned.version', '1', version);
    if (!Array.isArray(entries)) fail('learned.entries', 'an array', entries);
    const learned = new LearnedDurations(options);
    entries.forEach((raw: unknown, i) => {
      const where = `learned.entries[${i}]`;
      if (typeof raw !== 'object' || raw === null) fail(where, 'an object', raw);
      const e = raw as Record<string, unknown>;
      const key = checkKey(e, where);
      const number = (field: string, ok: (v: number) => boolean, expected: string): number => {
        const v = e[field];
        if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) fail(`${where}.${field}`, expected, v);
        return v;
      };
      const entry: Entry = {
        key,
        n: number('n', (v) => v >= 1, 'a number ≥ 1'),
        meanLog: number('meanLog', (v) => Math.abs(v) < 50, 'a finite log-duration'),
        m2Log: number('m2Log', (v) => v >= 0, 'a number ≥ 0'),
        minMs: number('minMs', (v) => v > 0, 'a positive number'),
      };
      entry.n = Math.min(entry.n, learned.#maxWeight);
      learned.#store(keyOf(key), entry);
    });
    return learned;
  }

  #store(k: string, entry: Entry): void {
    this.#entries.delete(k); // re-inserted last: Map order is recency order
    this.#entries.set(k, entry);
    if (this.#entries.size > this.#maxKeys) this.#entries.delete(this.#entries.keys().next().value!);
  }
}

function checkKey(value: Record<string, unknown> | DurationKey, where: string): DurationKey {
  const v = value as Record<string, unknown>;
  for (const field of ['provider', 'workflow', 'stepKey']) {
    const s = v[field];
    if (typeof s !== 'string' || s === '') {
      throw new ConfigError(`Expected \`${where}.${field}\` to be a non-empty string, got ${describe(s)}`, {
        option: `${where}.${field}`,
      });
    }
  }
  return { provider: v['provider'] as string, workflow: v['workflow'] as string, stepKey: v['stepKey'] as string };
}

function fit(entry: Entry): DurationEstimate {
  const { n, meanLog, m2Log, minMs } = entry;
  const nu = n - 1 + PRIOR_WEIGHT;
  const s = Math.sqrt((m2Log + PRIOR_WEIGHT * PRIOR_SIGMA ** 2) / nu);
  const sigma = s * Math.sqrt(1 + 1 / n) * (studentQuantile(0.975, nu) / Z_975);
  return {
    n,
    medianMs: Math.exp(meanLog),
    sigma,
    minMs,
    quantile: (p) => Math.exp(meanLog + sigma * normalQuantile(p)),
    cdf: (ms) => (ms <= 0 ? 0 : normalCdf((Math.log(ms) - meanLog) / sigma)),
  };
}
