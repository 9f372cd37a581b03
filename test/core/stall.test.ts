import { describe, expect, it } from 'vitest';
import { stallCheck, stalledChange } from '../../src/core/stall.js';
import type { StalledChange } from '../../src/index.js';

describe('stallCheck', () => {
  it('is not due before stallAfterMs, and says when it will be', () => {
    expect(stallCheck(1_000, 31_000, 60_000, false)).toEqual({ report: false, sinceMs: 30_000, dueInMs: 30_000 });
  });

  it('reports once the quiet time reaches stallAfterMs', () => {
    expect(stallCheck(1_000, 61_000, 60_000, false)).toEqual({ report: true, sinceMs: 60_000, dueInMs: undefined });
    expect(stallCheck(1_000, 500_000, 60_000, false).report).toBe(true);
  });

  it('reports once per stall: not again until a change resets the flag', () => {
    expect(stallCheck(1_000, 200_000, 60_000, true)).toEqual({ report: false, sinceMs: 199_000, dueInMs: undefined });
  });

  it('never counts negative quiet time when clocks disagree', () => {
    expect(stallCheck(10_000, 5_000, 60_000, false)).toEqual({ report: false, sinceMs: 0, dueInMs: 60_000 });
  });

  it('builds the change DESIGN §3 names', () => {
    const change: StalledChange = stalledChange('e1', 61_000);
    expect(change).toEqual({ type: 'stalled', executionId: 'e1', sinceMs: 61_000 });
  });
});
