import { scrub as scrubSecrets } from '../index.js';
import { PROVIDERS } from './providers.js';
import type { Screen } from './screen.js';

/**
 * What a command may touch of the process: streams, environment, a stop signal.
 *
 * @example
 * ```ts
 * import type { Io } from './io.js';
 *
 * const io: Io = { stdout: process.stdout, stderr: process.stderr, env: process.env, signal: new AbortController().signal };
 * console.log(typeof io.stdout.write);
 * // Logs: function
 * ```
 */
export interface Io {
  /** Normal output: the display, the summary, NDJSON. */
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number; rows?: number };
  /** Errors and usage messages. */
  stderr: NodeJS.WritableStream;
  /** Where API keys and `NO_COLOR` come from. */
  env: Readonly<Record<string, string | undefined>>;
  /** Aborts on Ctrl-C: every watch is unsubscribed. */
  signal: AbortSignal;
}

/**
 * Writes lines, each scrubbed of every known API key first.
 *
 * @example
 * ```ts
 * import { createOutput, type Output } from './io.js';
 *
 * const output: Output = createOutput({ stdout: process.stdout, stderr: process.stderr, env: {}, signal: new AbortController().signal }, ['sk-123456']);
 * console.log(output.scrub('sk-123456'));
 * // Logs: [REDACTED]
 * ```
 */
export interface Output {
  /** One line to stdout. */
  out(line: string): void;
  /** One line to stderr. */
  err(line: string): void;
  /** Removes every known key from a text. */
  scrub(text: string): string;
  /** The screen the live display draws on (stdout). */
  screen(): Screen;
  /**
   * The same output, except that it leaves `text` alone: a value that may look like a key
   * but is public (the simulator's key, which a user may well have exported as one).
   */
  allow(text: string): Output;
}

/**
 * Wraps the process's streams so nothing reaches them with an API key in it: the library
 * already redacts its errors, and this catches the rest (an id or a flag value that happens
 * to be the key, say).
 *
 * @param io - the streams and environment.
 * @param secrets - the keys to scrub.
 * @returns the output.
 *
 * @example
 * ```ts
 * import { createOutput } from './io.js';
 *
 * const output = createOutput({ stdout: process.stdout, stderr: process.stderr, env: {}, signal: new AbortController().signal }, ['sk-123456']);
 * output.out('key is sk-123456');
 * // Logs: key is [REDACTED]
 * ```
 */
export function createOutput(io: Io, secrets: readonly string[]): Output {
  // The library's one scrub: every form of every key (trimmed, encoded, a prefix of 8 or more).
  const keys = [...new Set(secrets)].filter((s) => s.trim() !== '');
  const scrub = (text: string): string => scrubSecrets(text, keys);
  return {
    out: (line) => void io.stdout.write(`${scrub(line)}\n`),
    err: (line) => void io.stderr.write(`${scrub(line)}\n`),
    scrub,
    screen: () => {
      const live = io.stdout.isTTY === true;
      return {
        stream: io.stdout,
        live,
        // Getters: the terminal may be resized while the display runs.
        // A terminal that reports 0 × 0 (a pseudo-terminal not sized yet) is taken as 80 × 24.
        get columns() {
          return io.stdout.columns || 80;
        },
        get rows() {
          return io.stdout.rows || 24;
        },
        color: live && io.env.NO_COLOR === undefined && io.env.TERM !== 'dumb',
        scrub,
      };
    },
    allow: (text) =>
      createOutput(
        io,
        secrets.filter((secret) => secret !== text),
      ),
  };
}

/**
 * Every API key the command line or the environment could hold, so that output can be
 * scrubbed of them even when parsing fails half-way (a key given to the wrong flag).
 *
 * @param argv - the arguments.
 * @param env - the environment.
 * @returns the values of `--api-key` and of the providers' key variables.
 *
 * @example
 * ```ts
 * import { candidateSecrets } from './io.js';
 *
 * console.log(candidateSecrets(['watch', '--api-key=sk-abc123'], { EACHLABS_API_KEY: 'el-456789' }));
 * // Logs: [ 'el-456789', 'sk-abc123' ]
 * ```
 */
export function candidateSecrets(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): string[] {
  const secrets: string[] = [];
  for (const { apiKeyEnv } of PROVIDERS) {
    const value = env[apiKeyEnv];
    if (value !== undefined && value.trim() !== '') secrets.push(value);
  }
  argv.forEach((arg, i) => {
    if (arg === '--api-key') {
      const next = argv[i + 1];
      if (next !== undefined) secrets.push(next);
    } else if (arg.startsWith('--api-key')) {
      // `--api-key=KEY`, or a key typed straight after the flag (`--api-keyKEY`), which the
      // usage error would otherwise name.
      secrets.push(arg.slice(arg.startsWith('--api-key=') ? '--api-key='.length : '--api-key'.length));
    }
  });
  // Of any length: a short key scrubs ordinary text too, but it never shows.
  return secrets.filter((s) => s.trim() !== '');
}
