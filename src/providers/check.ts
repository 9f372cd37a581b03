import type { Schema, SchemaIssue } from './adapter.js';

// The provider schemas (`<provider>/schema.ts`) are zod/mini, and stay what users see. Polls
// validate with these checks instead: the zod/mini kinds those schemas use, mirrored in
// `<provider>/checks.ts`, giving zod's verdict and zod's issues without zod. A valid body costs
// one walk that allocates next to nothing and comes back as is (zod copies every object), and
// a watch's bundle carries no zod. test/providers/checks.test.ts holds each mirror to its zod
// schema: the same definition (read from zod's `_zod.def`), the same verdict, the same issues.
// A class per kind, so that a bundle keeps only the kinds its provider uses.

/** An issue as zod raises it, before {@link finalize}. */
interface RawIssue {
  code: string;
  path?: PropertyKey[];
  /** zod's flag: an issue that does not abort (a failed length or range check). */
  continue?: boolean;
  input?: unknown;
  [key: string]: unknown;
}

/** What the slow path makes of a value: zod's output (a copy) and zod's issues. */
interface Result {
  value: unknown;
  issues: RawIssue[];
}

/** One schema: a zod/mini kind. Its own enumerable fields are its definition, as data. */
export abstract class Check {
  abstract readonly kind: string;
  /** The fast path: true only when the value is valid and zod's output would equal it. */
  abstract is(value: unknown): boolean;
  /** The slow path: zod's parse, step by step. */
  abstract run(value: unknown): Result;
  /** zod's `optin`: whether an absent key may be left to this schema. */
  optIn(): boolean {
    return false;
  }
  /** zod's `optout`: whether this schema's output may be absent. */
  optOut(): boolean {
    return false;
  }
}

const ok = (value: unknown): Result => ({ value, issues: [] });
const fail = (value: unknown, issue: RawIssue): Result => ({ value, issues: [issue] });
const hasOwn = (o: object, key: PropertyKey): boolean => Object.prototype.hasOwnProperty.call(o, key);
const isObject = (v: unknown): v is Record<PropertyKey, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Whether the value being checked came straight from `JSON.parse` (a body the transport read),
 * set only for the length of one synchronous {@link fromJson} call. Such a value's objects
 * all have Object.prototype and string keys only, by JSON.parse's definition, so the fast path
 * need not ask (asking for symbol keys allocates, some 2 µs a poll).
 */
let parsedJson = false;

/**
 * Validates a body straight from `JSON.parse` with `schema`, letting the checks skip what
 * JSON.parse guarantees. Any other schema (a user's zod) just runs; a nested call only makes
 * the rest of the outer one check more.
 */
export function fromJson<R>(parse: () => R): R {
  parsedJson = true;
  try {
    return parse();
  } finally {
    parsedJson = false;
  }
}

/**
 * An object as JSON.parse makes them, the only objects the fast path vouches for: zod's copy
 * of anything else differs (a prototype, an own `__proto__` or symbol key it leaves out).
 * JSON.parse can make an own `__proto__`, so that is asked of every object.
 */
const isJsonObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' &&
  v !== null &&
  (parsedJson
    ? !Array.isArray(v)
    : Object.getPrototypeOf(v) === Object.prototype && Object.getOwnPropertySymbols(v).length === 0) &&
  !hasOwn(v, '__proto__');

function prefix(key: PropertyKey, issues: RawIssue[]): RawIssue[] {
  for (const issue of issues) (issue.path ??= []).unshift(key);
  return issues;
}

class StringCheck extends Check {
  readonly kind = 'string';
  is(v: unknown): boolean {
    return typeof v === 'string';
  }
  run(input: unknown): Result {
    return typeof input === 'string' ? ok(input) : fail(input, { expected: 'string', code: 'invalid_type', input });
  }
}

/** `z.string().check(z.minLength(n))`. */
class MinLengthCheck extends StringCheck {
  constructor(readonly minLength: number) {
    super();
  }
  override is(v: unknown): boolean {
    const min = this.minLength;
    return typeof v === 'string' && (v.length >= 2 * min || codePoints(v) >= min);
  }
  override run(input: unknown): Result {
    const result = super.run(input);
    const min = this.minLength;
    // zod runs a length check on anything with a `length` (its `when`), even after a type issue.
    const length: unknown = input == null ? undefined : (input as { length?: unknown }).length;
    if (length !== undefined && !((typeof input === 'string' ? codePoints(input) : (length as number)) >= min)) {
      const origin = Array.isArray(input) ? 'array' : typeof input === 'string' ? 'string' : 'unknown';
      result.issues.push({ origin, code: 'too_small', minimum: min, inclusive: true, input, continue: true });
    }
    return result;
  }
}

/** zod's `codePointLength`: a surrogate pair counts once. */
function codePoints(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length - 1; i++) {
    if ((s.charCodeAt(i) & 0xfc00) === 0xd800 && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n--;
      i++;
    }
  }
  return n;
}

class NumberCheck extends Check {
  readonly kind: string = 'number';
  is(v: unknown): boolean {
    return typeof v === 'number' && Number.isFinite(v);
  }
  run(input: unknown): Result {
    if (typeof input === 'number' && Number.isFinite(input)) return ok(input);
    const received = typeof input !== 'number' ? undefined : Number.isNaN(input) ? 'NaN' : String(input);
    return fail(input, { expected: 'number', code: 'invalid_type', input, ...(received ? { received } : {}) });
  }
}

/** `z.int()`: a number, then zod's `safeint` format check. */
class IntCheck extends NumberCheck {
  override readonly kind = 'int';
  override is(v: unknown): boolean {
    return typeof v === 'number' && Number.isSafeInteger(v);
  }
  override run(input: unknown): Result {
    const result = super.run(input);
    if (result.issues.length > 0 || Number.isSafeInteger(input)) return result;
    const n = input as number;
    if (!Number.isInteger(n)) {
      return fail(n, { expected: 'int', format: 'safeint', code: 'invalid_type', continue: false, input });
    }
    const [code, bound, limit] =
      n > 0 ? ['too_big', 'maximum', Number.MAX_SAFE_INTEGER] : ['too_small', 'minimum', Number.MIN_SAFE_INTEGER];
    const note = 'Integers must be within the safe integer range.';
    return fail(n, { input, code, [bound]: limit, note, origin: 'int', inclusive: true, continue: true });
  }
}

class UnknownCheck extends Check {
  readonly kind = 'unknown';
  is(): boolean {
    return true;
  }
  run(input: unknown): Result {
    return ok(input);
  }
}

class OptionalCheck extends Check {
  readonly kind = 'optional';
  constructor(readonly inner: Check) {
    super();
  }
  is(v: unknown): boolean {
    return v === undefined || this.inner.is(v);
  }
  run(input: unknown): Result {
    return input === undefined ? ok(input) : this.inner.run(input);
  }
  override optIn(): boolean {
    return true;
  }
  override optOut(): boolean {
    return true;
  }
}

class NullableCheck extends Check {
  readonly kind = 'nullable';
  constructor(readonly inner: Check) {
    super();
  }
  is(v: unknown): boolean {
    return v === null || this.inner.is(v);
  }
  run(input: unknown): Result {
    return input === null ? ok(input) : this.inner.run(input);
  }
  override optIn(): boolean {
    return this.inner.optIn();
  }
  override optOut(): boolean {
    return this.inner.optOut();
  }
}

class UnionCheck extends Check {
  readonly kind = 'union';
  constructor(readonly options: readonly Check[]) {
    super();
  }
  is(v: unknown): boolean {
    for (const option of this.options) if (option.is(v)) return true;
    return false;
  }
  run(input: unknown): Result {
    if (this.options.length === 1) return this.options[0]!.run(input);
    const results: Result[] = [];
    for (const option of this.options) {
      const result = option.run(input);
      if (result.issues.length === 0) return result;
      results.push(result);
    }
    // zod: when exactly one option failed without aborting (a range check), its issues stand.
    const standing = results.filter((r) => r.issues.every((issue) => issue.continue === true));
    if (standing.length === 1) return standing[0]!;
    return fail(input, { code: 'invalid_union', input, errors: results.map((r) => r.issues.map(finalize)) });
  }
  override optIn(): boolean {
    return this.options.some((o) => o.optIn());
  }
  override optOut(): boolean {
    return this.options.some((o) => o.optOut());
  }
}

class ArrayCheck extends Check {
  readonly kind = 'array';
  constructor(readonly element: Check) {
    super();
  }
  is(v: unknown): boolean {
    if (!Array.isArray(v)) return false;
    for (let i = 0; i < v.length; i++) if (!this.element.is(v[i])) return false; // holes too, as zod
    return true;
  }
  run(input: unknown): Result {
    if (!Array.isArray(input)) return fail(input, { expected: 'array', code: 'invalid_type', input });
    const result = ok(new Array<unknown>(input.length));
    for (let i = 0; i < input.length; i++) {
      const item = this.element.run(input[i]);
      result.issues.push(...prefix(i, item.issues));
      (result.value as unknown[])[i] = item.value;
    }
    return result;
  }
}

/** `z.record(z.string(), value)`. */
class RecordCheck extends Check {
  readonly kind = 'record';
  constructor(readonly value: Check) {
    super();
  }
  is(v: unknown): boolean {
    if (!isJsonObject(v)) return false;
    for (const key in v) if (!this.value.is(v[key])) return false;
    return true;
  }
  run(input: unknown): Result {
    if (!isPlainObject(input)) return fail(input, { expected: 'record', code: 'invalid_type', input });
    const out: Record<PropertyKey, unknown> = {};
    const result = ok(out);
    for (const key of Reflect.ownKeys(input)) {
      if (key === '__proto__' || !Object.prototype.propertyIsEnumerable.call(input, key)) continue;
      if (typeof key === 'symbol') {
        const keyIssue = finalize({ expected: 'string', code: 'invalid_type', input: key });
        result.issues.push({ code: 'invalid_key', origin: 'record', issues: [keyIssue], input: key, path: [key] });
        continue;
      }
      const entry = this.value.run(input[key]);
      result.issues.push(...prefix(key, entry.issues));
      out[key] = entry.value;
    }
    return result;
  }
}

/** zod's `isPlainObject`. */
function isPlainObject(o: unknown): o is Record<PropertyKey, unknown> {
  if (!isObject(o)) return false;
  const ctor: unknown = o['constructor'];
  if (typeof ctor !== 'function') return true;
  const proto: unknown = (ctor as { prototype?: unknown }).prototype;
  return isObject(proto) && hasOwn(proto, 'isPrototypeOf');
}

/** `z.looseObject(shape)`: every other key passes through. */
class ObjectCheck extends Check {
  readonly kind = 'object';
  readonly #keys: string[];
  readonly #checks: Check[];
  /** Whether each key may be absent (zod leaves such a key out). */
  readonly #optional: boolean[];

  constructor(readonly shape: Readonly<Record<string, Check>>) {
    super();
    this.#keys = Object.keys(shape);
    this.#checks = this.#keys.map((key) => shape[key]!);
    this.#optional = this.#checks.map((check) => check.optIn() && check.optOut());
  }

  is(v: unknown): boolean {
    if (!isJsonObject(v)) return false;
    const keys = this.#keys;
    for (let i = 0; i < keys.length; i++) {
      const x = v[keys[i]!];
      if (x === undefined && !(keys[i]! in v)) {
        if (this.#optional[i]) continue;
        return false; // zod: the key's own issue, or `nonoptional`
      }
      if (!this.#checks[i]!.is(x)) return false;
    }
    return true;
  }

  run(input: unknown): Result {
    if (!isObject(input)) return fail(input, { expected: 'object', code: 'invalid_type', input });
    const out: Record<string, unknown> = {};
    const result = ok(out);
    this.#keys.forEach((key, i) => {
      const present = key in input;
      if (!present && this.#optional[i]) return;
      const entry = this.#checks[i]!.run(input[key]);
      result.issues.push(...prefix(key, entry.issues));
      if (present) out[key] = entry.value;
      else if (!this.#checks[i]!.optIn()) {
        if (entry.issues.length === 0) {
          result.issues.push({ code: 'invalid_type', expected: 'nonoptional', input: undefined, path: [key] });
        }
      } else if (entry.value !== undefined) out[key] = entry.value;
    });
    // Never `__proto__`: assigned, it would replace the copy's prototype.
    for (const key in input) if (!hasOwn(this.shape, key) && key !== '__proto__') out[key] = input[key];
    return result;
  }
}

export const string = (): Check => new StringCheck();
/** `z.string().check(z.minLength(n))`. */
export const minLengthString = (n: number): Check => new MinLengthCheck(n);
export const number: Check = /* @__PURE__ */ new NumberCheck();
export const int: Check = /* @__PURE__ */ new IntCheck();
export const unknown: Check = /* @__PURE__ */ new UnknownCheck();
export const optional = (inner: Check): Check => new OptionalCheck(inner);
export const nullable = (inner: Check): Check => new NullableCheck(inner);
/** `z.nullish(inner)`, which zod/mini builds as `z.optional(z.nullable(inner))`. */
export const nullish = (inner: Check): Check => optional(nullable(inner));
export const union = (...options: Check[]): Check => new UnionCheck(options);
export const array = (element: Check): Check => new ArrayCheck(element);
export const record = (value: Check): Check => new RecordCheck(value);
export const looseObject = (shape: Record<string, Check>): Check => new ObjectCheck(shape);

/** A {@link Schema} that validates as zod would, its check kept for the agreement tests. */
export interface CheckedSchema<T> extends Schema<T> {
  readonly check: Check;
}

/** Makes a schema of a check: the fast path, then the slow one for anything it does not vouch for. */
export function checked<T>(check: Check): CheckedSchema<T> {
  return {
    check,
    safeParse(data) {
      if (check.is(data)) return { success: true, data: data as T };
      const { value, issues } = check.run(data);
      return issues.length === 0
        ? { success: true, data: value as T }
        : { success: false, error: { issues: issues.map(finalize) } };
    },
  };
}

type MessageMap = (issue: RawIssue) => unknown;

const messageOf = (m: unknown): string | undefined =>
  typeof m === 'string' ? m : (m as { message?: string } | undefined)?.message;

/**
 * zod's `finalizeIssue`: drops `input` and `continue`, fills in the path, and asks zod's global
 * config for a message (a locale set with `z.config(...)` applies here too), else "Invalid input".
 */
function finalize(issue: RawIssue): SchemaIssue {
  const config = (globalThis as { __zod_globalConfig?: { customError?: MessageMap; localeError?: MessageMap } })
    .__zod_globalConfig;
  const message = messageOf(config?.customError?.(issue)) ?? messageOf(config?.localeError?.(issue)) ?? 'Invalid input';
  const full: Record<string, unknown> = {};
  for (const key of Object.keys(issue)) if (key !== 'continue' && key !== 'input') full[key] = issue[key];
  full['path'] ??= [];
  full['message'] = message;
  return full as unknown as SchemaIssue;
}
