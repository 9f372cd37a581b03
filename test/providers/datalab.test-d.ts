import type { Observable } from 'rxjs';
import { describe, expectTypeOf, it } from 'vitest';
import type { ExecutionUpdate, StepChange } from '../../src/core/model.js';
import {
  datalab,
  normalizeDatalab,
  type DatalabExecution,
  type DatalabSnapshot,
  type DatalabStep,
} from '../../src/providers/datalab/index.js';

describe('datalab types', () => {
  const client = datalab({ apiKey: 'k' });

  it('types watch and runAndWatch updates with the Datalab snapshot', () => {
    expectTypeOf(client.watch(1)).toEqualTypeOf<Observable<ExecutionUpdate<DatalabSnapshot>>>();
    expectTypeOf(client.runAndWatch('1', {}, { resolveOutputs: true })).toEqualTypeOf<
      Observable<ExecutionUpdate<DatalabSnapshot>>
    >();
    expectTypeOf(client.execute).returns.resolves.toEqualTypeOf<{ executionId: string }>();
    expectTypeOf(client.stepOutput).returns.resolves.toBeUnknown();
  });

  it('types raw as the validated body', () => {
    // @ts-expect-error a normalizer takes a validated body
    normalizeDatalab({});
    const snapshot = normalizeDatalab({} as DatalabExecution);
    expectTypeOf(snapshot.raw).toEqualTypeOf<DatalabExecution>();
    expectTypeOf(snapshot.raw.execution_id).toEqualTypeOf<string | number>();
    expectTypeOf(snapshot.raw.status).toEqualTypeOf<string>();
    expectTypeOf<DatalabStep['output_url']>().toEqualTypeOf<string | null | undefined>();
  });

  it('rejects options that are not there', () => {
    // @ts-expect-error resolveOutputs is a boolean
    client.watch(1, { resolveOutputs: 'yes' });
    // @ts-expect-error ids are strings or numbers
    void client.get({ id: 1 });
    expectTypeOf<Extract<StepChange, { type: 'step-output' }>['step']['output']>().toBeUnknown();
  });
});
