import * as z from 'zod/mini';
import type { ExecutionStatus } from '../../core/model.js';
import { parseWith } from '../parse.js';
import type { ModelsLabRef } from './adapter.js';
import { executionStatusOf } from './normalize.js';

/** A non-empty id that cannot step out of a URL path. */
const Id = z
  .string()
  .check(z.refine((id) => id.trim() !== '' && id !== '.' && id !== '..', { message: 'expected an id' }));

/**
 * The body ModelsLab POSTs to a workflow's webhook URL when an execution completes or fails
 * (its Workflows API overview): `event`, `execution_id`, `workflow_id`, `status`, `output`,
 * `completed_at`. Loose: fields ModelsLab adds are kept.
 *
 * @example
 * ```ts
 * import { ModelsLabWebhookBody } from 'runwatch';
 *
 * const body = ModelsLabWebhookBody.parse({
 *   event: 'workflow.completed', execution_id: 12345, workflow_id: 'uuid-string', status: 'completed',
 * });
 * console.log(body.event);
 * // Logs: workflow.completed
 * ```
 */
export const ModelsLabWebhookBody = z.looseObject({
  /** `workflow.completed` or `workflow.failed`. */
  event: z.nullish(z.string()),
  /** The execution's id, an integer. */
  execution_id: z.union([z.int(), Id]),
  /** The workflow's UUID: executions live under their workflow, so a reference needs it. */
  workflow_id: Id,
  /** `completed`, `failed`, … as in the status endpoint. */
  status: z.nullish(z.string()),
  /** The result, once completed (`{ output: [...] }`). */
  output: z.nullish(z.unknown()),
  /** The error message, when failed. */
  error: z.nullish(z.string()),
  /** When the execution ended, ISO 8601. */
  completed_at: z.nullish(z.string()),
});
/** The validated body of a ModelsLab workflow webhook. */
export type ModelsLabWebhookBody = z.output<typeof ModelsLabWebhookBody>;

/**
 * What {@link parseWebhook} makes of a ModelsLab webhook: the reference to watch and the
 * status the payload announces.
 *
 * @example
 * ```ts
 * import { parseWebhook, type ModelsLabWebhook } from 'runwatch';
 *
 * const hook: ModelsLabWebhook = parseWebhook('modelslab', {
 *   event: 'workflow.completed', execution_id: 12345, workflow_id: 'uuid-string', status: 'completed',
 * });
 * console.log(hook.ref);
 * // Logs: { workflowId: 'uuid-string', executionId: '12345' }
 * ```
 */
export interface ModelsLabWebhook {
  /** Always `'modelslab'`. */
  provider: 'modelslab';
  /** What `modelslab(…).watch(ref)` takes; the execution id as a string. */
  ref: ModelsLabRef;
  /** The execution's id, as a string. */
  executionId: string;
  /** The workflow's UUID. */
  workflowId: string;
  /** `event`, e.g. `workflow.completed`, where the payload says. */
  event: string | undefined;
  /** The announced status, normalized; from `event` when `status` is missing. */
  status: ExecutionStatus;
  /** The provider's own status string. */
  rawStatus: string;
  /** The validated body. */
  raw: ModelsLabWebhookBody;
}

/** Reads a ModelsLab webhook body that is already JSON-decoded. */
export function readModelsLabWebhook(json: unknown): ModelsLabWebhook {
  const raw = parseWith(ModelsLabWebhookBody, json, { provider: 'modelslab', what: 'webhook' });
  const executionId = String(raw.execution_id);
  const rawStatus = raw.status ?? /^workflow\.(\w+)$/.exec(raw.event ?? '')?.[1] ?? '';
  return {
    provider: 'modelslab',
    ref: { workflowId: raw.workflow_id, executionId },
    executionId,
    workflowId: raw.workflow_id,
    event: raw.event ?? undefined,
    status: executionStatusOf(rawStatus),
    rawStatus,
    raw,
  };
}
