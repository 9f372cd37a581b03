import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import * as z from 'zod/mini';
import { afterEach, describe, expect, it } from 'vitest';
import type { Schema } from '../../src/providers/adapter.js';
import { fromJson, type CheckedSchema } from '../../src/providers/check.js';
import * as datalab from '../../src/providers/datalab/checks.js';
import { DatalabExecuteResponse, DatalabExecution } from '../../src/providers/datalab/schema.js';
import * as eachlabs from '../../src/providers/eachlabs/checks.js';
import {
  EachLabsExecution,
  EachLabsExecutionList,
  EachLabsTriggerResponse,
} from '../../src/providers/eachlabs/schema.js';
import * as modelslab from '../../src/providers/modelslab/checks.js';
import {
  ModelsLabCancelResponse,
  ModelsLabExecution,
  ModelsLabRunResponse,
} from '../../src/providers/modelslab/schema.js';

// The checks polls validate with (src/providers/check.ts) stand in for the zod schemas users
// see: here each one is held to its schema, by definition and by behaviour.

type ZodSchema = Schema<unknown> & z.core.$ZodType;

const fixture = (provider: string, name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../fixtures/${provider}/${name}.json`, import.meta.url), 'utf8'));

const pairs: { name: string; zod: ZodSchema; check: CheckedSchema<unknown>; docs: unknown[] }[] = [
  {
    name: 'EachLabsExecution',
    zod: EachLabsExecution,
    check: eachlabs.ExecutionBody,
    docs: ['execution-completed', 'execution-failed', 'execution-current-running'].map((f) => fixture('eachlabs', f)),
  },
  {
    name: 'EachLabsExecutionList',
    zod: EachLabsExecutionList,
    check: eachlabs.ListShape,
    docs: [fixture('eachlabs', 'list-page')],
  },
  {
    name: 'EachLabsTriggerResponse',
    zod: EachLabsTriggerResponse,
    check: eachlabs.TriggerBody,
    docs: ['trigger-current', 'trigger-legacy'].map((f) => fixture('eachlabs', f)),
  },
  {
    name: 'DatalabExecution',
    zod: DatalabExecution,
    check: datalab.ExecutionShape,
    docs: ['status-documented', 'status-completed', 'status-failed', 'status-nested'].map((f) => fixture('datalab', f)),
  },
  {
    name: 'DatalabExecuteResponse',
    zod: DatalabExecuteResponse,
    check: datalab.ExecuteBody,
    docs: [fixture('datalab', 'execute-response')],
  },
  {
    name: 'ModelsLabExecution',
    zod: ModelsLabExecution,
    check: modelslab.ExecutionBody,
    docs: ['running', 'completed', 'failed'].map((f) => fixture('modelslab', f)),
  },
  {
    name: 'ModelsLabRunResponse',
    zod: ModelsLabRunResponse,
    check: modelslab.RunBody,
    docs: [fixture('modelslab', 'run')],
  },
  {
    name: 'ModelsLabCancelResponse',
    zod: ModelsLabCancelResponse,
    check: modelslab.CancelBody,
    docs: [fixture('modelslab', 'cancel')],
  },
];

/** A check's definition, as data: what its own fields hold. */
type Definition = { kind: string } & Record<string, unknown>;

/** Reads a zod/mini schema's definition back as a check's; throws on any kind a check cannot mirror. */
function fromZod(schema: z.core.$ZodType): Definition {
  const def = schema._zod.def as unknown as Record<string, unknown> & { type: string; checks?: z.core.$ZodCheck[] };
  const checks = (def.checks ?? []).map((c) => c._zod.def as unknown as Record<string, unknown>);
  const inner = (key: string): Definition => fromZod(def[key] as z.core.$ZodType);
  switch (def.type) {
    case 'string': {
      if (checks.length === 0) return { kind: 'string' };
      expect(checks.map((c) => c['check'])).toEqual(['min_length']);
      return { kind: 'string', minLength: checks[0]!['minimum'] };
    }
    case 'number':
      expect(checks).toEqual([]);
      if (def['format'] === undefined) return { kind: 'number' };
      expect(def['format']).toBe('safeint');
      return { kind: 'int' };
    case 'unknown':
      return { kind: 'unknown' };
    case 'optional':
      return { kind: 'optional', inner: inner('innerType') };
    case 'nullable':
      return { kind: 'nullable', inner: inner('innerType') };
    case 'union':
      return { kind: 'union', options: (def['options'] as z.core.$ZodType[]).map(fromZod) };
    case 'array':
      return { kind: 'array', element: inner('element') };
    case 'record':
      expect(fromZod(def['keyType'] as z.core.$ZodType)).toEqual({ kind: 'string' });
      return { kind: 'record', value: inner('valueType') };
    case 'object': {
      expect(fromZod(def['catchall'] as z.core.$ZodType)).toEqual({ kind: 'unknown' }); // loose
      const shape = def['shape'] as Record<string, z.core.$ZodType>;
      return { kind: 'object', shape: Object.fromEntries(Object.entries(shape).map(([k, v]) => [k, fromZod(v)])) };
    }
    default:
      throw new Error(`a check cannot mirror a zod ${def.type}`);
  }
}

/** Both verdicts, and what each gives: the same data when valid, the same issues when not. */
function expectAgreement(zod: ZodSchema, check: CheckedSchema<unknown>, value: unknown): void {
  const expected = zod.safeParse(value);
  const actual = check.safeParse(value);
  expect(actual.success).toBe(expected.success);
  if (expected.success && actual.success) expect(actual.data).toStrictEqual(expected.data);
  if (!expected.success && !actual.success) expect(actual.error.issues).toStrictEqual(expected.error.issues);
}

type Path = (string | number)[];
function paths(value: unknown, prefix: Path = []): Path[] {
  const out: Path[] = [prefix];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...prefix, i])));
  else if (typeof value === 'object' && value !== null)
    for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
  return out;
}
function mutate(root: unknown, path: Path, value: unknown, remove: boolean): unknown {
  if (path.length === 0) return value;
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let parent = copy;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const last = path.at(-1)!;
  if (remove) delete parent[last];
  else parent[last] = value;
  return copy;
}

/** Values at zod's corners: lengths that are not strings, unsafe integers, NaN, `__proto__` keys, symbol keys. */
const corners = fc.constantFrom<unknown>(
  undefined,
  null,
  '',
  'x',
  '\u{1F600}',
  0,
  -1,
  1.5,
  NaN,
  Infinity,
  -Infinity,
  2 ** 60,
  -(2 ** 60),
  true,
  [],
  ['x'],
  { length: 0 },
  { length: null },
  { length: '5' },
  JSON.parse('{"__proto__": {"status": 1}, "status": "ok"}'),
  JSON.parse('{"__proto__": 5}'),
  { [Symbol('s')]: { status: 'ok' } },
  Object.assign(Object.create(null) as object, { status: 'ok', execution_id: 'e' }),
  new Date(0),
);
const exotic = fc.anything({
  withNullPrototype: true,
  withSparseArray: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withObjectString: true,
});
const values = fc.oneof(fc.jsonValue(), fc.anything(), exotic, corners, fc.constantFrom(null, undefined));
const mutated = (docs: unknown[]) =>
  fc
    .constantFrom(...docs)
    .chain((doc) => fc.tuple(fc.constant(doc), fc.constantFrom(...paths(doc)), values, fc.boolean()))
    .map(([doc, path, value, remove]) => mutate(doc, path, value, remove));

describe.each(pairs)('the check for $name', ({ zod, check, docs }) => {
  afterEach(() => {
    z.config({ localeError: undefined }); // back to zod/mini's default: no locale
  });

  it('mirrors the zod schema’s definition', () => {
    expect(check.check).toEqual(fromZod(zod));
  });

  it('returns a valid body itself, not a copy', () => {
    for (const doc of docs) {
      const result = check.safeParse(doc);
      expect(result.success && result.data).toBe(doc);
    }
  });

  it('agrees with zod on the documented bodies and on every mutation of them', () => {
    for (const doc of docs) expectAgreement(zod, check, doc);
    fc.assert(
      fc.property(mutated(docs), (body) => expectAgreement(zod, check, body)),
      { numRuns: 600 },
    );
  });

  it('agrees with zod on anything at all', () => {
    fc.assert(
      fc.property(values, (body) => expectAgreement(zod, check, body)),
      { numRuns: 300 },
    );
  });

  it('agrees with zod on bodies straight from JSON.parse, checked as such', () => {
    const json = (value: unknown): unknown => {
      const text = JSON.stringify(value);
      return text === undefined ? undefined : JSON.parse(text);
    };
    const proto = fc
      .constantFrom(...docs)
      .map((doc) => JSON.parse(JSON.stringify(doc).replace('{', '{"__proto__":{"x":1},')));
    fc.assert(
      fc.property(fc.oneof(mutated(docs).map(json), proto), (body) => {
        const expected = zod.safeParse(body);
        const actual = fromJson(() => check.safeParse(body));
        expect(actual.success).toBe(expected.success);
        if (expected.success && actual.success) expect(actual.data).toStrictEqual(expected.data);
        if (!expected.success && !actual.success) expect(actual.error.issues).toStrictEqual(expected.error.issues);
      }),
      { numRuns: 600 },
    );
    // Only for the length of the call, even one that throws: other values are asked again.
    expect(() =>
      fromJson(() => {
        throw new Error('thrown');
      }),
    ).toThrow('thrown');
    for (const doc of docs) {
      const symbolKeyed = Object.assign({ [Symbol('s')]: 1 }, doc);
      expectAgreement(zod, check, symbolKeyed);
      const result = check.safeParse(symbolKeyed);
      expect(result.success && result.data).not.toBe(symbolKeyed); // a copy, as zod's: the fast path did not vouch
    }
  });

  it('gives the messages of the locale zod is configured with', () => {
    z.config(z.locales.en());
    fc.assert(
      fc.property(fc.oneof(mutated(docs), values), (body) => expectAgreement(zod, check, body)),
      { numRuns: 200 },
    );
  });
});

describe('the Datalab execution body', () => {
  it('names the field at fault inside a step rather than an opaque union', () => {
    const result = datalab.ExecutionBody.safeParse({ execution_id: 1, status: 'X', steps: { a: { status: 3 } } });
    expect(result.success).toBe(false);
    if (!result.success) expect(result.error.issues[0]?.path).toEqual(['steps', 'a', 'status']);
  });
});
