import type { ResolvedScript } from './script.js';

/** Where an execution stands, in the simulator's own provider-neutral words. */
export type Phase = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';

/** Where one step stands. */
export type StepPhase = 'pending' | 'running' | 'completed' | 'failed' | 'cancelled';

/** One step at a moment. Times are epoch ms on the simulator's clock. */
export interface StepState {
  name: string;
  index: number;
  phase: StepPhase;
  startedAt: number | undefined;
  completedAt: number | undefined;
}

/** An execution at a moment. */
export interface ExecutionState {
  phase: Phase;
  createdAt: number;
  startedAt: number | undefined;
  completedAt: number | undefined;
  /** The latest moment anything changed, up to now. */
  updatedAt: number;
  steps: StepState[];
  /** The failing step's message, when failed. */
  error: string | undefined;
}

/**
 * Computes an execution's state at `now`, lazily, from its script: the queue first, then the
 * steps back to back; a failing step ends the execution at its own end, leaving later steps
 * pending; a cancel stops the running step where it is. Nothing runs on a timer, so a test can
 * move the clock anywhere, even backwards.
 */
export function stateAt(
  script: ResolvedScript,
  createdAt: number,
  cancelledAt: number | undefined,
  now: number,
): ExecutionState {
  const scriptedCancel = script.cancelAfterMs === undefined ? undefined : createdAt + script.cancelAfterMs;
  const cancelAt =
    cancelledAt === undefined
      ? scriptedCancel
      : scriptedCancel === undefined
        ? cancelledAt
        : Math.min(cancelledAt, scriptedCancel);
  const t = Math.max(now, createdAt);
  // Nothing happens after a cancel: the horizon is the earlier of now and the cancel.
  const horizon = cancelAt === undefined ? t : Math.min(t, cancelAt);
  const start = createdAt + script.queuedMs;
  let cursor = start;
  let failedAt: number | undefined;
  let error: string | undefined;
  let updatedAt = createdAt;
  const steps: StepState[] = script.steps.map((step, index) => {
    const base = { name: step.name, index };
    if (failedAt !== undefined || horizon < cursor) {
      return { ...base, phase: 'pending', startedAt: undefined, completedAt: undefined };
    }
    const stepStart = cursor;
    const stepEnd = cursor + step.durationMs;
    cursor = stepEnd;
    updatedAt = Math.max(updatedAt, stepStart);
    if (horizon < stepEnd) return { ...base, phase: 'running', startedAt: stepStart, completedAt: undefined };
    updatedAt = Math.max(updatedAt, stepEnd);
    if (step.fails) {
      failedAt = stepEnd;
      error = step.error;
      return { ...base, phase: 'failed', startedAt: stepStart, completedAt: stepEnd };
    }
    return { ...base, phase: 'completed', startedAt: stepStart, completedAt: stepEnd };
  });
  const startedAt = horizon >= start ? start : undefined;
  if (startedAt !== undefined) updatedAt = Math.max(updatedAt, start);

  if (failedAt !== undefined) {
    return { phase: 'failed', createdAt, startedAt, completedAt: failedAt, updatedAt, steps, error };
  }
  // Every step done (none failed): the last one's end, where the cursor stopped, is the execution's.
  if (startedAt !== undefined && steps.every((step) => step.phase === 'completed')) {
    return { phase: 'completed', createdAt, startedAt, completedAt: cursor, updatedAt, steps, error: undefined };
  }
  if (cancelAt !== undefined && t >= cancelAt) {
    for (const step of steps) {
      if (step.phase === 'running') {
        step.phase = 'cancelled';
        step.completedAt = cancelAt;
      }
    }
    return {
      phase: 'cancelled',
      createdAt,
      startedAt,
      completedAt: cancelAt,
      updatedAt: Math.max(updatedAt, cancelAt),
      steps,
      error: undefined,
    };
  }
  return {
    phase: startedAt === undefined ? 'queued' : 'running',
    createdAt,
    startedAt,
    completedAt: undefined,
    updatedAt,
    steps,
    error: undefined,
  };
}

/** When an execution ends if nothing cancels it: after the queue and every step up to the first failing one. */
export function endOf(script: ResolvedScript, createdAt: number): number {
  let end = createdAt + script.queuedMs;
  for (const step of script.steps) {
    end += step.durationMs;
    if (step.fails) break;
  }
  return end;
}
