import { lastValueFrom, toArray } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { parseCommand, UsageError } from '../../src/cli/args.js';
import { PROVIDERS, openClient, provider } from '../../src/cli/providers.js';
import { startSimulator, type Simulator } from '../../src/testing/index.js';

const KEY = 'sk-providers-test-81c2';
const ENV = Object.fromEntries(PROVIDERS.map((p) => [p.apiKeyEnv, KEY]));

function usage(argv: string[]): string {
  try {
    parseCommand(argv, ENV);
  } catch (error) {
    if (error instanceof UsageError) return error.message;
    throw error;
  }
  throw new Error(`expected a usage error for ${argv.join(' ')}`);
}

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

describe('PROVIDERS', () => {
  it('names each provider once, with its own key variable', () => {
    expect(PROVIDERS.map((p) => p.name)).toEqual(['modelslab', 'eachlabs', 'datalab']);
    expect(new Set(PROVIDERS.map((p) => p.apiKeyEnv)).size).toBe(PROVIDERS.length);
    for (const p of PROVIDERS) expect(provider(p.name)).toBe(p);
  });

  it('refuses a provider-specific flag for a provider that does not take it, naming those that do', () => {
    expect(usage(['watch', 'datalab', '1', '--workflow', 'wf'])).toBe(
      '--workflow applies to modelslab only, not datalab',
    );
    expect(usage(['watch', 'modelslab', '1', '--workflow', 'wf', '--api', 'legacy'])).toBe(
      '--api applies to eachlabs only, not modelslab',
    );
    expect(usage(['run', 'datalab', '7', '--version-id', 'v1'])).toBe(
      '--version-id applies to eachlabs only, not datalab',
    );
    expect(usage(['watch', 'eachlabs', 'x', '--api', 'beta'])).toBe("--api must be 'legacy' or 'current'");
    expect(usage(['run', 'eachlabs', 'wf', '--api', 'current'])).toBe(
      'The current EachLabs API runs a specific version: add --version-id <id>',
    );
  });

  it('opens a client for every API of every provider that watches an execution on the simulator to its end', async () => {
    let now = Date.parse('2026-01-01T10:00:00Z');
    const started = await startSimulator({ now: () => now });
    sim = started;
    const script = { queuedMs: 0, steps: [{ name: 'only', durationMs: 1_000 }] };
    const apis = PROVIDERS.flatMap((p) =>
      p.apis.map((api) => ({ name: p.name, api: api.name, url: api.simulator(started.baseUrls) })),
    );
    expect(apis.map((a) => [a.name, a.api])).toEqual([
      ['modelslab', undefined],
      ['eachlabs', 'legacy'],
      ['eachlabs', 'current'],
      ['datalab', undefined],
    ]);
    const executions = apis.map((a) => started.createExecution(a.name, script));
    now += 5_000;
    const finals = await Promise.all(
      apis.map(async (a, i) => {
        const { executionId, workflowId } = executions[i]!;
        const client = openClient({ provider: a.name, apiKey: started.apiKey, baseUrl: a.url, api: a.api });
        const updates = await lastValueFrom(client.watch(executionId, workflowId, {}).pipe(toArray()));
        return updates.at(-1)?.snapshot;
      }),
    );
    expect(finals.map((s) => [s?.provider, s?.status])).toEqual(apis.map((a) => [a.name, 'completed']));
    // Each API was asked on its own path, with its own auth accepted.
    for (const a of apis) {
      const path = new URL(a.url).pathname;
      expect(started.requests.some((q) => q.path.startsWith(`${path}/`) && q.auth === 'ok' && q.status === 200)).toBe(
        true,
      );
    }
  });
});
