import type { RunwatchError } from './errors.js';
import type { StalledChange } from './stall.js';

/**
 * The normalized status of a whole execution, the same for every provider.
 * `'unknown'` stands for a status the library does not recognise: it is never terminal,
 * and the provider's own string is kept in `rawStatus`.
 *
 * @example
 * ```ts
 * import type { ExecutionStatus } from 'runwatch';
 *
 * const label: Record<ExecutionStatus, string> = {
 *   queued: '…', running: '▶', completed: '✔', failed: '✖', cancelled: '⊘', unknown: '?',
 * };
 * console.log(label.completed);
 * // Logs: ✔
 * ```
 */
export type ExecutionStatus = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled' | 'unknown';

/**
 * The normalized status of one step of an execution.
 *
 * @example
 * ```ts
 * import type { StepStatus } from 'runwatch';
 *
 * const finished: StepStatus[] = ['completed', 'failed', 'cancelled', 'skipped'];
 * console.log(finished.includes('running'));
 * // Logs: false
 * ```
 */
export type StepStatus =
  'pending' | 'queued' | 'running' | 'completed' | 'failed' | 'cancelled' | 'skipped' | 'unknown';

/**
 * Every {@link ExecutionStatus}, in lifecycle order.
 *
 * @example
 * ```ts
 * import { EXECUTION_STATUSES } from 'runwatch';
 *
 * console.log(EXECUTION_STATUSES.length);
 * // Logs: 6
 * ```
 */
export const EXECUTION_STATUSES: readonly ExecutionStatus[] = Object.freeze([
  'queued',
  'running',
  'completed',
  'failed',
  'cancelled',
  'unknown',
]);

/**
 * One step of an execution, normalized from the provider's body.
 *
 * @example
 * ```ts
 * import type { StepSnapshot } from 'runwatch';
 *
 * const step: StepSnapshot = { key: 'parse', name: 'parse', status: 'running', rawStatus: 'IN_PROGRESS' };
 * console.log(step.key);
 * // Logs: parse
 * ```
 */
export interface StepSnapshot {
  /**
   * Stable within the execution: the EachLabs step id, the Datalab `unique_name`
   * (or `unique_name/file_key` for the nested form), the ModelsLab step name with
   * `#2`, `#3` … appended to repeats.
   */
  key: string;
  /** The step's display name. */
  name: string;
  /** The normalized status. */
  status: StepStatus;
  /** The provider's own status string. */
  rawStatus: string;
  /** ISO 8601 UTC (`…Z`). Datalab's zone-less times are read as UTC. */
  startedAt?: string;
  /** ISO 8601 UTC (`…Z`). */
  completedAt?: string;
  /** The step's output, where the provider returns it inline (EachLabs). */
  output?: unknown;
  /** A presigned URL to the step's output (Datalab). Fetch it without the API key. */
  outputUrl?: string;
}

/**
 * The state of an execution at one poll, normalized across providers.
 *
 * @typeParam Raw - the validated provider body, typed per provider.
 *
 * @example
 * ```ts
 * import type { ExecutionSnapshot } from 'runwatch';
 *
 * const snapshot: ExecutionSnapshot = {
 *   provider: 'eachlabs', executionId: 'e1', status: 'running', rawStatus: 'running', steps: [], raw: {},
 * };
 * console.log(snapshot.status);
 * // Logs: running
 * ```
 */
export interface ExecutionSnapshot<Raw = unknown> {
  /** Which provider produced it; any string for a user's own source. */
  provider: 'modelslab' | 'eachlabs' | 'datalab' | (string & {});
  /** Always a string, even where the provider uses integers. */
  executionId: string;
  /** The workflow the execution belongs to, where the provider says. */
  workflowId?: string;
  /** The normalized status. */
  status: ExecutionStatus;
  /** The provider's own status string. */
  rawStatus: string;
  /** ISO 8601 UTC. */
  startedAt?: string;
  /** ISO 8601 UTC. */
  completedAt?: string;
  /** The steps, in the provider's order. */
  steps: StepSnapshot[];
  /** The execution's final output (ModelsLab `output.output`, EachLabs `output`). */
  output?: unknown;
  /** Why the execution failed, where the provider says. */
  error?: {
    /** The provider's error message. */
    message: string;
    /** The provider's error code, where it gives one. */
    code?: string;
  };
  /** The validated provider body. */
  raw: Raw;
}

/**
 * One observed change of an execution. A single poll can produce several; inside one
 * update they come in step order, then `execution-output`, then `execution-status`, so
 * the terminal status change is always the last change of a stream. `diff` never makes the
 * last two: `watch-error` comes from `mergeExecutions` (`errors: 'isolate'`), `stalled` from
 * `stallAfterMs`.
 *
 * @example
 * ```ts
 * import type { ExecutionChange } from 'runwatch';
 *
 * function describe(change: ExecutionChange): string {
 *   switch (change.type) {
 *     case 'execution-status': return `execution ${change.from ?? 'new'} → ${change.to}`;
 *     case 'step-added': return `step ${change.step.key} added`;
 *     case 'step-status': return `step ${change.step.key} ${change.from} → ${change.to}`;
 *     case 'step-output': return `step ${change.step.key} has output`;
 *     case 'execution-output': return 'execution has output';
 *     case 'watch-error': return `watch ended: ${change.error.name}`;
 *     case 'stalled': return `no change for ${change.sinceMs} ms`;
 *   }
 * }
 * console.log(describe({ type: 'execution-status', executionId: 'e1', from: undefined, to: 'queued' }));
 * // Logs: execution new → queued
 * ```
 */
export type ExecutionChange =
  | {
      /** The execution's status changed (or was first seen). */
      type: 'execution-status';
      /** The execution concerned. */
      executionId: string;
      /** The status before; `undefined` on the first update. */
      from: ExecutionStatus | undefined;
      /** The status now. */
      to: ExecutionStatus;
    }
  | {
      /** A step appeared (every step of the first update is one). */
      type: 'step-added';
      /** The execution concerned. */
      executionId: string;
      /** The step as first seen. */
      step: StepSnapshot;
    }
  | {
      /** A step's status changed. */
      type: 'step-status';
      /** The execution concerned. */
      executionId: string;
      /** The step after the change. */
      step: StepSnapshot;
      /** The step's status before. */
      from: StepStatus;
      /** The step's status now. */
      to: StepStatus;
    }
  | {
      /** A step's output or output URL appeared or changed. */
      type: 'step-output';
      /** The execution concerned. */
      executionId: string;
      /** The step after the change. */
      step: StepSnapshot;
    }
  | {
      /** The execution's output appeared or changed. */
      type: 'execution-output';
      /** The execution concerned. */
      executionId: string;
      /** The new output. */
      output: unknown;
    }
  | {
      /** The watch of this execution ended with an error; the merged stream goes on (`mergeExecutions`). */
      type: 'watch-error';
      /** The execution concerned. */
      executionId: string;
      /** The error, typed as it was thrown. */
      error: RunwatchError;
    }
  | StalledChange;

/**
 * The changes that concern one step: `step-added`, `step-status` and `step-output`.
 *
 * @example
 * ```ts
 * import type { StepChange } from 'runwatch';
 *
 * const change: StepChange = {
 *   type: 'step-added', executionId: 'e1', step: { key: 'a', name: 'a', status: 'pending', rawStatus: 'pending' },
 * };
 * console.log(change.step.key);
 * // Logs: a
 * ```
 */
export type StepChange = Extract<ExecutionChange, { step: StepSnapshot }>;

/**
 * The `execution-status` member of {@link ExecutionChange}.
 *
 * @example
 * ```ts
 * import type { StatusChange } from 'runwatch';
 *
 * const change: StatusChange = { type: 'execution-status', executionId: 'e1', from: 'running', to: 'completed' };
 * console.log(change.to);
 * // Logs: completed
 * ```
 */
export type StatusChange = Extract<ExecutionChange, { type: 'execution-status' }>;

/**
 * What a watch emits: the new snapshot, the one it was compared with, and the non-empty
 * list of changes between them.
 *
 * @example
 * ```ts
 * import { watchExecution, type ExecutionUpdate } from 'runwatch';
 *
 * declare const updates: ReturnType<typeof watchExecution>;
 * updates.subscribe((update: ExecutionUpdate) => console.log(update.changes.length > 0));
 * // Logs: true
 * ```
 */
export interface ExecutionUpdate<S extends ExecutionSnapshot = ExecutionSnapshot> {
  /** The state after this poll. */
  snapshot: S;
  /** The state the changes are relative to; `undefined` for the first update. */
  previous: S | undefined;
  /** Never empty. */
  changes: ExecutionChange[];
}

const TERMINAL: ReadonlySet<string> = new Set(['completed', 'failed', 'cancelled']);

/**
 * Tells whether an execution status is final: `completed`, `failed` or `cancelled`.
 * `'unknown'`, and any string the library does not know, is not terminal.
 *
 * @param status - a normalized execution status.
 * @returns `true` for `completed`, `failed` and `cancelled`.
 *
 * @example
 * ```ts
 * import { isTerminal } from 'runwatch';
 *
 * console.log(isTerminal('running'), isTerminal('failed'));
 * // Logs: false true
 * ```
 */
export function isTerminal(status: ExecutionStatus | (string & {})): boolean {
  return TERMINAL.has(status);
}

/**
 * Whether `value` has what the engine and the operators read of a step: a string `key` and
 * `status`. The one rule for a source's snapshots and a relay's updates alike.
 */
export function isStepLike(value: unknown): value is StepSnapshot {
  const step = value as Partial<StepSnapshot> | null | undefined;
  return typeof step?.key === 'string' && typeof step.status === 'string';
}
