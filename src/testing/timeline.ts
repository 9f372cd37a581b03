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
  /** When the execution reaches its end if nothing cancels it. */
  endsAt: number;
}

/**
 * Computes an execution's state at `now`, lazily, from its script: the queue first, then the
 * steps back to back; a failing step ends the execution at its own end, leaving later steps
 * pending; a cancel stops the running step where it is. Nothing runs on a timer, so a test can
 * move the clock anywhere, even backwards.
 */
export function stateAt(script: ResolvedScript, createdAt: number, cancelledAt: number | undefined, now: number): ExecutionState {
  const scriptedCancel = script.cancelAfterMs === undefined ? undefined : createdAt + script.cancelAfterMs;
  const cancelAt = cancelledAt === undefined ? scriptedCancel : scriptedCancel === undefined ? cancelledAt : Math.min(cancelledAt, scriptedCancel);
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
    if (failedAt !== undefined || horizon < cursor || horizon < start) {
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
  const failIndex = script.steps.findIndex((s) => s.fails);
  const endsAt = start + script.steps.slice(0, failIndex < 0 ? undefined : failIndex + 1).reduce((sum, s) => sum + s.durationMs, 0);
  const startedAt = horizon >= start ? start : undefined;
  if (startedAt !== undefined) updatedAt = Math.max(updatedAt, start);

  if (failedAt !== undefined) {
    return { phase: 'failed', createdAt, startedAt, completedAt: failedAt, updatedAt, steps, error, endsAt };
  }
  if (horizon >= endsAt && startedAt !== undefined) {
    return { phase: 'completed', createdAt, startedAt, completedAt: endsAt, updatedAt: Math.max(updatedAt, endsAt), steps, error: undefined, endsAt };
  }
  if (cancelAt !== undefined && t >= cancelAt) {
    for (const step of steps) {
      if (step.phase === 'running') {
        step.phase = 'cancelled';
        step.completedAt = cancelAt;
      }
    }
    return { phase: 'cancelled', createdAt, startedAt, completedAt: cancelAt, updatedAt: Math.max(updatedAt, cancelAt), steps, error: undefined, endsAt };
  }
  return { phase: startedAt === undefined ? 'queued' : 'running', createdAt, startedAt, completedAt: undefined, updatedAt, steps, error: undefined, endsAt };
}

/** Whether a phase is final. */
export function isFinal(phase: Phase): boolean {
  return phase === 'completed' || phase === 'failed' || phase === 'cancelled';
}
