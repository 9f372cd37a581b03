import { once } from 'node:events';
import { startSimulator, type Simulator, type SimulatorRequest } from '../testing/index.js';
import type { SimulateArgs } from './args.js';
import type { Output } from './io.js';
import { PROVIDERS } from './providers.js';
import { padEnd } from './text.js';

/**
 * `runwatch simulate`: starts the provider simulator (`runwatch/testing`) on 127.0.0.1, prints
 * the base URL of each provider API on it and the key it accepts, then serves, one line per
 * request, until Ctrl-C. Point any client at it: this command, the library, curl.
 *
 * @param args - the parsed command line (`--port`).
 * @param output - where to write.
 * @param signal - Ctrl-C: closes the server.
 * @returns 0 once stopped.
 * @throws the listen error, reworded when the port is taken.
 *
 * @example
 * ```ts
 * import { createOutput } from './io.js';
 * import { simulateCommand } from './simulate.js';
 *
 * const io = { stdout: process.stdout, stderr: process.stderr, env: process.env, signal: AbortSignal.timeout(60_000) };
 * console.log(await simulateCommand({ command: 'simulate', port: 8787 }, createOutput(io, []), io.signal));
 * // Logs: 0
 * ```
 */
export async function simulateCommand(args: SimulateArgs, output: Output, signal: AbortSignal): Promise<number> {
  const sim = await start(args.port);
  // The simulator's key is public (its documented default), and a user who took the advice
  // below has it in a provider's variable: scrubbing it would hide the one thing to copy.
  const out = output.allow(sim.apiKey);
  let served = 0;
  // One line per answer, and the simulator's own log emptied as it goes: it serves for hours.
  const log = () => {
    for (const entry of sim.requests.splice(0)) {
      served++;
      out.out(requestLine(entry));
    }
  };
  try {
    for (const line of introduction(sim)) out.out(line);
    sim.server.on('request', (_request, response) => response.once('close', log));
    if (!signal.aborted) await once(signal, 'abort');
  } finally {
    await sim.close();
  }
  log(); // what was answered while closing
  out.out(`runwatch simulate: stopped after ${served} request${served === 1 ? '' : 's'}.`);
  return 0;
}

async function start(port: number | undefined): Promise<Simulator> {
  try {
    return await startSimulator(port === undefined ? {} : { port });
  } catch (error) {
    // The simulator's ConfigError for `port`, caused by the listen error.
    if (((error as { cause?: NodeJS.ErrnoException }).cause ?? {}).code === 'EADDRINUSE') {
      throw new Error(`Port ${port} on 127.0.0.1 is in use: pick another with --port, or leave it out for a free one`, {
        cause: error,
      });
    }
    throw error;
  }
}

/** What to copy: the base URL of every provider API, the key, and how to use them. */
function introduction(sim: Simulator): string[] {
  const rows = PROVIDERS.flatMap((p) => p.apis.map((api) => [p.name, api.name ?? '', api.simulator(sim.baseUrls)]));
  const widths = [0, 1].map((i) => Math.max(...[['provider', '--api'], ...rows].map((row) => row[i]!.length)));
  const table = [['provider', '--api', '--base-url'], ...rows].map(([name = '', api = '', url = '']) =>
    `  ${padEnd(name, widths[0]!)}  ${padEnd(api, widths[1]!)}  ${url}`.trimEnd(),
  );
  return [
    `runwatch simulate: the ${PROVIDERS.map((p) => p.name).join(', ')} APIs, simulated at ${sim.url}`,
    '',
    ...table,
    '',
    `API key (every provider): ${sim.apiKey}`,
    `  export ${PROVIDERS.map((p) => `${p.apiKeyEnv}=${sim.apiKey}`).join(' ')}`,
    '',
    'Try, in another terminal: runwatch run <provider> <workflow-id> --base-url <its URL above>',
    'Serving until Ctrl-C; one line per request:',
  ];
}

function requestLine(entry: SimulatorRequest): string {
  const time = new Date(entry.time).toTimeString().slice(0, 8);
  const status = entry.status === 0 ? 'dropped' : String(entry.status);
  const auth =
    entry.provider !== undefined && entry.endpoint !== 'output' && entry.auth !== 'ok' ? ` (key ${entry.auth})` : '';
  return `${time}  ${entry.method} ${entry.path}  ${status}${auth}`;
}
