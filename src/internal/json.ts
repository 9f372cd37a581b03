/**
 * `JSON.stringify`, whatever the depth. V8's own overflows the stack on a value nested some
 * thousands deep, as a provider's output can be: such a value is written by an iterative
 * serializer instead, with the same text for JSON data (`toJSON` honoured, `undefined`,
 * functions and symbols left out of objects and `null` in arrays, non-finite numbers `null`).
 * Use it to log or persist snapshots whose `raw` or `output` a provider controls.
 *
 * @param value - any JSON-like value.
 * @returns its JSON text.
 *
 * @example
 * ```ts
 * import { stringifyJson } from 'runwatch';
 *
 * let deep: unknown = 'leaf';
 * for (let i = 0; i < 100_000; i++) deep = [deep];
 * console.log(stringifyJson(deep).length);
 * // Logs: 200006
 * ```
 */
export function stringifyJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'null';
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
  }
  type Work = string | { value: unknown } | { close: object };
  const work: Work[] = [{ value }];
  const open = new Set<object>();
  let out = '';
  const skipped = (v: unknown): boolean => v === undefined || typeof v === 'function' || typeof v === 'symbol';
  while (work.length > 0) {
    const item = work.pop()!;
    if (typeof item === 'string') {
      out += item;
      continue;
    }
    if ('close' in item) {
      open.delete(item.close);
      continue;
    }
    let v = item.value;
    if (typeof (v as { toJSON?: unknown } | null)?.toJSON === 'function') v = (v as { toJSON(): unknown }).toJSON();
    if (typeof v !== 'object' || v === null) {
      out += skipped(v) || (typeof v === 'number' && !Number.isFinite(v)) ? 'null' : JSON.stringify(v);
      continue;
    }
    if (open.has(v)) throw new TypeError('Converting circular structure to JSON');
    open.add(v);
    work.push({ close: v });
    const record = v as Record<string, unknown>;
    const array = Array.isArray(v);
    const keys = array ? Object.keys(v) : Object.keys(v).filter((k) => !skipped(record[k]));
    out += array ? '[' : '{';
    work.push(array ? ']' : '}');
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i]!;
      work.push({ value: record[key] });
      if (!array) work.push(`${JSON.stringify(key)}:`);
      if (i > 0) work.push(',');
    }
  }
  return out;
}
