import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfigError, type ExecutionSnapshot } from '../../src/index.js';
import { ProviderCore, toIsoUtc } from '../../src/providers/shared.js';
import { snap } from '../helpers/snapshots.js';

const spec = { provider: 'test', defaultBaseUrl: 'https://api.test/v1', authHeaders: (key: string) => ({ 'x-api-key': key }) };

describe('ProviderCore', () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  it("layers a watch's backoff over the client's, an explicit undefined keeping the client's value", async () => {
    const core = new ProviderCore(spec, { apiKey: 'k', backoff: { initialDelayMs: 50, multiplier: 1, jitter: 'none' } });
    const at: number[] = [];
    const items = [snap('running'), snap('running'), snap('completed')];
    const source = { id: 'e1', fetchSnapshot: async (): Promise<ExecutionSnapshot> => (at.push(Date.now()), items[at.length - 1]!) };
    core.watch(source, { backoff: { initialDelayMs: undefined, maxDelayMs: 500 } }).subscribe();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(at).toEqual([0, 50, 100]);
  });

  it('validates client and watch options where they are given', () => {
    expect(() => new ProviderCore(spec, { apiKey: '' })).toThrow(/apiKey/);
    expect(() => new ProviderCore(spec, { apiKey: 'k', backoff: { multiplier: 0 } })).toThrow(ConfigError);
    const core = new ProviderCore(spec, { apiKey: 'k' });
    expect(() => core.runAndWatch(async () => ({ id: 'x', fetchSnapshot: async () => snap('running') }), { maxWaitMs: -1 })).toThrow(/maxWaitMs/);
  });

  it('never echoes a key pasted into the wrong place', () => {
    let message = '';
    try {
      new ProviderCore(spec, { apiKey: 'k', baseUrl: 'https://sk-secret-123@api.test' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).not.toContain('sk-secret-123');
  });
});

describe('toIsoUtc', () => {
  it('reads zone-less times as UTC and keeps zoned ones', () => {
    expect(toIsoUtc('2025-10-22T10:00:00')).toBe('2025-10-22T10:00:00.000Z');
    expect(toIsoUtc('2025-10-22 10:00:00.5')).toBe('2025-10-22T10:00:00.500Z');
    expect(toIsoUtc('2024-01-15T10:30:00+02:00')).toBe('2024-01-15T08:30:00.000Z');
    expect([toIsoUtc(null), toIsoUtc(''), toIsoUtc('yesterday')]).toEqual([undefined, undefined, undefined]);
  });
});
