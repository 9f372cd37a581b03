import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toIsoUtc, uniqueKeys } from '../../src/providers/normalize.js';

/** toIsoUtc as it was before its fast path: Date.parse for everything. */
function reference(value: string | null | undefined): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const zoneless = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(value.trim());
  const ms = Date.parse(zoneless ? `${value.trim().replace(' ', 'T')}Z` : value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');
/** A field mostly in range, often at or just past its bounds. */
const field = (min: number, max: number) =>
  fc.oneof(fc.integer({ min, max }), fc.constantFrom(min - 1, min, max, max + 1, 28, 29, 30, 31, 60));
/** Timestamps in the forms providers write, fields in and out of range. */
const stamp = fc
  .record({
    year: fc.oneof(fc.integer({ min: 0, max: 9999 }), fc.constantFrom(0, 1900, 2000, 2024, 2100)),
    month: field(1, 12),
    day: field(1, 31),
    hour: field(0, 23),
    minute: field(0, 59),
    second: field(0, 59),
    fraction: fc.option(fc.stringMatching(/^\d{0,9}$/)),
    separator: fc.constantFrom('T', ' ', 't', '_'),
    zone: fc.constantFrom('', 'Z', 'z', '+00:00', '+02:00', ' '),
    space: fc.constantFrom('', ' '),
  })
  .map(
    (t) =>
      `${t.space}${pad(t.year, 4)}-${pad(t.month, 2)}-${pad(t.day, 2)}${t.separator}` +
      `${pad(t.hour, 2)}:${pad(t.minute, 2)}:${pad(t.second, 2)}${t.fraction === null ? '' : `.${t.fraction}`}${t.zone}`,
  );
const real = fc
  .date({ min: new Date('0000-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true })
  .chain((d) => {
    const iso = d.toISOString();
    return fc.constantFrom(
      iso,
      iso.slice(0, 19),
      `${iso.slice(0, 19)}Z`,
      iso.slice(0, 23),
      iso.replace('T', ' ').slice(0, 19),
    );
  });

describe('toIsoUtc', () => {
  it('reads the forms providers write', () => {
    expect(toIsoUtc('2025-12-04T11:48:10Z')).toBe('2025-12-04T11:48:10.000Z');
    expect(toIsoUtc('2025-10-22T10:00:00')).toBe('2025-10-22T10:00:00.000Z');
    expect(toIsoUtc('2025-10-22T10:00:00.123456')).toBe('2025-10-22T10:00:00.123Z');
    expect(toIsoUtc('2024-02-29T00:00:00Z')).toBe('2024-02-29T00:00:00.000Z');
    expect(toIsoUtc('2025-02-29T00:00:00Z')).toBe('2025-03-01T00:00:00.000Z'); // as Date.parse reads it
    expect(toIsoUtc('2024-13-45T99:99:99Z')).toBeUndefined();
    expect(toIsoUtc('2025-01-01T23:59:60Z')).toBeUndefined();
    expect(toIsoUtc('2025-01-01T24:00:00Z')).toBe('2025-01-02T00:00:00.000Z');
    expect(toIsoUtc('  ')).toBeUndefined();
    expect(toIsoUtc(null)).toBeUndefined();
  });

  it('gives what Date.parse and toISOString give, for every timestamp and any string', () => {
    fc.assert(
      fc.property(fc.oneof(stamp, real, fc.string(), fc.stringMatching(/^[\d:.TZ -]{15,30}$/)), (value) => {
        expect(toIsoUtc(value)).toBe(reference(value));
      }),
      { numRuns: 5000 },
    );
  });
});

/** uniqueKeys as it was before its fast path for a first, unique id. */
function referenceKeys(ids: string[]): string[] {
  const seen = new Map<string, number>();
  const used = new Set<string>();
  return ids.map((id) => {
    let n = (seen.get(id) ?? 0) + 1;
    let key = n === 1 ? id : `${id}#${n}`;
    while (used.has(key)) key = `${id}#${++n}`;
    seen.set(id, n);
    used.add(key);
    return key;
  });
}

describe('uniqueKeys', () => {
  it('gives the keys it always gave, repeats and literal suffixes included', () => {
    const id = fc.constantFrom('a', 'b', 'a#2', 'a#3', 'a#2#2', 'b#2');
    fc.assert(
      fc.property(fc.array(id, { maxLength: 12 }), (ids) => {
        const keyOf = uniqueKeys();
        expect(ids.map(keyOf)).toEqual(referenceKeys(ids));
      }),
      { numRuns: 2000 },
    );
  });
});
