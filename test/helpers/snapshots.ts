import type { ExecutionSnapshot, ExecutionStatus, StepSnapshot, StepStatus } from '../../src/index.js';

/** A step in a given status, keyed by its name. */
export function step(key: string, status: StepStatus, extra: Partial<StepSnapshot> = {}): StepSnapshot {
  return { key, name: key, status, rawStatus: status, ...extra };
}

/** A snapshot of execution `e1` with the given status and steps. */
export function snap(
  status: ExecutionStatus,
  steps: StepSnapshot[] = [],
  extra: Partial<ExecutionSnapshot> = {},
): ExecutionSnapshot {
  return { provider: 'test', executionId: 'e1', status, rawStatus: status, steps, raw: null, ...extra };
}
