import { expectTypeOf, test } from 'vitest';
import { datalab, eachlabs, mergeExecutions, modelslab } from '../../src/index.js';

test('mixed providers merge without a type annotation, and provider narrows raw', () => {
  const ml = modelslab({ apiKey: 'k' });
  const el = eachlabs({ apiKey: 'k' });
  const dl = datalab({ apiKey: 'k' });
  const merged = mergeExecutions([ml.watch({ workflowId: 'w', executionId: 1 }), el.watch('e'), dl.watch(1)]);
  merged.subscribe(({ snapshot }) => {
    if (snapshot.provider === 'modelslab') expectTypeOf(snapshot.raw.execution.status).toEqualTypeOf<string>();
    if (snapshot.provider === 'datalab') expectTypeOf(snapshot.raw).toHaveProperty('execution_id');
    if (snapshot.provider === 'eachlabs') expectTypeOf(snapshot.raw).toHaveProperty('status');
  });
});
