import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as z from 'zod/mini';
import { ConfigError, createClient, type ExecutionSnapshot, type ProviderAdapter } from '../../src/index.js';
import { toIsoUtc } from '../../src/providers/normalize.js';
import { snap } from '../helpers/snapshots.js';

/** A provider whose status is whatever `items` says next, read through a fake fetch. */
function adapter(): ProviderAdapter<string, ExecutionSnapshot> {
  return {
    name: 'test',
    baseUrl: 'https://api.test/v1',
    authHeaders: (key) => ({ 'x-api-key': key }),
    readError: () => ({}),
    parseRef: (id) => id,
    status: {
      what: 'job',
      request: (id) => ({ path: ['jobs', id], executionId: id }),
      schema: z.unknown(),
      read: (body) => body as ExecutionSnapshot,
    },
  };
}

describe('createClient', () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  it("layers a watch's backoff over the client's, an explicit undefined keeping the client's value", async () => {
    const at: number[] = [];
    const items = [snap('running'), snap('running'), snap('completed')];
    const fetch = async (): Promise<Response> => (at.push(Date.now()), Response.json(items[at.length - 1]));
    const client = createClient(adapter(), {
      apiKey: 'k',
      fetch,
      backoff: { initialDelayMs: 50, multiplier: 1, jitter: 'none' },
    });
    client.watch('e1', { backoff: { initialDelayMs: undefined, maxDelayMs: 500 } }).subscribe();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(at).toEqual([0, 50, 100]);
  });

  it('validates client and watch options where they are given', () => {
    expect(() => createClient(adapter(), { apiKey: '' })).toThrow(/apiKey/);
    expect(() => createClient(adapter(), { apiKey: 'k', backoff: { multiplier: 0 } })).toThrow(ConfigError);
    const client = createClient(adapter(), { apiKey: 'k' });
    expect(() => client.runAndWatch(adapter().status as never, 'x', { maxWaitMs: -1 })).toThrow(/maxWaitMs/);
  });

  it('never echoes a key pasted into the wrong place', () => {
    let message = '';
    try {
      createClient(adapter(), { apiKey: 'k', baseUrl: 'https://sk-secret-123@api.test' });
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
