import type { Schema, SchemaIssue } from '../adapter.js';
import { checked, int, looseObject, minLengthString, nullable, optional, record, string, union } from '../check.js';
import type { DatalabExecuteResponse, DatalabExecution } from './schema.js';

// What the client validates Datalab's bodies with: schema.ts's zod schemas mirrored as checks
// (../check.ts says why), held to them by test/providers/checks.test.ts.

const Id = union(int, minLengthString(1));
const Timestamp = optional(nullable(string()));

const Step = looseObject({
  status: string(),
  started_at: Timestamp,
  completed_at: Timestamp,
  output_url: optional(nullable(string())),
});

/** Mirrors {@link DatalabExecution}. */
export const ExecutionShape = checked<DatalabExecution>(
  looseObject({
    execution_id: Id,
    workflow_id: optional(nullable(Id)),
    status: string(),
    created: Timestamp,
    updated: Timestamp,
    steps: optional(nullable(record(union(Step, record(Step))))),
  }),
);

/** Mirrors {@link DatalabExecuteResponse}. */
export const ExecuteBody = checked<DatalabExecuteResponse>(looseObject({ execution_id: Id }));

interface Issue extends SchemaIssue {
  path: PropertyKey[];
  errors?: Issue[][];
}

/**
 * zod reports a failed union as one opaque "invalid union" issue; report the issues of the
 * branch the value was meant for instead, so the error names the field at fault.
 */
export const ExecutionBody: Schema<DatalabExecution> = {
  safeParse(data) {
    const result = ExecutionShape.safeParse(data);
    if (result.success) return result;
    const issues = (result.error.issues as unknown as Issue[]).flatMap((issue) => narrowUnion(issue, data));
    return { success: false, error: { issues } };
  },
};

function narrowUnion(issue: Issue, data: unknown): Issue[] {
  if (issue.code !== 'invalid_union' || !Array.isArray(issue.errors) || issue.errors.length === 0) return [issue];
  const value = valueAt(data, issue.path);
  const branch = issue.errors[unionBranch(issue.path, value)] ?? issue.errors[0]!;
  return branch.flatMap((inner) => narrowUnion({ ...inner, path: [...issue.path, ...inner.path] }, data));
}

/** Which union member a value was meant as: a step entry with a scalar `status` is a flat step; an id that is a number is the integer. */
function unionBranch(path: PropertyKey[], value: unknown): number {
  if (path[0] === 'steps') {
    const status =
      typeof value === 'object' && value !== null ? (value as Record<string, unknown>)['status'] : undefined;
    return status !== undefined && (typeof status !== 'object' || status === null) ? 0 : 1;
  }
  return typeof value === 'number' ? 0 : 1;
}

function valueAt(data: unknown, path: PropertyKey[]): unknown {
  let value = data;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}
