import { describe, expect, it } from 'vitest';
import { ConfigError, LearnedDurations, type DurationKey } from '../../src/index.js';

const KEY: DurationKey = { provider: 'eachlabs', workflow: 'wf-1', stepKey: 'render' };

/** A seeded PRNG and log-normal draws, so calibration runs are the same every time. */
function lognormals(seed: number): (median: number, sigma: number) => number {
  let s = seed;
  const random = (): number => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return (median, sigma) =>
    median * Math.exp(sigma * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random()));
}

function learnedWith(durations: number[], options?: ConstructorParameters<typeof LearnedDurations>[0]) {
  const learned = new LearnedDurations(options);
  for (const durationMs of durations) learned.record({ ...KEY, durationMs });
  return learned;
}

describe('LearnedDurations', () => {
  it('fits the median as the geometric mean and keeps the count and minimum', () => {
    const estimate = learnedWith([10_000, 40_000, 20_000]).estimate(KEY)!;
    expect(estimate.n).toBe(3);
    expect(estimate.medianMs).toBeCloseTo(20_000, 6);
    expect(estimate.minMs).toBe(10_000);
    expect(estimate.quantile(0.5)).toBeCloseTo(20_000, 6);
  });

  it('knows nothing of a step it never saw', () => {
    expect(learnedWith([1_000]).estimate({ ...KEY, stepKey: 'other' })).toBeUndefined();
    expect(learnedWith([1_000]).estimate({ ...KEY, workflow: 'wf-2' })).toBeUndefined();
  });

  it('has a cdf consistent with its quantiles', () => {
    const estimate = learnedWith([5_000, 6_000, 7_000, 8_000]).estimate(KEY)!;
    for (const p of [0.02, 0.1, 0.5, 0.9, 0.98]) expect(estimate.cdf(estimate.quantile(p))).toBeCloseTo(p, 5);
    expect(estimate.cdf(0)).toBe(0);
  });

  it('widens σ for few samples and narrows it as samples come', () => {
    const draw = lognormals(1);
    const samples = Array.from({ length: 200 }, () => draw(30_000, 0.35));
    const sigma = (n: number) => learnedWith(samples.slice(0, n)).estimate(KEY)!.sigma;
    expect(sigma(3)).toBeGreaterThan(0.6);
    expect(sigma(3)).toBeGreaterThan(sigma(10));
    expect(sigma(10)).toBeGreaterThan(sigma(200));
    expect(sigma(200)).toBeGreaterThan(0.3);
    expect(sigma(200)).toBeLessThan(0.4);
  });

  it.each([3, 5, 10, 30])('with %i samples, a new run ends before the 2%% quantile at most 3%% of the time', (n) => {
    const draw = lognormals(n);
    const trials = 3_000;
    let early = 0;
    let belowTenth = 0;
    for (let i = 0; i < trials; i++) {
      const estimate = learnedWith(Array.from({ length: n }, () => draw(30_000, 0.35))).estimate(KEY)!;
      const next = draw(30_000, 0.35);
      if (next < estimate.quantile(0.02)) early += 1;
      if (next < estimate.quantile(0.1)) belowTenth += 1;
    }
    expect(early / trials).toBeLessThan(0.03);
    expect(belowTenth / trials).toBeLessThan(0.12);
  });

  it.each([0, -5, NaN, Infinity, 8 * 24 * 3_600_000])('ignores a duration of %s ms', (durationMs) => {
    const learned = new LearnedDurations();
    expect(learned.record({ ...KEY, durationMs })).toBe(false);
    expect(learned.size).toBe(0);
  });

  it('takes one sample per step per execution', () => {
    const learned = new LearnedDurations();
    expect(learned.record({ ...KEY, durationMs: 1_000, executionId: 'e1' })).toBe(true);
    expect(learned.record({ ...KEY, durationMs: 1_000, executionId: 'e1' })).toBe(false);
    expect(learned.record({ ...KEY, stepKey: 'other', durationMs: 1_000, executionId: 'e1' })).toBe(true);
    expect(learned.record({ ...KEY, durationMs: 1_000, executionId: 'e2' })).toBe(true);
    expect(learned.estimate(KEY)!.n).toBe(2);
  });

  it('remembers a bounded number of execution ids (4 × maxKeys), the oldest forgotten first', () => {
    const learned = new LearnedDurations({ maxKeys: 1 });
    for (let i = 1; i <= 5; i++) learned.record({ ...KEY, durationMs: 1_000, executionId: `e${i}` });
    expect(learned.record({ ...KEY, durationMs: 1_000, executionId: 'e5' })).toBe(false);
    expect(learned.record({ ...KEY, durationMs: 1_000, executionId: 'e1' })).toBe(true);
  });

  it('forgets the least recently updated step past maxKeys', () => {
    const learned = new LearnedDurations({ maxKeys: 2 });
    const key = (stepKey: string) => ({ ...KEY, stepKey });
    learned.record({ ...key('a'), durationMs: 1_000 });
    learned.record({ ...key('b'), durationMs: 1_000 });
    learned.record({ ...key('a'), durationMs: 1_000 });
    learned.record({ ...key('c'), durationMs: 1_000 });
    expect(learned.size).toBe(2);
    expect(learned.estimate(key('a'))).toBeDefined();
    expect(learned.estimate(key('b'))).toBeUndefined();
    expect(learned.estimate(key('c'))).toBeDefined();
  });

  it('lets old samples fade past maxWeight, so it follows a step that got slower', () => {
    const durations = [...Array<number>(20).fill(1_000), ...Array<number>(60).fill(4_000)];
    expect(learnedWith(durations, { maxWeight: 10 }).estimate(KEY)!.medianMs).toBeGreaterThan(3_800);
    expect(learnedWith(durations, { maxWeight: 10 }).estimate(KEY)!.n).toBe(10);
    expect(learnedWith(durations, { maxWeight: 1_000 }).estimate(KEY)!.medianMs).toBeLessThan(3_000);
  });

  it.each([
    [{ maxKeys: 0 }, 'learned.maxKeys'],
    [{ maxKeys: 1.5 }, 'learned.maxKeys'],
    [{ maxWeight: 1 }, 'learned.maxWeight'],
  ])('refuses the options %j', (options, option) => {
    expect(() => new LearnedDurations(options)).toThrow(expect.objectContaining({ name: 'ConfigError', option }));
  });

  it.each(['provider', 'workflow', 'stepKey'])('refuses a sample without %s', (field) => {
    const learned = new LearnedDurations();
    expect(() => learned.record({ ...KEY, [field]: '', durationMs: 1 })).toThrow(
      `Expected \`sample.${field}\` to be a non-empty string, got ""`,
    );
  });
});

describe('LearnedDurations.toJSON / fromJSON', () => {
  it('round-trips, through JSON text too, with the same estimates', () => {
    const learned = learnedWith([12_000, 15_000, 11_000, 19_000]);
    learned.record({ provider: 'modelslab', workflow: 'w', stepKey: '(queue)', durationMs: 2_000 });
    const text = JSON.stringify(learned);
    for (const restored of [LearnedDurations.fromJSON(JSON.parse(text)), LearnedDurations.fromJSON(text)]) {
      expect(restored.size).toBe(2);
      const [a, b] = [learned.estimate(KEY)!, restored.estimate(KEY)!];
      expect(b.n).toBe(a.n);
      expect(b.medianMs).toBeCloseTo(a.medianMs, 9);
      expect(b.sigma).toBeCloseTo(a.sigma, 9);
      expect(b.minMs).toBe(a.minMs);
      expect(restored.toJSON()).toEqual(learned.toJSON());
    }
  });

  it('is versioned and small: a few numbers per step', () => {
    const json = learnedWith([1_000, 2_000]).toJSON();
    expect(json.version).toBe(1);
    expect(Object.keys(json.entries[0]!).sort()).toEqual(
      ['m2Log', 'meanLog', 'minMs', 'n', 'provider', 'stepKey', 'workflow'].sort(),
    );
  });

  it('keeps the most recent entries when restoring into a smaller maxKeys', () => {
    const learned = new LearnedDurations();
    for (const stepKey of ['a', 'b', 'c']) learned.record({ ...KEY, stepKey, durationMs: 1_000 });
    const restored = LearnedDurations.fromJSON(learned.toJSON(), { maxKeys: 2 });
    expect(restored.toJSON().entries.map((e) => e.stepKey)).toEqual(['b', 'c']);
  });

  const entry = { provider: 'p', workflow: 'w', stepKey: 's', n: 3, meanLog: 9, m2Log: 0.1, minMs: 100 };
  it.each([
    ['{not json', 'Expected `learned` to be JSON from LearnedDurations.toJSON(), got text that is not JSON'],
    [null, 'Expected `learned` to be an object, got null'],
    [[], 'Expected `learned` to be an object, got an array'],
    [{ version: 2, entries: [] }, 'Expected `learned.version` to be 1, got 2'],
    [{ version: 1 }, 'Expected `learned.entries` to be an array, got undefined'],
    [{ version: 1, entries: [7] }, 'Expected `learned.entries[0]` to be an object, got 7'],
    [
      { version: 1, entries: [{ ...entry, stepKey: 1 }] },
      'Expected `learned.entries[0].stepKey` to be a non-empty string, got 1',
    ],
    [{ version: 1, entries: [entry, { ...entry, n: 0 }] }, 'Expected `learned.entries[1].n` to be a number ≥ 1, got 0'],
    [
      { version: 1, entries: [{ ...entry, meanLog: NaN }] },
      'Expected `learned.entries[0].meanLog` to be a finite log-duration, got NaN',
    ],
    [
      { version: 1, entries: [{ ...entry, m2Log: -1 }] },
      'Expected `learned.entries[0].m2Log` to be a number ≥ 0, got -1',
    ],
    [
      { version: 1, entries: [{ ...entry, minMs: '5' }] },
      'Expected `learned.entries[0].minMs` to be a positive number, got "5"',
    ],
  ])('refuses %j with a ConfigError', (input, message) => {
    expect(() => LearnedDurations.fromJSON(input)).toThrow(ConfigError);
    expect(() => LearnedDurations.fromJSON(input)).toThrow(message);
  });
});
