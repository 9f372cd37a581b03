// Small pure helpers every normalizer uses: one way to read a time, a status, an optional field.

/** Reads a timestamp as ISO 8601 UTC; a zone-less one (Datalab's) is taken as UTC. */
export function toIsoUtc(value: string | null | undefined): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const zoneless = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(value.trim());
  const ms = Date.parse(zoneless ? `${value.trim().replace(' ', 'T')}Z` : value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/**
 * Looks a provider's status up, whatever the case it came in: in a table (keys in lower case)
 * or, where the provider spells statuses as the model does, in a list. Anything else is
 * `'unknown'`, its raw string kept by the caller. Maps, not object literals: a status of
 * "constructor" must not find Object.prototype's.
 */
export function statusFrom<T extends string>(table: ReadonlyMap<string, T> | readonly T[], raw: string): T | 'unknown' {
  const key = raw.trim().toLowerCase();
  if (Array.isArray(table)) return table.includes(key) ? (key as T) : 'unknown';
  return (table as ReadonlyMap<string, T>).get(key) ?? 'unknown';
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
  const seen = new Map<string, number>(); // id → occurrences so far
  const used = new Set<string>();
  return (id) => {
    let n = (seen.get(id) ?? 0) + 1;
    let key = n === 1 ? id : `${id}#${n}`;
    while (used.has(key)) key = `${id}#${++n}`;
    seen.set(id, n);
    used.add(key);
    return key;
  };
}
