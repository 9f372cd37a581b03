import { of } from 'rxjs';
import { describe, expectTypeOf, it } from 'vitest';
import {
  progress,
  statusChanges,
  stepChanges,
  untilTerminal,
  watchExecution,
  type ExecutionChange,
  type ExecutionSnapshot,
  type ExecutionStatus,
  type ExecutionUpdate,
  type StepChange,
  type StepSnapshot,
  type StepStatus,
} from '../../src/index.js';

describe('the change union', () => {
  it('narrows on type', () => {
    const change = {} as ExecutionChange;
    if (change.type === 'execution-status') {
      expectTypeOf(change.from).toEqualTypeOf<ExecutionStatus | undefined>();
      expectTypeOf(change.to).toEqualTypeOf<ExecutionStatus>();
    }
    if (change.type === 'step-status') {
      expectTypeOf(change.from).toEqualTypeOf<StepStatus>();
      expectTypeOf(change.step).toEqualTypeOf<StepSnapshot>();
    }
    if (change.type === 'execution-output') {
      expectTypeOf(change.output).toBeUnknown();
      expectTypeOf(change).not.toHaveProperty('step');
    }
  });

  it('StepChange is exactly the members with a step', () => {
    expectTypeOf<StepChange['type']>().toEqualTypeOf<'step-added' | 'step-status' | 'step-output'>();
  });
});

describe('operators', () => {
  const updates = of({} as ExecutionUpdate);
  it('stepChanges emits StepChange, statusChanges the status member', () => {
    expectTypeOf(updates.pipe(stepChanges())).toEqualTypeOf<import('rxjs').Observable<StepChange>>();
    expectTypeOf(updates.pipe(statusChanges())).toEqualTypeOf<
      import('rxjs').Observable<Extract<ExecutionChange, { type: 'execution-status' }>>
    >();
  });
  it('untilTerminal keeps the item type', () => {
    expectTypeOf(of({} as ExecutionSnapshot).pipe(untilTerminal())).toEqualTypeOf<
      import('rxjs').Observable<ExecutionSnapshot>
    >();
    expectTypeOf(updates.pipe(untilTerminal())).toEqualTypeOf<import('rxjs').Observable<ExecutionUpdate>>();
  });
  it('progress gives figures', () => {
    updates.pipe(progress()).subscribe((p) => expectTypeOf(p.ratio).toBeNumber());
  });
  it('watchExecution keeps the typed raw body', () => {
    type Mine = ExecutionSnapshot<{ job: number }>;
    const watch = watchExecution({ id: 'x', fetchSnapshot: async () => ({}) as Mine });
    watch.subscribe((u) => expectTypeOf(u.snapshot.raw).toEqualTypeOf<{ job: number }>());
  });
});
