import type { Schema } from '../adapter.js';
import { array, checked, looseObject, nullable, nullish, number, record, string } from '../check.js';
import type { EachLabsExecution, EachLabsExecutionList, EachLabsTriggerResponse } from './schema.js';

// What the client validates EachLabs' bodies with: schema.ts's zod schemas mirrored as checks
// (../check.ts says why), held to them by test/providers/checks.test.ts.

const StepOutput = looseObject({
  step_id: nullish(string()),
  status: string(),
  started_at: nullish(string()),
  completed_at: nullish(string()),
});

/** Mirrors {@link EachLabsExecution}. */
export const ExecutionBody = checked<EachLabsExecution>(
  looseObject({
    execution_id: string(),
    workflow_id: nullish(string()),
    status: string(),
    started_at: nullish(string()),
    completed_at: nullish(string()),
    step_outputs: nullish(record(StepOutput)),
    error: nullish(string()),
    error_cause: nullish(string()),
  }),
);

const Summary = looseObject({
  execution_id: string(),
  flow_id: nullish(string()),
  flow_name: nullish(string()),
  version_id: nullish(string()),
  status: string(),
  started_at: nullish(string()),
  ended_at: nullish(string()),
  created_at: nullish(string()),
  updated_at: nullish(string()),
});

/** Mirrors {@link EachLabsExecutionList}. */
export const ListShape = checked<EachLabsExecutionList>(
  looseObject({ executions: nullable(array(Summary)), offset: nullish(number), total_count: number }),
);

/** Mirrors {@link EachLabsTriggerResponse}. */
export const TriggerBody = checked<EachLabsTriggerResponse>(looseObject({ execution_id: string() }));

const isCount = (n: number): boolean => Number.isSafeInteger(n) && n >= 0;

/** The list body, with its counts checked after the shape (zod's int() costs 0.45 KB gzipped in a browser bundle). */
export const ListBody: Schema<EachLabsExecutionList> = {
  safeParse(data) {
    const result = ListShape.safeParse(data);
    if (!result.success) return result;
    const list = result.data;
    const bad = !isCount(list.total_count)
      ? 'total_count'
      : list.offset != null && !isCount(list.offset)
        ? 'offset'
        : undefined;
    if (bad === undefined) return result;
    return {
      success: false,
      error: { issues: [{ path: [bad], message: 'expected a whole number ≥ 0', code: 'invalid_type' }] },
    };
  },
};
