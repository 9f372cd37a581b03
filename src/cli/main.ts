import { createRequire } from 'node:module';
import { isConfigError } from '../index.js';
import { UsageError, parseCommand, type Command } from './args.js';
import { demoCommand } from './demo.js';
import { errorLine } from './follow.js';
import { HELP } from './help.js';
import { candidateSecrets, createOutput, type Io } from './io.js';
import { simulateCommand } from './simulate.js';
import { runCommand, watchCommand } from './watch.js';

/**
 * The whole command: parses `argv`, runs the command, and returns the exit code (0 all
 * completed, 1 any failed or cancelled, 2 usage error, 3 any other error, 130 interrupted).
 * Every line it writes is scrubbed of the API keys it can see.
 *
 * @param argv - the arguments after `runwatch`.
 * @param io - streams, environment and the Ctrl-C signal.
 * @returns the exit code.
 */
async function main(argv: readonly string[], io: Io): Promise<number> {
  const output = createOutput(io, candidateSecrets(argv, io.env));
  let command: Command;
  try {
    command = parseCommand(argv, io.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    output.err(`runwatch: ${error.message}`);
    output.err(`Run 'runwatch ${error.command === undefined ? '' : `${error.command} `}--help' for usage.`);
    return 2;
  }
  try {
    switch (command.command) {
      case 'help':
        output.out(HELP[command.topic]);
        return 0;
      case 'version':
        output.out(version());
        return 0;
      case 'demo':
        return await demoCommand(output, io.signal);
      case 'simulate':
        return await simulateCommand(command, output, io.signal);
      case 'watch':
        return await watchCommand(command, output, io.signal);
      case 'run':
        return await runCommand(command, output, io.signal);
    }
  } catch (error) {
    // A ConfigError here is the library refusing a flag's value (say, a base URL): usage.
    output.err(`runwatch: ${errorLine(error)}`);
    return isConfigError(error) ? 2 : 3;
  }
}

function version(): string {
  try {
    // dist/cli/main.js and src/cli/main.ts both sit two levels under the package root.
    const pkg = createRequire(import.meta.url)('../../package.json') as { version?: unknown };
    return String(pkg.version);
  } catch {
    return 'unknown';
  }
}

const controller = new AbortController();
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  // The reader went away (`runwatch watch … --json | head -1`): it has what it wanted.
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});
// Ctrl-C, or SIGTERM (a container or a service manager stopping it): stop cleanly, with the
// summary; a second one means now.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    controller.abort();
    process.once(signal, () => process.exit(130));
  });
}
const code = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  signal: controller.signal,
});
process.exitCode = code;
// Exit once the output is flushed even if a keep-alive socket lingers; unref'd, so a process
// that is already done exits at once without waiting for it.
setTimeout(() => process.exit(code), 1_000).unref();
