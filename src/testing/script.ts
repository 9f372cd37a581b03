import { fail, requireObject } from '../core/options.js';
import type { Random } from './random.js';

/**
 * The providers the simulator speaks.
 *
 * @example
 * ```ts
 * import type { SimulatedProvider } from 'runwatch/testing';
 *
 * const providers: SimulatedProvider[] = ['modelslab', 'eachlabs', 'datalab'];
 * console.log(providers.length);
 * // Logs: 3
 * ```
 */
export type SimulatedProvider = 'modelslab' | 'eachlabs' | 'datalab';

/**
 * One step of a scripted execution. Steps run one after another on the simulator's clock.
 *
 * @example
 * ```ts
 * import type { ScriptStep } from 'runwatch/testing';
 *
 * const step: ScriptStep = { name: 'parse', durationMs: 2_000, fails: true, error: 'Could not read page 3' };
 * console.log(step.fails);
 * // Logs: true
 * ```
 */
export interface ScriptStep {
  /**
   * The step's name: the ModelsLab step `name` (may repeat), the EachLabs step id, the
   * Datalab `unique_name` (both must be unique within the execution).
   */
  name: string;
  /** How long the step runs, in ms, before it completes (or fails). */
  durationMs: number;
  /**
   * Whether the step fails when its time is up; the execution fails with it and later steps stay pending.
   * @defaultValue false
   */
  fails?: boolean;
  /**
   * The failure message of a failing step.
   * @defaultValue `"<name> failed: simulated failure"`
   */
  error?: string;
  /**
   * What the step produced: the EachLabs step `output`, the JSON a Datalab `output_url` serves.
   * @defaultValue a plausible output per provider
   */
  output?: unknown;
}

/**
 * How a simulated execution unfolds. Every field is optional: what is missing comes from
 * the simulator's `defaultScript`, then from its seeded generator.
 *
 * @example
 * ```ts
 * import type { ExecutionScript } from 'runwatch/testing';
 *
 * const script: ExecutionScript = {
 *   queuedMs: 500,
 *   steps: [
 *     { name: 'Text to Image', durationMs: 1_000 },
 *     { name: 'Image Upscaler', durationMs: 2_000 },
 *   ],
 * };
 * console.log(script.steps?.length);
 * // Logs: 2
 * ```
 */
export interface ExecutionScript {
  /**
   * The steps, in order.
   * @defaultValue two to four steps from the seeded generator; about one execution in five has a failing step
   */
  steps?: readonly ScriptStep[];
  /**
   * How long the execution waits in the queue before its first step starts, in ms.
   * @defaultValue from the seeded generator (0 to 1500)
   */
  queuedMs?: number;
  /**
   * The workflow the execution belongs to. Datalab workflow ids are whole numbers.
   * @defaultValue one workflow id per provider, fixed per simulator
   */
  workflowId?: string;
  /**
   * The EachLabs `flow_name` in list summaries.
   * @defaultValue `"Simulated workflow"`
   */
  workflowName?: string;
  /**
   * The EachLabs `version_id`.
   * @defaultValue `"v1"`
   */
  versionId?: string;
  /** The EachLabs bulk operation the execution belongs to, for `GET …/executions?bulk_id=`. */
  bulkId?: string;
  /**
   * The execution id. ModelsLab and Datalab ids are whole numbers, EachLabs ids any string.
   * @defaultValue the next id: ModelsLab from 12345, Datalab from 123, EachLabs a seeded UUID
   */
  executionId?: string;
  /**
   * The EachLabs `inputs`.
   * @defaultValue `{ prompt: "A majestic mountain landscape" }`
   */
  inputs?: Record<string, unknown>;
  /**
   * The final output: ModelsLab `output.output`, EachLabs `output`.
   * @defaultValue image URLs served by the simulator (ModelsLab), the last step's output (EachLabs)
   */
  output?: unknown;
  /**
   * Datalab only: render `steps` in the nested form `{unique_name: {file_key: {status, output_url}}}`.
   * `true` uses the file keys `file_0` and `file_1`; an array names them.
   * @defaultValue false (the flat form of the docs page)
   */
  nested?: boolean | readonly string[];
  /**
   * Cancels the execution this long after it was created, in ms, as a user would. Datalab has
   * no cancelled state: there it shows as `FAILED`.
   * @defaultValue never
   */
  cancelAfterMs?: number;
}

/** A step with its defaults filled in. */
export interface ResolvedStep {
  name: string;
  durationMs: number;
  fails: boolean;
  error: string;
  output: unknown;
  /** Whether `output` came from the script rather than a default. */
  hasOutput: boolean;
}

/** A script with every default filled in. */
export interface ResolvedScript {
  steps: ResolvedStep[];
  queuedMs: number;
  workflowId: string;
  workflowName: string;
  versionId: string;
  bulkId: string | undefined;
  executionId: string | undefined;
  inputs: Record<string, unknown>;
  output: unknown;
  hasOutput: boolean;
  nested: string[] | undefined;
  cancelAfterMs: number | undefined;
}

const STEP_NAMES: Record<SimulatedProvider, readonly string[]> = {
  modelslab: ['Text to Image', 'Image Upscaler', 'Background Remover', 'Face Enhancer', 'Image to Video'],
  eachlabs: [],
  datalab: ['parse', 'extract', 'segment', 'classify', 'summarize'],
};

/** Steps and queue time from the seeded generator. Always draws the same amount for a provider. */
export function generateScript(provider: SimulatedProvider, random: Random): { steps: ScriptStep[]; queuedMs: number } {
  const count = random.int(2, 4);
  const failing = random.chance(0.2) ? random.int(0, count - 1) : -1;
  const queuedMs = random.int(0, 15) * 100;
  const pool = STEP_NAMES[provider];
  // A random subset of the pool, in pool order, so generated workflows read plausibly.
  const names =
    provider === 'eachlabs'
      ? Array.from({ length: count }, (_, i) => `step${i + 1}`)
      : pool
          .map((name) => ({ name, order: random.float() }))
          .sort((a, b) => a.order - b.order)
          .slice(0, count)
          .sort((a, b) => pool.indexOf(a.name) - pool.indexOf(b.name))
          .map((s) => s.name);
  const steps = names.map((name, i) => ({
    name,
    durationMs: random.int(4, 25) * 100,
    ...(i === failing ? { fails: true } : {}),
  }));
  return { steps, queuedMs };
}

function nonNegative(option: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) fail(option, 'a non-negative number', value);
  return value;
}

function text(option: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') fail(option, 'a non-empty string', value);
  return value;
}

/** Checks a user's script and returns a copy; throws a `ConfigError` with the exact field. */
export function checkScript(provider: SimulatedProvider, script: unknown, option = 'script'): ExecutionScript {
  if (script === undefined) return {};
  const s = requireObject(option, script);
  const out: ExecutionScript = {};
  if (s['steps'] !== undefined) {
    if (!Array.isArray(s['steps'])) fail(`${option}.steps`, 'an array', s['steps']);
    const steps = (s['steps'] as unknown[]).map((raw, i): ScriptStep => {
      const at = `${option}.steps[${i}]`;
      if (typeof raw !== 'object' || raw === null) fail(at, 'an object', raw);
      const step = raw as Record<string, unknown>;
      const checked: ScriptStep = {
        name: text(`${at}.name`, step['name']),
        durationMs: nonNegative(`${at}.durationMs`, step['durationMs']),
      };
      if (step['fails'] !== undefined) {
        if (typeof step['fails'] !== 'boolean') fail(`${at}.fails`, 'a boolean', step['fails']);
        checked.fails = step['fails'];
      }
      if (step['error'] !== undefined) checked.error = text(`${at}.error`, step['error']);
      if ('output' in step) checked.output = step['output'];
      return checked;
    });
    if (provider !== 'modelslab') {
      const seen = new Set<string>();
      for (const [i, step] of steps.entries()) {
        if (seen.has(step.name)) fail(`${option}.steps[${i}].name`, `unique within a ${provider} execution`, step.name);
        seen.add(step.name);
      }
    }
    out.steps = steps;
  }
  if (s['queuedMs'] !== undefined) out.queuedMs = nonNegative(`${option}.queuedMs`, s['queuedMs']);
  if (s['cancelAfterMs'] !== undefined) out.cancelAfterMs = nonNegative(`${option}.cancelAfterMs`, s['cancelAfterMs']);
  for (const key of ['workflowId', 'workflowName', 'versionId', 'bulkId', 'executionId'] as const) {
    if (s[key] !== undefined) out[key] = text(`${option}.${key}`, s[key]);
  }
  const integerIds =
    provider === 'datalab' ? ['workflowId', 'executionId'] : provider === 'modelslab' ? ['executionId'] : [];
  for (const key of integerIds as ('workflowId' | 'executionId')[]) {
    const value = out[key];
    if (value !== undefined && !/^[1-9]\d{0,14}$/.test(value))
      fail(`${option}.${key}`, `a whole number (as a string) for ${provider}`, value);
  }
  if (s['inputs'] !== undefined) out.inputs = requireObject(`${option}.inputs`, s['inputs']);
  if ('output' in s) out.output = s['output'];
  if (s['nested'] !== undefined) {
    const nested = s['nested'];
    if (typeof nested === 'boolean') out.nested = nested;
    else if (Array.isArray(nested) && nested.length > 0)
      out.nested = nested.map((k, i) => text(`${option}.nested[${i}]`, k));
    else fail(`${option}.nested`, 'a boolean or a non-empty array of file keys', nested);
  }
  return out;
}

/** Layers a script over the defaults and the generator's draw. */
export function resolveScript(
  provider: SimulatedProvider,
  layers: readonly ExecutionScript[],
  generated: { steps: ScriptStep[]; queuedMs: number },
  defaultWorkflowId: string,
): ResolvedScript {
  const merged: ExecutionScript = Object.assign({}, ...layers) as ExecutionScript;
  const steps = (merged.steps ?? generated.steps).map((step): ResolvedStep => ({
    name: step.name,
    durationMs: step.durationMs,
    fails: step.fails ?? false,
    error: step.error ?? `${step.name} failed: simulated failure`,
    output: step.output,
    hasOutput: 'output' in step,
  }));
  const nested =
    merged.nested === true
      ? ['file_0', 'file_1']
      : Array.isArray(merged.nested)
        ? [...(merged.nested as string[])]
        : undefined;
  return {
    steps,
    queuedMs: merged.queuedMs ?? generated.queuedMs,
    workflowId: merged.workflowId ?? defaultWorkflowId,
    workflowName: merged.workflowName ?? 'Simulated workflow',
    versionId: merged.versionId ?? 'v1',
    bulkId: merged.bulkId,
    executionId: merged.executionId,
    inputs: merged.inputs ?? { prompt: 'A majestic mountain landscape' },
    output: merged.output,
    hasOutput: 'output' in merged,
    nested: provider === 'datalab' ? nested : undefined,
    cancelAfterMs: merged.cancelAfterMs,
  };
}
