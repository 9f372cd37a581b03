import {
  checked,
  int,
  looseObject,
  minLengthString,
  nullish,
  optional,
  string,
  union,
  unknown,
  array,
} from '../check.js';
import type { ModelsLabCancelResponse, ModelsLabExecution, ModelsLabRunResponse } from './schema.js';

// What the client validates ModelsLab's bodies with: schema.ts's zod schemas mirrored as checks
// (../check.ts says why), held to them by test/providers/checks.test.ts.

const Timestamp = nullish(string());
const Id = union(int, minLengthString(1));

const Step = looseObject({
  name: string(),
  status: string(),
  started_at: Timestamp,
  completed_at: Timestamp,
});

/** Mirrors {@link ModelsLabExecution}. */
export const ExecutionBody = checked<ModelsLabExecution>(
  looseObject({
    status: optional(string()),
    execution: looseObject({
      id: Id,
      workflow_id: nullish(string()),
      status: string(),
      started_at: Timestamp,
      completed_at: Timestamp,
    }),
    output: nullish(looseObject({ output: optional(unknown) })),
    error: nullish(string()),
    steps: nullish(array(Step)),
  }),
);

/** Mirrors {@link ModelsLabRunResponse}. */
export const RunBody = checked<ModelsLabRunResponse>(
  looseObject({
    status: optional(string()),
    message: nullish(string()),
    execution_id: Id,
    workflow_id: nullish(string()),
  }),
);

/** Mirrors {@link ModelsLabCancelResponse}. */
export const CancelBody = checked<ModelsLabCancelResponse>(
  looseObject({ status: optional(string()), message: nullish(string()) }),
);
