import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  ResponseValidationError,
  isResponseValidationError,
  parseWebhook,
  type ResponseValidationError as ValidationErrorType,
} from '../../src/index.js';

const text = (provider: string, name: string): string =>
  readFileSync(new URL(`../fixtures/${provider}/${name}.json`, import.meta.url), 'utf8');
const json = (provider: string, name: string): Record<string, unknown> =>
  JSON.parse(text(provider, name)) as Record<string, unknown>;

function validationError(run: () => unknown): ValidationErrorType {
  try {
    run();
  } catch (error) {
    if (isResponseValidationError(error)) return error;
    throw error;
  }
  throw new Error('expected a ResponseValidationError');
}

describe("parseWebhook('modelslab')", () => {
  it('reads the documented payload into the reference modelslab().watch takes', () => {
    const hook = parseWebhook('modelslab', json('modelslab', 'webhook'));
    expect(hook.ref).toEqual({ workflowId: 'uuid-string', executionId: '12345' });
    expect(hook).toMatchObject({
      provider: 'modelslab',
      executionId: '12345',
      workflowId: 'uuid-string',
      event: 'workflow.completed',
      status: 'completed',
      rawStatus: 'completed',
    });
    expect(hook.raw.output).toEqual({ output: ['https://cdn.modelslab.com/generated/image1.png'] });
  });

  it('reads the raw body as text or bytes, as a server receives it', () => {
    const body = text('modelslab', 'webhook');
    expect(parseWebhook('modelslab', body).ref.executionId).toBe('12345');
    expect(parseWebhook('modelslab', new TextEncoder().encode(body)).ref.executionId).toBe('12345');
    expect(parseWebhook('modelslab', new TextEncoder().encode(body).buffer).ref.executionId).toBe('12345');
  });

  it('takes the status from the event when the payload has none, and maps pending to queued', () => {
    const rest = json('modelslab', 'webhook');
    delete rest['status'];
    expect(parseWebhook('modelslab', { ...rest, event: 'workflow.failed' }).status).toBe('failed');
    expect(parseWebhook('modelslab', { ...rest, status: 'pending' }).status).toBe('queued');
    expect(parseWebhook('modelslab', { ...rest, status: 'paused' })).toMatchObject({
      status: 'unknown',
      rawStatus: 'paused',
    });
  });

  it.each([
    ['workflow_id', { workflow_id: undefined }],
    ['workflow_id', { workflow_id: '..' }],
    ['execution_id', { execution_id: null }],
    ['execution_id', { execution_id: ' ' }],
  ])('refuses a payload without a usable %s, naming it', (field, patch) => {
    const error = validationError(() => parseWebhook('modelslab', { ...json('modelslab', 'webhook'), ...patch }));
    expect(error.provider).toBe('modelslab');
    expect(error.issues[0]?.path).toEqual([field]);
    expect(error.message).toContain(`webhook body at ${field}`);
  });

  it('refuses a payload of ModelsLab’s other APIs (no workflow)', () => {
    const error = validationError(() => parseWebhook('modelslab', { status: 'success', id: 'abc123', output: [] }));
    expect(error.issues.map((i) => i.path[0]).sort()).toEqual(['execution_id', 'workflow_id']);
  });
});

describe("parseWebhook('eachlabs')", () => {
  it('reads the documented completed payload, with its snapshot', () => {
    const hook = parseWebhook('eachlabs', text('eachlabs', 'webhook-completed'));
    expect(hook.ref).toBe('69ae8c7b-7500-4a45-b7c0-348b8cc2665b');
    expect(hook).toMatchObject({
      provider: 'eachlabs',
      workflowId: '50741f40-8621-4d46-8a91-dff4d873be98',
      bulkId: undefined,
      status: 'completed',
    });
    expect(hook.snapshot.steps.map((s) => [s.key, s.status])).toEqual([
      ['step1', 'completed'],
      ['step2', 'completed'],
    ]);
    expect(hook.snapshot.output).toEqual(['https://storage.googleapis.com/uploads/image.png']);
  });

  it('reads the failed payload with its error, and a bulk payload with its bulk id', () => {
    const failed = parseWebhook('eachlabs', json('eachlabs', 'webhook-failed'));
    expect(failed.status).toBe('failed');
    expect(failed.snapshot.error).toEqual({
      message: "Step 'generate_image' failed: Model timeout after 30s",
      code: 'ExecutionFailed',
    });
    expect(parseWebhook('eachlabs', json('eachlabs', 'webhook-bulk')).bulkId).toBe(
      '550e8400-e29b-41d4-a716-446655440000',
    );
  });

  it.each([
    ['execution_id', { execution_id: undefined }],
    ['execution_id', { execution_id: '' }],
    ['execution_id', { execution_id: '..' }],
    ['status', { status: 7 }],
  ])('refuses a payload with a bad %s', (field, patch) => {
    const error = validationError(() =>
      parseWebhook('eachlabs', { ...json('eachlabs', 'webhook-completed'), ...patch }),
    );
    expect(error.issues[0]?.path).toEqual([field]);
  });
});

describe('parseWebhook', () => {
  it('refuses a body that is not JSON with a ResponseValidationError', () => {
    expect(() => parseWebhook('eachlabs', '{"execution_id":')).toThrow(ResponseValidationError);
    expect(() => parseWebhook('eachlabs', '<html>502</html>')).toThrow('eachlabs: the webhook body is not JSON');
    expect(() => parseWebhook('modelslab', null)).toThrow(ResponseValidationError);
  });

  it('refuses another provider with a ConfigError', () => {
    expect(() => parseWebhook('datalab' as 'eachlabs', {})).toThrow(ConfigError);
    expect(() => parseWebhook('toString' as 'eachlabs', {})).toThrow(
      "Expected `provider` to be 'modelslab' or 'eachlabs', got \"toString\"",
    );
  });
});
