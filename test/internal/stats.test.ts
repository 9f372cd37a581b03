import { describe, expect, it } from 'vitest';
import { normalCdf, normalQuantile, studentQuantile } from '../../src/internal/stats.js';

describe('normalQuantile', () => {
  it.each([
    [0.5, 0],
    [0.975, 1.959963985],
    [0.02, -2.053748911],
    [0.001, -3.090232306],
    [0.999, 3.090232306],
  ])('Φ⁻¹(%f) = %f', (p, z) => {
    expect(normalQuantile(p)).toBeCloseTo(z, 6);
  });

  it('stays finite at 0 and 1', () => {
    expect(Number.isFinite(normalQuantile(0))).toBe(true);
    expect(Number.isFinite(normalQuantile(1))).toBe(true);
    expect(normalQuantile(0)).toBeLessThan(-6);
  });
});

describe('normalCdf', () => {
  it('inverts normalQuantile', () => {
    for (const p of [0.001, 0.02, 0.1, 0.5, 0.9, 0.98, 0.999]) expect(normalCdf(normalQuantile(p))).toBeCloseTo(p, 6);
  });

  it('is 0 and 1 at the infinities', () => {
    expect(normalCdf(-Infinity)).toBe(0);
    expect(normalCdf(Infinity)).toBe(1);
  });
});

describe('studentQuantile', () => {
  it.each([
    [2, 4.302653],
    [4, 2.776445],
    [10, 2.228139],
    [30, 2.042272],
  ])('t₀.₉₇₅(%i) is within 1%% of %f', (nu, t) => {
    expect(Math.abs(studentQuantile(0.975, nu) / t - 1)).toBeLessThan(0.01);
  });

  it('tends to the normal quantile', () => {
    expect(studentQuantile(0.975, 1e6)).toBeCloseTo(1.959964, 5);
  });
});
