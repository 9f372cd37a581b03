import type { Observable } from 'rxjs';
import { describe, expectTypeOf, it } from 'vitest';
import type { ExecutionUpdate, StepChange } from '../../src/core/model.js';
import {
  modelslab,
  normalizeModelsLab,
  type ModelsLabCancelResponse,
  type ModelsLabClient,
  type ModelsLabErrorBody,
  type ModelsLabExecution,
  type ModelsLabRunResponse,
  type ModelsLabSnapshot,
} from '../../src/providers/modelslab/index.js';

declare const client: ModelsLabClient;

describe('modelslab types', () => {
  it('the factory returns the client', () => {
    expectTypeOf(modelslab).returns.toEqualTypeOf<ModelsLabClient>();
  });

  it('watch and runAndWatch emit updates of typed snapshots', () => {
    expectTypeOf(client.watch({ workflowId: 'w', executionId: 1 })).toEqualTypeOf<
      Observable<ExecutionUpdate<ModelsLabSnapshot>>
    >();
    expectTypeOf(client.runAndWatch('w', {})).toEqualTypeOf<Observable<ExecutionUpdate<ModelsLabSnapshot>>>();
    expectTypeOf(client.watch).parameter(0).toEqualTypeOf<{ workflowId: string; executionId: string | number }>();
  });

  it('raw is the typed status body', () => {
    expectTypeOf<ModelsLabSnapshot['raw']>().toEqualTypeOf<ModelsLabExecution>();
    expectTypeOf<ModelsLabExecution['execution']['status']>().toEqualTypeOf<string>();
    expectTypeOf<ModelsLabExecution['execution']['id']>().toEqualTypeOf<string | number>();
    expectTypeOf<ModelsLabExecution['execution']['completed_at']>().toEqualTypeOf<string | null | undefined>();
    expectTypeOf(normalizeModelsLab).returns.toEqualTypeOf<ModelsLabSnapshot>();
  });

  it('run resolves to string ids; get to a snapshot; cancel to void', () => {
    expectTypeOf(client.run('w', {})).resolves.toEqualTypeOf<{ workflowId: string; executionId: string }>();
    expectTypeOf(client.get({ workflowId: 'w', executionId: '1' })).resolves.toEqualTypeOf<ModelsLabSnapshot>();
    expectTypeOf(client.cancel({ workflowId: 'w', executionId: 1 })).resolves.toBeVoid();
  });

  it('the other bodies type the fields runwatch reads', () => {
    expectTypeOf<ModelsLabRunResponse['execution_id']>().toEqualTypeOf<string | number>();
    expectTypeOf<ModelsLabCancelResponse['message']>().toEqualTypeOf<string | null | undefined>();
    expectTypeOf<ModelsLabErrorBody['retry_after']>().toEqualTypeOf<string | number | null | undefined>();
  });

  it('rejects a ref without a workflow id', () => {
    // @ts-expect-error workflowId is required
    client.watch({ executionId: 1 });
    // a StepChange from a ModelsLab watch still narrows on type
    expectTypeOf<Extract<StepChange, { type: 'step-status' }>['from']>().not.toBeAny();
  });
});
