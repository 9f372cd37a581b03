// Small pure helpers every normalizer uses: one way to read a time, a status, an optional field.

/**
 * Timestamps already read: a watch reads the same ones poll after poll, and a hit costs no
 * parse and no new string. Bounded: emptied when full.
 */
const readTimes = new Map<string, string>();
const READ_TIMES_MAX = 1024;

/** Reads a timestamp as ISO 8601 UTC; a zone-less one (Datalab's) is taken as UTC. */
export function toIsoUtc(value: string | null | undefined): string | undefined {
  if (typeof value !== 'string') return undefined;
  const known = readTimes.get(value);
  if (known !== undefined) return known;
  const iso = canonical(value) ?? parseTime(value);
  if (iso !== undefined) {
    if (readTimes.size >= READ_TIMES_MAX) readTimes.clear();
    readTimes.set(value, iso);
  }
  return iso;
}

function parseTime(value: string): string | undefined {
  if (value.trim() === '') return undefined;
  const zoneless = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(value.trim());
  const ms = Date.parse(zoneless ? `${value.trim().replace(' ', 'T')}Z` : value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/**
 * The timestamps providers send (`2025-12-04T11:48:10Z`, Datalab's zone-less
 * `2025-10-22T10:00:00`, with or without a fraction), every field in range, rewritten by hand:
 * a poll reads dozens, and Date.parse + toISOString cost a microsecond each. Anything else
 * (a day past the month's end, which Date.parse rolls over; offsets; other forms) is
 * `undefined` here and goes the slow way. test/providers/normalize.test.ts holds the two equal.
 */
function canonical(v: string): string | undefined {
  const m = CANONICAL.exec(v);
  if (m === null || (m[4] === ' ' && m[9] === 'Z')) return undefined;
  const [, year = 0, month = 0, day = 0, , hour = 0, minute = 0, second = 0] = m.map(Number);
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  // Date.parse keeps milliseconds, truncated.
  return `${v.slice(0, 10)}T${v.slice(11, 19)}.${(m[8] ?? '').slice(0, 3).padEnd(3, '0')}Z`;
}

const CANONICAL = /^(\d{4})-(\d\d)-(\d\d)([T ])(\d\d):(\d\d):(\d\d)(?:\.(\d+))?(Z?)$/;

function daysIn(year: number, month: number): number {
  if (month !== 2) return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
}

/**
 * Looks a provider's status up, whatever the case it came in: in a table (keys in lower case)
 * or, where the provider spells statuses as the model does, in a list. Anything else is
 * `'unknown'`, its raw string kept by the caller. Maps, not object literals: a status of
 * "constructor" must not find Object.prototype's.
 */
export function statusFrom<T extends string>(table: ReadonlyMap<string, T> | readonly T[], raw: string): T | 'unknown' {
  const key = folded(raw);
  if (Array.isArray(table)) return table.includes(key) ? (key as T) : 'unknown';
  return (table as ReadonlyMap<string, T>).get(key) ?? 'unknown';
}

const foldedStatuses = new Map<string, string>();

/** `raw` trimmed and in lower case; remembered, since a provider has a handful of statuses (bounded all the same). */
function folded(raw: string): string {
  let key = foldedStatuses.get(raw);
  if (key === undefined) {
    key = raw.trim().toLowerCase();
    if (foldedStatuses.size >= 256) foldedStatuses.clear();
    foldedStatuses.set(raw, key);
  }
  return key;
}

/** A string with something in it, or `undefined`. */
export function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

/** Sets an optional field only when there is a value: `exactOptionalPropertyTypes` forbids `key: undefined`. */
export function put<T, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined) target[key] = value;
}

/**
 * Makes step keys unique within one body: the first `id` is `id`, repeats are `id#2`, `id#3`
 * … in body order, and a literal `id#2` earlier in the body is never shadowed by a generated
 * one. A key depends only on the steps before it, so it survives later steps being appended.
 */
export function uniqueKeys(): (id: string) => string {
  const seen = new Map<string, number>(); // id → the suffix of its last key, where it repeated
  const used = new Set<string>();
  return (id) => {
    if (!used.has(id)) {
      used.add(id); // the usual case: a first, unique id (its suffix is 1)
      return id;
    }
    let n = (seen.get(id) ?? 1) + 1;
    let key = `${id}#${n}`;
    while (used.has(key)) key = `${id}#${++n}`;
    seen.set(id, n);
    used.add(key);
    return key;
  };
}
