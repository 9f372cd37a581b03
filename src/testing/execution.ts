import { ConfigError } from '../core/errors.js';
import { isTerminal, type ExecutionStatus, type StepStatus } from '../core/model.js';
import type { Random } from './random.js';
import {
  checkScript,
  generateScript,
  resolveScript,
  type ExecutionScript,
  type ResolvedScript,
  type ScriptStep,
  type SimulatedProvider,
} from './script.js';
import { endOf, stateAt, type ExecutionState } from './timeline.js';

/**
 * A simulated execution's state at the simulator's current time, in runwatch's normalized words.
 *
 * @example
 * ```ts
 * import { startSimulator } from 'runwatch/testing';
 *
 * const sim = await startSimulator({ now: () => 0 });
 * const execution = sim.createExecution('datalab', { queuedMs: 100, steps: [{ name: 'parse', durationMs: 1_000 }] });
 * const state = execution.state();
 * console.log(state.status, state.steps[0]?.status);
 * await sim.close();
 * // Logs: queued pending
 * ```
 */
export interface SimulatedState {
  /** `queued`, `running`, `completed`, `failed` or `cancelled`. */
  status: ExecutionStatus;
  /** Epoch ms on the simulator's clock; absent while queued. */
  startedAt?: number;
  /** Epoch ms; absent until the execution ends. */
  completedAt?: number;
  /** The steps, in order. */
  steps: {
    /** The step's name. */
    name: string;
    /** `pending`, `running`, `completed`, `failed` or `cancelled`. */
    status: StepStatus;
    /** Epoch ms on the simulator's clock; absent until the step starts. */
    startedAt?: number;
    /** Epoch ms; absent until the step ends. */
    completedAt?: number;
  }[];
}

/**
 * An execution the simulator knows: made with `createExecution`, or by a trigger, run or
 * execute request. It advances on the simulator's clock by itself.
 *
 * @example
 * ```ts
 * import { startSimulator } from 'runwatch/testing';
 *
 * const sim = await startSimulator();
 * const execution = sim.createExecution('modelslab', { steps: [{ name: 'Text to Image', durationMs: 1_000 }] });
 * console.log(execution.provider, /^\d+$/.test(execution.executionId));
 * await sim.close();
 * // Logs: modelslab true
 * ```
 */
export interface SimulatedExecution {
  /** The provider it lives at. */
  readonly provider: SimulatedProvider;
  /** The id to watch: a whole number for ModelsLab and Datalab, a UUID for EachLabs; always a string. */
  readonly executionId: string;
  /** The workflow it belongs to. */
  readonly workflowId: string;
  /** The EachLabs version id. */
  readonly versionId: string;
  /** The EachLabs bulk id, when it belongs to one. */
  readonly bulkId: string | undefined;
  /** When it was created, epoch ms on the simulator's clock. */
  readonly createdAt: number;
  /** When it ends (completes, or fails at its failing step) unless cancelled first, epoch ms. */
  readonly endsAt: number;
  /** How long it waits in the queue, in ms. */
  readonly queuedMs: number;
  /** Its steps, in order, every default filled in. */
  readonly steps: readonly Readonly<Required<Omit<ScriptStep, 'output'>> & Pick<ScriptStep, 'output'>>[];
  /**
   * Cancels it now, as a user would.
   * @returns `false` when it had already ended.
   */
  cancel(): boolean;
  /**
   * Its state now.
   * @returns the normalized state at the simulator's current time.
   */
  state(): SimulatedState;
}

/** The simulator's execution record. */
export class ExecutionRecord implements SimulatedExecution {
  readonly provider: SimulatedProvider;
  readonly executionId: string;
  readonly workflowId: string;
  readonly versionId: string;
  readonly bulkId: string | undefined;
  readonly createdAt: number;
  readonly endsAt: number;
  readonly queuedMs: number;
  readonly steps: SimulatedExecution['steps'];
  readonly script: ResolvedScript;
  /** When a cancel request or `cancel()` ended it. */
  cancelledAt: number | undefined;
  private readonly now: () => number;

  constructor(provider: SimulatedProvider, executionId: string, script: ResolvedScript, now: () => number) {
    this.provider = provider;
    this.executionId = executionId;
    this.script = script;
    this.workflowId = script.workflowId;
    this.versionId = script.versionId;
    this.bulkId = script.bulkId;
    this.queuedMs = script.queuedMs;
    this.steps = script.steps.map(({ name, durationMs, fails, error, output, hasOutput }) => ({
      name,
      durationMs,
      fails,
      error,
      ...(hasOutput ? { output } : {}),
    }));
    this.now = now;
    this.createdAt = now();
    this.endsAt = endOf(script, this.createdAt);
  }

  /** The raw state at a moment (now by default). */
  at(time: number = this.now()): ExecutionState {
    return stateAt(this.script, this.createdAt, this.cancelledAt, time);
  }

  cancel(): boolean {
    const time = this.now();
    if (isTerminal(this.at(time).phase)) return false;
    this.cancelledAt = time;
    return true;
  }

  state(): SimulatedState {
    const s = this.at();
    return {
      status: s.phase,
      ...(s.startedAt === undefined ? {} : { startedAt: s.startedAt }),
      ...(s.completedAt === undefined ? {} : { completedAt: s.completedAt }),
      steps: s.steps.map((step) => ({
        name: step.name,
        status: step.phase,
        ...(step.startedAt === undefined ? {} : { startedAt: step.startedAt }),
        ...(step.completedAt === undefined ? {} : { completedAt: step.completedAt }),
      })),
    };
  }
}

/** Where a store's scripts come from. */
export interface StoreOptions {
  now: () => number;
  scripts: Random;
  ids: Random;
  defaultScript: ((provider: SimulatedProvider) => ExecutionScript | undefined) | undefined;
}

/** Every execution the simulator knows, per provider, in creation order. */
export class ExecutionStore {
  private readonly byProvider: Record<SimulatedProvider, Map<string, ExecutionRecord>> = {
    modelslab: new Map(),
    eachlabs: new Map(),
    datalab: new Map(),
  };
  private readonly counters: Record<'modelslab' | 'datalab', number> = { modelslab: 12345, datalab: 123 };
  /** One default workflow per provider, fixed per seed. */
  readonly defaultWorkflows: Record<SimulatedProvider, string>;
  private readonly options: StoreOptions;

  constructor(options: StoreOptions) {
    this.options = options;
    this.defaultWorkflows = {
      modelslab: options.ids.uuid(),
      eachlabs: options.ids.uuid(),
      datalab: String(options.ids.int(400, 499)),
    };
  }

  /**
   * Creates an execution. `script` is the user's (checked here); `overrides` come from a
   * request (the workflow in the path, the inputs in the body) and win over everything.
   */
  create(provider: SimulatedProvider, script?: unknown, overrides: ExecutionScript = {}): ExecutionRecord {
    if (!(provider in this.byProvider)) {
      throw new ConfigError(
        `Expected \`provider\` to be 'modelslab', 'eachlabs' or 'datalab', got ${JSON.stringify(provider)}`,
        { option: 'provider' },
      );
    }
    const own = checkScript(provider, script);
    const defaults = checkScript(provider, this.options.defaultScript?.(provider), 'defaultScript');
    const generated = generateScript(provider, this.options.scripts);
    const resolved = resolveScript(provider, [defaults, own, overrides], generated, this.defaultWorkflows[provider]);
    const id = resolved.executionId ?? this.nextId(provider);
    const executions = this.byProvider[provider];
    if (executions.has(id))
      throw new ConfigError(`Expected \`script.executionId\` to be unused, got ${JSON.stringify(id)}`, {
        option: 'script.executionId',
      });
    const record = new ExecutionRecord(provider, id, resolved, this.options.now);
    executions.set(id, record);
    return record;
  }

  get(provider: SimulatedProvider, executionId: string): ExecutionRecord | undefined {
    return this.byProvider[provider].get(executionId);
  }

  all(provider: SimulatedProvider): ExecutionRecord[] {
    return [...this.byProvider[provider].values()];
  }

  /** Whether any execution of the provider belongs to the workflow. */
  hasWorkflow(provider: SimulatedProvider, workflowId: string): boolean {
    return this.all(provider).some((e) => e.workflowId === workflowId);
  }

  private nextId(provider: SimulatedProvider): string {
    if (provider === 'eachlabs') return this.options.ids.uuid();
    let id: string;
    do id = String(this.counters[provider]++);
    while (this.byProvider[provider].has(id));
    return id;
  }
}
