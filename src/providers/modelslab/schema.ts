import * as z from 'zod/mini';

// ModelsLab's bodies, as its API pages document them. Loose objects: a field ModelsLab adds
// must not break a watch. Each schema and its type share a name.

const Timestamp = z.nullish(z.string());
const Id = z.union([z.int(), z.string().check(z.minLength(1))]);

/** One entry of a ModelsLab `steps` array. Steps carry no id: the name is all there is. */
const ModelsLabStep = z.looseObject({
  /** The step's name; names can repeat. */
  name: z.string(),
  /** The step's state, e.g. `running`, `completed` or `failed`. */
  status: z.string(),
  /** When the step started, ISO 8601 (`2024-01-15T10:30:00Z`). */
  started_at: Timestamp,
  /** When the step ended, ISO 8601; null while running. */
  completed_at: Timestamp,
});
/** One validated entry of a ModelsLab `steps` array. */
export type ModelsLabStep = z.output<typeof ModelsLabStep>;

/**
 * The body of `GET /{workflow_id}/runs/{execution_id}`, validated. The top-level `status`
 * is the envelope (`"success"`); the execution's own state is `execution.status`. Unknown
 * fields are kept, and `null` timestamps, `error` and `output` are accepted.
 *
 * @example
 * ```ts
 * import { ModelsLabExecution } from 'runwatch';
 *
 * const result = ModelsLabExecution.safeParse({
 *   status: 'success',
 *   execution: { id: 12345, workflow_id: 'uuid-string', status: 'running', started_at: '2024-01-15T10:30:00Z', completed_at: null },
 *   steps: [],
 * });
 * console.log(result.success && result.data.execution.status);
 * // Logs: running
 * ```
 */
export const ModelsLabExecution = z.looseObject({
  /** The envelope, `"success"`; not the execution's state. */
  status: z.optional(z.string()),
  /** The execution itself. */
  execution: z.looseObject({
    /** The execution's id, an integer. */
    id: Id,
    /** The workflow's UUID. */
    workflow_id: z.nullish(z.string()),
    /** `pending | running | completed | failed | cancelled`. */
    status: z.string(),
    /** When the execution started, ISO 8601 (`2024-01-15T10:30:00Z`). */
    started_at: Timestamp,
    /** When the execution ended, ISO 8601; null until it ends. */
    completed_at: Timestamp,
  }),
  /** The result, once completed. */
  output: z.nullish(
    z.looseObject({
      /** The workflow's output, e.g. a list of file URLs. */
      output: z.optional(z.unknown()),
    }),
  ),
  /** The error message, when failed. */
  error: z.nullish(z.string()),
  /** The steps, in order. They carry no id: a step is known by its name. */
  steps: z.nullish(z.array(ModelsLabStep)),
});
/** The validated body of a ModelsLab execution status response. */
export type ModelsLabExecution = z.output<typeof ModelsLabExecution>;

/**
 * The body of `POST /{workflow_id}/run` (HTTP 202): the new execution's integer id, plus
 * the envelope and links runwatch does not need.
 *
 * @example
 * ```ts
 * import { ModelsLabRunResponse } from 'runwatch';
 *
 * const body = ModelsLabRunResponse.parse({ status: 'success', message: 'Workflow execution started', execution_id: 12345 });
 * console.log(body.execution_id);
 * // Logs: 12345
 * ```
 */
export const ModelsLabRunResponse = z.looseObject({
  /** The envelope, `"success"`. */
  status: z.optional(z.string()),
  /** A human-readable message, e.g. `Workflow execution started`. */
  message: z.nullish(z.string()),
  /** The new execution's id, an integer. */
  execution_id: Id,
  /** The workflow's UUID. */
  workflow_id: z.nullish(z.string()),
});
/** The validated body of a ModelsLab run response. */
export type ModelsLabRunResponse = z.output<typeof ModelsLabRunResponse>;

/**
 * The body of `POST /{workflow_id}/runs/{execution_id}/cancel`: `{status: "success", message}`.
 *
 * @example
 * ```ts
 * import { ModelsLabCancelResponse } from 'runwatch';
 *
 * console.log(ModelsLabCancelResponse.safeParse({ status: 'success', message: 'Execution cancelled' }).success);
 * // Logs: true
 * ```
 */
export const ModelsLabCancelResponse = z.looseObject({
  /** The envelope, `"success"`. */
  status: z.optional(z.string()),
  /** A human-readable message. */
  message: z.nullish(z.string()),
});
/** The validated body of a ModelsLab cancel response. */
export type ModelsLabCancelResponse = z.output<typeof ModelsLabCancelResponse>;

/**
 * A ModelsLab error body: `{"status": "error", "message": "..."}`, with the legacy spelling
 * `messege` on some endpoints, and `retry_after` (seconds) on a 429.
 *
 * @example
 * ```ts
 * import { ModelsLabErrorBody } from 'runwatch';
 *
 * const body = ModelsLabErrorBody.parse({ status: 'error', message: 'Rate limit exceeded', retry_after: 30 });
 * console.log(body.retry_after);
 * // Logs: 30
 * ```
 */
export const ModelsLabErrorBody = z.looseObject({
  /** The envelope, `"error"`. */
  status: z.optional(z.string()),
  /** What went wrong. */
  message: z.nullish(z.string()),
  /** The legacy spelling of `message`, on some endpoints. */
  messege: z.nullish(z.string()),
  /** On a 429: how long to wait before retrying, in seconds. */
  retry_after: z.nullish(z.union([z.number(), z.string()])),
});
/** The validated body of a ModelsLab error response. */
export type ModelsLabErrorBody = z.output<typeof ModelsLabErrorBody>;
