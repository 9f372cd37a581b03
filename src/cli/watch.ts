import type { WatchOptions } from '../index.js';
import type { RunArgs, WatchArgs } from './args.js';
import { openClient } from './providers.js';
import { exitCodeOf } from './follow.js';
import type { Output } from './io.js';
import { present } from './present.js';

/**
 * `runwatch watch <provider> <id…>`: watches every id at once until each ends.
 *
 * @param args - the parsed command line.
 * @param output - where to write.
 * @param signal - Ctrl-C.
 * @returns the exit code: 0 all completed, 1 any failed or cancelled, 3 an error.
 *
 * @example
 * ```ts
 * import { parseCommand, type WatchArgs } from './args.js';
 * import { createOutput, type Io } from './io.js';
 * import { watchCommand } from './watch.js';
 *
 * // What `runwatch watch eachlabs 69ae8c7b-… --json` does.
 * const io: Io = { stdout: process.stdout, stderr: process.stderr, env: process.env, signal: new AbortController().signal };
 * const args = parseCommand(['watch', 'eachlabs', '69ae8c7b-7500-4a45-b7c0-348b8cc2665b', '--json'], io.env) as WatchArgs;
 * console.log(await watchCommand(args, createOutput(io, [args.apiKey]), io.signal));
 * // Logs: 0
 * ```
 */
export async function watchCommand(args: WatchArgs, output: Output, signal: AbortSignal): Promise<number> {
  const client = openClient(args);
  const options = watchOptions(args);
  const targets = args.ids.map((id) => ({
    label: `${args.provider} ${id}`,
    id,
    updates: client.watch(id, args.workflowId, options),
  }));
  const outcome = await present(
    targets,
    { json: args.json, title: `runwatch ${args.provider}`, expected: targets.length, events: client.events },
    output,
    signal,
  );
  return exitCodeOf(outcome);
}

/**
 * `runwatch run <provider> <workflow>`: starts the workflow, then watches what it started.
 *
 * @param args - the parsed command line.
 * @param output - where to write.
 * @param signal - Ctrl-C.
 * @returns the exit code: 0 completed, 1 failed or cancelled, 3 an error.
 *
 * @example
 * ```ts
 * import { parseCommand, type RunArgs } from './args.js';
 * import { createOutput, type Io } from './io.js';
 * import { runCommand } from './watch.js';
 *
 * // What `runwatch run eachlabs wf-1 --input prompt="a red fox"` does.
 * const io: Io = { stdout: process.stdout, stderr: process.stderr, env: process.env, signal: new AbortController().signal };
 * const args = parseCommand(['run', 'eachlabs', 'wf-1', '--input', 'prompt=a red fox'], io.env) as RunArgs;
 * console.log(await runCommand(args, createOutput(io, [args.apiKey]), io.signal));
 * // Logs: 0
 * ```
 */
export async function runCommand(args: RunArgs, output: Output, signal: AbortSignal): Promise<number> {
  const client = openClient(args);
  const target = {
    label: `${args.provider} workflow ${args.workflowId}`,
    id: args.workflowId,
    updates: client.run(args.workflowId, args.inputs, args.versionId, watchOptions(args)),
  };
  const outcome = await present(
    [target],
    { json: args.json, title: `runwatch ${args.provider}`, expected: 1, events: client.events },
    output,
    signal,
  );
  return exitCodeOf(outcome);
}

function watchOptions(args: WatchArgs | RunArgs): WatchOptions {
  return args.maxWaitMs === undefined ? {} : { maxWaitMs: args.maxWaitMs };
}
