import { parseArgs, type ParseArgsConfig } from 'node:util';
import { PROVIDERS, provider, type ProviderFlag, type ProviderFlags, type ProviderName } from './providers.js';

/** The longest delay a timer takes (2^31 - 1 ms, about 24.8 days); the library refuses more. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * A mistake in the command line: exit code 2, with a pointer to the right `--help`. Its
 * message never repeats a value that could be a key.
 *
 * @example
 * ```ts
 * import { UsageError } from './args.js';
 *
 * const error = new UsageError('Missing execution id', 'watch');
 * console.log(`runwatch: ${error.message}; see runwatch ${error.command} --help`);
 * // Logs: runwatch: Missing execution id; see runwatch watch --help
 * ```
 */
export class UsageError extends Error {
  override name = 'UsageError' as const;
  /** The command whose help to point at; `undefined` for the top level. */
  readonly command: string | undefined;
  /**
   * @param message - what is wrong, for people.
   * @param command - the command whose `--help` to point at.
   */
  constructor(message: string, command?: string) {
    super(message);
    this.command = command;
  }
}

/**
 * What to connect to, shared by `watch` and `run`.
 *
 * @example
 * ```ts
 * import type { ConnectionArgs } from './args.js';
 *
 * const args: ConnectionArgs = { provider: 'datalab', apiKey: 'k', baseUrl: undefined, api: undefined, maxWaitMs: 60_000, json: true };
 * console.log(args.maxWaitMs);
 * // Logs: 60000
 * ```
 */
export interface ConnectionArgs {
  provider: ProviderName;
  apiKey: string;
  baseUrl: string | undefined;
  /** Which of the provider's APIs (EachLabs has two); `undefined` for its default. */
  api: string | undefined;
  maxWaitMs: number | undefined;
  json: boolean;
}

/**
 * `runwatch watch <provider> <id…>`, parsed.
 *
 * @example
 * ```ts
 * import { parseCommand, type WatchArgs } from './args.js';
 *
 * const args = parseCommand(['watch', 'eachlabs', 'e1', 'e2'], { EACHLABS_API_KEY: 'k' }) as WatchArgs;
 * console.log(args.ids);
 * // Logs: [ 'e1', 'e2' ]
 * ```
 */
export interface WatchArgs extends ConnectionArgs {
  command: 'watch';
  ids: string[];
  /** ModelsLab only: the workflow the executions belong to. */
  workflowId: string | undefined;
}

/**
 * `runwatch run <provider> <workflow> [--input k=v …]`, parsed.
 *
 * @example
 * ```ts
 * import { parseCommand, type RunArgs } from './args.js';
 *
 * const args = parseCommand(['run', 'modelslab', 'wf', '--input', 'steps:=30'], { MODELSLAB_API_KEY: 'k' }) as RunArgs;
 * console.log(args.inputs);
 * // Logs: { steps: 30 }
 * ```
 */
export interface RunArgs extends ConnectionArgs {
  command: 'run';
  workflowId: string;
  inputs: Record<string, unknown>;
  /** EachLabs only: the workflow version to trigger. */
  versionId: string | undefined;
}

/**
 * Every command line the tool accepts, parsed; `command` tells which.
 *
 * @example
 * ```ts
 * import { parseCommand, type Command } from './args.js';
 *
 * const command: Command = parseCommand(['watch', '--help'], {});
 * console.log(command);
 * // Logs: { command: 'help', topic: 'watch' }
 * ```
 */
export type Command =
  | { command: 'help'; topic: 'main' | 'demo' | 'watch' | 'run' | 'simulate' }
  | { command: 'version' }
  | { command: 'demo' }
  | SimulateArgs
  | WatchArgs
  | RunArgs;

/**
 * `runwatch simulate [--port <n>]`, parsed.
 *
 * @example
 * ```ts
 * import { parseCommand, type SimulateArgs } from './args.js';
 *
 * const args = parseCommand(['simulate', '--port', '8787'], {}) as SimulateArgs;
 * console.log(args.port);
 * // Logs: 8787
 * ```
 */
export interface SimulateArgs {
  command: 'simulate';
  /** The port on 127.0.0.1; `undefined` for any free one. */
  port: number | undefined;
}

const connectionOptions = {
  'api-key': { type: 'string' },
  'base-url': { type: 'string' },
  api: { type: 'string' },
  'max-wait': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

/**
 * Parses the arguments after `runwatch` (so `process.argv.slice(2)`) with `util.parseArgs`,
 * strict: an unknown command, provider or flag, a missing id or key is a {@link UsageError}.
 *
 * @param argv - the arguments.
 * @param env - where API keys come from when `--api-key` is absent.
 * @returns the parsed command.
 * @throws {@link UsageError} for anything it does not accept.
 *
 * @example
 * ```ts
 * import { parseCommand } from './args.js';
 *
 * const command = parseCommand(['watch', 'datalab', '123', '--json'], { DATALAB_API_KEY: 'k' });
 * console.log(command.command, 'json' in command && command.json);
 * // Logs: watch true
 * ```
 */
export function parseCommand(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Command {
  const [first, ...rest] = argv;
  switch (first) {
    case undefined:
      throw new UsageError('Missing command');
    case '--help':
    case '-h':
    case 'help':
      return { command: 'help', topic: 'main' };
    case '--version':
    case '-v':
      return { command: 'version' };
    case 'demo':
      return parseDemo(rest);
    case 'simulate':
      return parseSimulate(rest);
    case 'watch':
      return parseWatch(rest, env);
    case 'run':
      return parseRun(rest, env);
    default:
      throw new UsageError(`Unknown ${first.startsWith('-') ? 'option' : 'command'} ${quoted(first)}`);
  }
}

function parseDemo(argv: string[]): Command {
  const { values } = strictParse('demo', argv, { help: { type: 'boolean', short: 'h' } }, false);
  return values.help ? { command: 'help', topic: 'demo' } : { command: 'demo' };
}

function parseSimulate(argv: string[]): Command {
  const { values } = strictParse(
    'simulate',
    argv,
    { port: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    false,
  );
  if (values.help) return { command: 'help', topic: 'simulate' };
  const text = values.port?.trim();
  const port = text === undefined ? undefined : /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (port !== undefined && !(port <= 65_535)) {
    throw new UsageError(`--port must be a whole number from 0 to 65535, got '${values.port}'`, 'simulate');
  }
  return { command: 'simulate', port };
}

function parseWatch(argv: string[], env: Readonly<Record<string, string | undefined>>): Command {
  const { values, positionals } = strictParse(
    'watch',
    argv,
    { ...connectionOptions, workflow: { type: 'string' } },
    true,
  );
  if (values.help) return { command: 'help', topic: 'watch' };
  const [name, ...ids] = positionals;
  const provider = parseProvider('watch', name);
  if (ids.length === 0) throw new UsageError('Missing execution id', 'watch');
  const blank = ids.find((id) => id.trim() === '');
  if (blank !== undefined) throw new UsageError('Execution ids must not be empty', 'watch');
  checkFlags('watch', provider, { workflow: values.workflow, api: values.api });
  return {
    command: 'watch',
    ...connection('watch', provider, values, env),
    ids: [...new Set(ids)],
    workflowId: values.workflow,
  };
}

function parseRun(argv: string[], env: Readonly<Record<string, string | undefined>>): Command {
  const { values, positionals } = strictParse(
    'run',
    argv,
    { ...connectionOptions, input: { type: 'string', multiple: true }, 'version-id': { type: 'string' } },
    true,
  );
  if (values.help) return { command: 'help', topic: 'run' };
  const [name, workflowId, ...extra] = positionals;
  const provider = parseProvider('run', name);
  if (workflowId === undefined || workflowId.trim() === '') throw new UsageError('Missing workflow id', 'run');
  if (extra.length > 0)
    throw new UsageError('Unexpected argument after the workflow id (inputs go in --input key=value)', 'run');
  checkFlags('run', provider, { api: values.api, 'version-id': values['version-id'] });
  return {
    command: 'run',
    ...connection('run', provider, values, env),
    workflowId,
    inputs: parseInputs(values.input ?? []),
    versionId: values['version-id'],
  };
}

function strictParse<O extends NonNullable<ParseArgsConfig['options']>>(
  command: string,
  args: string[],
  options: O,
  allowPositionals: boolean,
) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (error) {
    // Its first sentence is the point; the rest is advice about '--' that rarely applies.
    // It quotes what it did not take (an unknown option, a stray positional), which may be a
    // key in the wrong place (`--api-keysk-…`): only what looks like a flag is shown.
    const message = error instanceof Error ? error.message : String(error);
    const sentence = message.split(/(?<=\.) /)[0] ?? message;
    throw new UsageError(
      sentence.replace(/'([^']*)'/g, (_quote, text: string) => quoted(text)),
      command,
    );
  }
}

/**
 * An argument quoted in a usage error, when it looks like a command or a flag (lower-case
 * words and dashes, as all of ours are: a typo is worth showing); anything else may be a key
 * pasted in the wrong place, and is not repeated.
 */
function quoted(text: string): string {
  return /^-{0,2}[a-z][a-z-]{0,19}( <value>)?$/.test(text) ? `'${text}'` : '(not repeated here: it may be a key)';
}

function parseProvider(command: string, name: string | undefined): ProviderName {
  const names = PROVIDERS.map((p) => p.name).join(', ');
  if (name === undefined) throw new UsageError(`Missing provider (${names})`, command);
  const entry = PROVIDERS.find((p) => p.name === name.toLowerCase());
  // The unknown name is not echoed: a key pasted in the wrong place would land here.
  if (entry === undefined) throw new UsageError(`Unknown provider; expected one of ${names}`, command);
  return entry.name;
}

/**
 * Refuses a provider-specific flag the provider does not take, an `--api` it does not have,
 * and whatever the provider itself finds missing.
 */
function checkFlags(command: 'watch' | 'run', name: ProviderName, flags: ProviderFlags): void {
  const entry = provider(name);
  for (const flag of Object.keys(flags) as ProviderFlag[]) {
    if (flags[flag] === undefined || entry.flags.includes(flag)) continue;
    const owners = PROVIDERS.filter((p) => (p.flags as readonly ProviderFlag[]).includes(flag)).map((p) => p.name);
    throw new UsageError(`--${flag} applies to ${owners.join(', ')} only, not ${name}`, command);
  }
  const apis = entry.apis.map((api) => api.name);
  if (flags.api !== undefined && !apis.includes(flags.api)) {
    throw new UsageError(`--api must be ${apis.map((api) => `'${String(api)}'`).join(' or ')}`, command);
  }
  const missing = entry.check(command, flags);
  if (missing !== undefined) throw new UsageError(missing, command);
}

function connection(
  command: string,
  name: ProviderName,
  values: { 'api-key'?: string; 'base-url'?: string; api?: string; 'max-wait'?: string; json?: boolean },
  env: Readonly<Record<string, string | undefined>>,
): ConnectionArgs {
  const { apiKeyEnv } = provider(name);
  const apiKey = values['api-key'] ?? env[apiKeyEnv];
  if (apiKey === undefined || apiKey.trim() === '') {
    throw new UsageError(`Missing API key: pass --api-key or set ${apiKeyEnv}`, command);
  }
  const baseUrl = values['base-url'];
  if (baseUrl !== undefined && !isAbsoluteUrl(baseUrl))
    throw new UsageError('--base-url must be an absolute http(s) URL', command);
  return {
    provider: name,
    apiKey,
    baseUrl,
    api: values.api,
    maxWaitMs: values['max-wait'] === undefined ? undefined : parseMaxWait(command, values['max-wait']),
    json: values.json ?? false,
  };
}

function isAbsoluteUrl(text: string): boolean {
  try {
    const { protocol } = new URL(text);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

function parseMaxWait(command: string, text: string): number {
  const ms = /^\d+$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!(ms > 0 && ms <= MAX_TIMER_MS)) {
    throw new UsageError(
      `--max-wait must be a whole number of milliseconds between 1 and ${MAX_TIMER_MS}, got '${text}'`,
      command,
    );
  }
  return ms;
}

/**
 * Reads `--input` pairs: `key=value` gives a string; `key:=json` gives any JSON value
 * (httpie's convention), so `steps:=30` is a number and `file_urls:='["a","b"]'` an array.
 *
 * @param pairs - the `--input` values.
 * @returns the inputs as one object.
 * @throws {@link UsageError} for a pair without `=` or with bad JSON.
 *
 * @example
 * ```ts
 * import { parseInputs } from './args.js';
 *
 * console.log(parseInputs(['prompt=a red fox', 'steps:=30']));
 * // Logs: { prompt: 'a red fox', steps: 30 }
 * ```
 */
export function parseInputs(pairs: readonly string[]): Record<string, unknown> {
  const inputs: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0 || (eq === 1 && pair[0] === ':'))
      throw new UsageError(`--input expects key=value or key:=json, got '${pair}'`, 'run');
    const raw = pair[eq - 1] === ':';
    const key = pair.slice(0, raw ? eq - 1 : eq);
    const value = pair.slice(eq + 1);
    let parsed: unknown = value;
    if (raw) {
      try {
        parsed = JSON.parse(value) as unknown;
      } catch {
        throw new UsageError(`--input ${key}:= expects a JSON value`, 'run');
      }
    }
    // A field of its own whatever its name: an assignment to `__proto__` would set the
    // object's prototype (or drop the input) instead.
    Object.defineProperty(inputs, key, { value: parsed, enumerable: true, writable: true, configurable: true });
  }
  return inputs;
}
