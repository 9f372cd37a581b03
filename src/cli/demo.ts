import { merge } from 'rxjs';
import type { BackoffOptions } from '../index.js';
import { startSimulator, type ExecutionScript } from '../testing/index.js';
import type { Target } from './follow.js';
import type { Output } from './io.js';
import { present } from './present.js';
import { provider, type CliClient, type ProviderName } from './providers.js';

/** Short polls against a local server: the demo is a show, not a production cadence. */
const DEMO_BACKOFF: BackoffOptions = { initialDelayMs: 250, maxDelayMs: 1_000 };

/** The scripted executions: every provider, one with many steps, one failing, one cancelled. */
const SCRIPTS = {
  modelslabLong: {
    queuedMs: 300,
    steps: [
      { name: 'Text to Image', durationMs: 1_400 },
      { name: 'Image Upscaler', durationMs: 1_000 },
      { name: 'Background Remover', durationMs: 900 },
      { name: 'Face Enhancer', durationMs: 1_100 },
      { name: 'Image Upscaler', durationMs: 800 },
      { name: 'Image to Video', durationMs: 2_200 },
      { name: 'Frame Interpolation', durationMs: 1_200 },
      { name: 'Video Upscaler', durationMs: 1_300 },
    ],
  },
  modelslabShort: {
    queuedMs: 800,
    steps: [
      { name: 'Text to Image', durationMs: 1_500 },
      { name: 'Image Upscaler', durationMs: 1_200 },
    ],
  },
  eachlabsFailing: {
    queuedMs: 500,
    steps: [
      { name: 'transcribe', durationMs: 1_300 },
      { name: 'translate', durationMs: 1_700, fails: true, error: 'translate failed: unsupported language "tlh"' },
      { name: 'dub', durationMs: 1_500 },
    ],
  },
  eachlabsCancelled: {
    queuedMs: 200,
    cancelAfterMs: 3_500,
    steps: [
      { name: 'generate', durationMs: 2_000 },
      { name: 'caption', durationMs: 3_000 },
    ],
  },
  eachlabsOk: {
    queuedMs: 1_000,
    steps: [
      { name: 'prompt', durationMs: 900 },
      { name: 'image', durationMs: 2_000 },
      { name: 'upscale', durationMs: 1_400 },
    ],
  },
  datalabFlat: {
    queuedMs: 600,
    steps: [
      { name: 'parse', durationMs: 1_600 },
      { name: 'extract', durationMs: 1_400 },
      { name: 'summarize', durationMs: 1_000 },
    ],
  },
  datalabNested: {
    queuedMs: 400,
    nested: ['invoice.pdf', 'receipt.pdf'],
    steps: [
      { name: 'parse', durationMs: 1_800 },
      { name: 'classify', durationMs: 1_200 },
    ],
  },
} satisfies Record<string, ExecutionScript>;

/** The show, in the order the board lists it. */
const SHOW: readonly (readonly [ProviderName, ExecutionScript])[] = [
  ['modelslab', SCRIPTS.modelslabLong],
  ['eachlabs', SCRIPTS.eachlabsFailing],
  ['datalab', SCRIPTS.datalabFlat],
  ['modelslab', SCRIPTS.modelslabShort],
  ['eachlabs', SCRIPTS.eachlabsCancelled],
  ['datalab', SCRIPTS.datalabNested],
  ['eachlabs', SCRIPTS.eachlabsOk],
];

/**
 * `runwatch demo`: starts the simulator in this process, starts a few scripted executions on
 * all three providers and watches them through the public API (the provider clients with
 * `baseUrl` at the simulator, `mergeExecutions`, `progress`, `aggregateProgress`), with the
 * live display. Takes about 11 s. The failing and the cancelled executions are part of the
 * script, so they do not change the exit code.
 *
 * @param output - where to write.
 * @param signal - Ctrl-C.
 * @returns 0, or 3 if a watch errored, 130 if interrupted.
 *
 * @example
 * ```ts
 * import { demoCommand } from './demo.js';
 * import { createOutput } from './io.js';
 *
 * const io = { stdout: process.stdout, stderr: process.stderr, env: process.env, signal: new AbortController().signal };
 * console.log(await demoCommand(createOutput(io, []), io.signal));
 * // Logs: 0
 * ```
 */
export async function demoCommand(output: Output, signal: AbortSignal): Promise<number> {
  const sim = await startSimulator();
  try {
    const common = {
      apiKey: sim.apiKey,
      backoff: DEMO_BACKOFF,
      // The documented budgets (ModelsLab: 10 requests a minute per workflow) would stretch
      // a 12-second show over minutes; the local simulator has no such limit.
      rateLimit: false as const,
    };
    // One client per provider, on its default API at the simulator.
    const clients = new Map<ProviderName, CliClient>();
    const clientOf = (name: ProviderName): CliClient => {
      const entry = provider(name);
      const client =
        clients.get(name) ?? entry.open({ ...common, baseUrl: entry.apis[0].simulator(sim.baseUrls) }, undefined);
      clients.set(name, client);
      return client;
    };
    const start = (name: ProviderName, script: ExecutionScript): Target => {
      const { executionId, workflowId } = sim.createExecution(name, script);
      return {
        label: `${name} ${executionId}`,
        id: executionId,
        updates: clientOf(name).watch(executionId, workflowId, {}),
      };
    };
    const targets = SHOW.map(([name, script]) => start(name, script));
    const outcome = await present(
      targets,
      {
        json: false,
        title: 'runwatch demo',
        expected: targets.length,
        events: merge(...[...clients.values()].map((client) => client.events)),
      },
      output,
      signal,
    );
    if (outcome.interrupted) return 130;
    if (outcome.errors.length > 0) return 3;
    output.out('');
    output.out(
      `The failed and the cancelled executions are scripted; the demo exits 0. ${sim.requests.length} requests served by the simulator at ${sim.url}.`,
    );
    return 0;
  } finally {
    await sim.close();
  }
}
