import * as z from 'zod/mini';

// Datalab's bodies. Loose objects: fields Datalab adds later pass through into `raw`.

const Id = z.union([z.int(), z.string().check(z.minLength(1))]);
const Timestamp = z.optional(z.nullable(z.string()));

/**
 * One step's state in a Datalab execution body (the flat form), or one input file's state
 * of a step (the nested form). Times are zone-less UTC (`"2025-10-22T10:00:00"`).
 *
 * @example
 * ```ts
 * import { DatalabStep } from 'runwatch';
 *
 * const step = DatalabStep.parse({ status: 'COMPLETED', output_url: 'https://bucket.example/out.json?sig=1' });
 * console.log(step.status);
 * // Logs: COMPLETED
 * ```
 */
export const DatalabStep = z.looseObject({
  /** `QUEUED | PENDING | IN_PROGRESS | COMPLETED | FAILED`. */
  status: z.string(),
  /** When the step started, if known: zone-less ISO time, read as UTC. */
  started_at: Timestamp,
  /** When the step ended, if known: zone-less ISO time, read as UTC. */
  completed_at: Timestamp,
  /** A presigned URL of the step's output, for completed or failed steps; fetch it without the API key. It expires. */
  output_url: z.optional(z.nullable(z.string())),
});
/** The validated type of {@link DatalabStep}. */
export type DatalabStep = z.output<typeof DatalabStep>;

/** The nested form: one entry per input file (or `aggregated`), keyed by file. */
const DatalabFileSteps = z.record(z.string(), DatalabStep);

/**
 * The body of `GET /executions/{execution_id}`. `steps` maps each step's `unique_name`
 * either to a {@link DatalabStep} (flat form) or to a map of file keys to steps (nested form).
 * Loose: fields Datalab adds later pass through into `raw`.
 *
 * @example
 * ```ts
 * import { DatalabExecution } from 'runwatch';
 *
 * const body = DatalabExecution.parse({ execution_id: 123, workflow_id: 456, status: 'IN_PROGRESS', steps: {} });
 * console.log(body.execution_id);
 * // Logs: 123
 * ```
 */
export const DatalabExecution = z.looseObject({
  /** The execution's id, an integer. */
  execution_id: Id,
  /** The workflow's id, an integer. */
  workflow_id: z.optional(z.nullable(Id)),
  /** `QUEUED | PENDING | IN_PROGRESS | COMPLETED | FAILED`. */
  status: z.string(),
  /** When the execution was created: zone-less ISO time, read as UTC. */
  created: Timestamp,
  /** When the execution last changed: zone-less ISO time, read as UTC. */
  updated: Timestamp,
  /** Step `unique_name` → its step (flat form), or → file key → step (nested form). */
  steps: z.optional(z.nullable(z.record(z.string(), z.union([DatalabStep, DatalabFileSteps])))),
});
/** The validated type of {@link DatalabExecution}. */
export type DatalabExecution = z.output<typeof DatalabExecution>;

/**
 * The body of `POST /workflows/{workflow_id}/execute`: at least `execution_id`, often a whole
 * execution body.
 *
 * @example
 * ```ts
 * import { DatalabExecuteResponse } from 'runwatch';
 *
 * console.log(DatalabExecuteResponse.parse({ execution_id: 789, status: 'QUEUED' }).execution_id);
 * // Logs: 789
 * ```
 */
export const DatalabExecuteResponse = z.looseObject({
  /** The new execution's id, an integer. */
  execution_id: Id,
});
/** The validated type of {@link DatalabExecuteResponse}. */
export type DatalabExecuteResponse = z.output<typeof DatalabExecuteResponse>;

/**
 * A Datalab (FastAPI) error body: `{"detail": "..."}`, or for a 422 a list of
 * `{loc, msg, type}`. The client reads these into error messages; exported for users who
 * inspect raw responses.
 *
 * @example
 * ```ts
 * import { DatalabErrorBody } from 'runwatch';
 *
 * const body = DatalabErrorBody.parse({ detail: [{ loc: ['path', 'execution_id'], msg: 'Input should be a valid integer', type: 'int_parsing' }] });
 * console.log(Array.isArray(body.detail));
 * // Logs: true
 * ```
 */
export const DatalabErrorBody = z.looseObject({
  /** The error message, or for a 422 the list of validation errors. */
  detail: z.union([
    z.string(),
    z.array(
      z.looseObject({
        /** Where the error is: path segments and indexes, e.g. `['path', 'execution_id']`. */
        loc: z.array(z.union([z.string(), z.number()])),
        /** The error message. */
        msg: z.string(),
        /** The error type, e.g. `int_parsing`. */
        type: z.string(),
      }),
    ),
  ]),
});
/** The validated type of {@link DatalabErrorBody}. */
export type DatalabErrorBody = z.output<typeof DatalabErrorBody>;
