import { ConfigError, ResponseValidationError } from '../core/errors.js';
import { describe } from '../core/options.js';
import { readEachLabsWebhook, type EachLabsWebhook } from './eachlabs/webhook.js';
import { readModelsLabWebhook, type ModelsLabWebhook } from './modelslab/webhook.js';

/**
 * What {@link parseWebhook} returns for each provider.
 *
 * @example
 * ```ts
 * import type { WebhookByProvider } from 'runwatch';
 *
 * type Reference = WebhookByProvider['eachlabs']['ref'];
 * const ref: Reference = 'e1';
 * console.log(ref);
 * // Logs: e1
 * ```
 */
export interface WebhookByProvider {
  /** See {@link ModelsLabWebhook}. */
  modelslab: ModelsLabWebhook;
  /** See {@link EachLabsWebhook}. */
  eachlabs: EachLabsWebhook;
}

const readers: { [P in keyof WebhookByProvider]: (json: unknown) => WebhookByProvider[P] } = {
  modelslab: readModelsLabWebhook,
  eachlabs: readEachLabsWebhook,
};

/**
 * Reads a webhook payload from ModelsLab or EachLabs into the reference a client's `watch`
 * takes (`{ workflowId, executionId }` for ModelsLab, the execution id for EachLabs) and
 * the status it announces. Feed the reference to a watch's `wake` so it polls at once.
 *
 * The payload is checked as a poll's body is: a body that is not JSON, or that lacks the
 * ids, is a {@link ResponseValidationError} naming the field. It does not check who sent
 * it: for EachLabs call {@link verifyEachLabsWebhook} on the raw body first (ModelsLab
 * documents no signature: put a secret in the webhook URL's path and check it).
 *
 * @param provider - `'modelslab'` or `'eachlabs'`.
 * @param body - the raw body (text or bytes), or the already-decoded JSON value.
 * @returns the execution reference, the status and the validated payload.
 * @throws {@link ResponseValidationError} for a payload that is not valid;
 * {@link ConfigError} for another provider.
 *
 * @example
 * ```ts
 * import { parseWebhook } from 'runwatch';
 *
 * const hook = parseWebhook('eachlabs', '{"execution_id":"69ae8c7b","workflow_id":"wf-1","status":"failed"}');
 * console.log(hook.ref, hook.status);
 * // Logs: 69ae8c7b failed
 * ```
 */
export function parseWebhook<P extends keyof WebhookByProvider>(provider: P, body: unknown): WebhookByProvider[P] {
  const read = Object.hasOwn(readers, provider) ? readers[provider] : undefined;
  if (read === undefined) {
    throw new ConfigError(`Expected \`provider\` to be 'modelslab' or 'eachlabs', got ${describe(provider)}`, {
      option: 'provider',
    });
  }
  return read(decode(provider, body));
}

function decode(provider: string, body: unknown): unknown {
  const text =
    typeof body === 'string'
      ? body
      : body instanceof Uint8Array || body instanceof ArrayBuffer
        ? new TextDecoder().decode(body)
        : undefined;
  if (text === undefined) return body;
  try {
    return JSON.parse(text);
  } catch {
    throw new ResponseValidationError(`${provider}: the webhook body is not JSON`, {
      provider,
      issues: [{ path: [], message: 'expected JSON', code: 'invalid_json' }],
    });
  }
}
