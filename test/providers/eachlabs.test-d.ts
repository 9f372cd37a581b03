import type { Observable } from 'rxjs';
import { describe, expectTypeOf, it } from 'vitest';
import type { ExecutionSnapshot, ExecutionUpdate } from '../../src/core/model.js';
import {
  eachlabs,
  normalizeEachLabs,
  type EachLabsBulkSnapshot,
  type EachLabsExecution,
  type EachLabsSnapshot,
  type ExecutionPage,
} from '../../src/providers/eachlabs/index.js';

const client = eachlabs({ apiKey: 'k' });

describe('eachlabs types', () => {
  it('types raw as the validated EachLabs body', () => {
    // @ts-expect-error a normalizer takes a validated body
    normalizeEachLabs({});
    expectTypeOf(normalizeEachLabs({} as EachLabsExecution)).toEqualTypeOf<EachLabsSnapshot>();
    expectTypeOf<EachLabsSnapshot['raw']>().toEqualTypeOf<EachLabsExecution>();
    expectTypeOf<EachLabsExecution['execution_id']>().toEqualTypeOf<string>();
    expectTypeOf<EachLabsExecution['error_cause']>().toEqualTypeOf<string | null | undefined>();
    expectTypeOf<NonNullable<EachLabsExecution['step_outputs']>[string]['status']>().toEqualTypeOf<string>();
  });

  it('gives typed observables and promises', () => {
    expectTypeOf(client.watch('e')).toEqualTypeOf<Observable<ExecutionUpdate<EachLabsSnapshot>>>();
    expectTypeOf(client.get('e')).toEqualTypeOf<Promise<EachLabsSnapshot>>();
    expectTypeOf(client.list('w')).toEqualTypeOf<Promise<ExecutionPage>>();
    expectTypeOf(client.trigger('w', {})).toEqualTypeOf<Promise<{ executionId: string }>>();
    expectTypeOf(client.runAndWatch('w', { inputs: {} })).toEqualTypeOf<
      Observable<ExecutionUpdate<EachLabsSnapshot>>
    >();
    expectTypeOf(client.watchBulk('w', 'b', { steps: false })).toEqualTypeOf<
      Observable<ExecutionUpdate<EachLabsBulkSnapshot>>
    >();
    expectTypeOf(client.watchBulk('w', 'b')).toEqualTypeOf<Observable<ExecutionUpdate<EachLabsSnapshot>>>();
    expectTypeOf(client.watchBulk('w', 'b')).toMatchTypeOf<Observable<ExecutionUpdate<ExecutionSnapshot>>>();
  });

  it('rejects wrong argument types', () => {
    // @ts-expect-error an EachLabs id is a string
    client.watch(42);
    // @ts-expect-error no such host
    eachlabs({ apiKey: 'k', api: 'v3' });
    // @ts-expect-error limit is a number
    void client.list('w', { limit: '10' });
  });
});
