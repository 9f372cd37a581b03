import { ConfigError } from '../core/errors.js';
import { assertPositive, assertPositiveInteger, checkKeys, describe, fail, requireObject } from '../core/options.js';
import type { RelayClient } from './relay.js';
import type { RelayRef } from './route.js';

/**
 * How a relay is set up.
 *
 * @example
 * ```ts
 * import { datalab } from 'runwatch';
 * import type { RelayOptions } from 'runwatch/server';
 *
 * const options: RelayOptions = {
 *   clients: { datalab: datalab({ apiKey: process.env.DATALAB_API_KEY ?? '' }) },
 *   authorize: async (request) => request.headers.get('authorization') === 'Bearer let-me-in',
 *   heartbeatMs: 20_000,
 * };
 * console.log(Object.keys(options.clients));
 * // Logs: [ 'datalab' ]
 * ```
 */
export interface RelayOptions {
  /**
   * The clients to watch through, by the name the route uses: `{ modelslab, eachlabs,
   * datalab }`, or any name for a client of your own. Their API keys stay on the server.
   */
  clients: Readonly<Record<string, RelayClient>>;
  /**
   * Decides whether this request may watch this execution; anything but `true` (or a promise
   * of it) is a 403. Runs before anything is polled, so a refusal costs no provider request.
   * A throw or rejection is a 500, its message not sent.
   */
  authorize: (request: Request, ref: RelayRef) => boolean | Promise<boolean>;
  /**
   * How often a comment goes down every open stream, in ms, so that proxies do not close an
   * idle connection.
   * @defaultValue 15000
   */
  heartbeatMs?: number;
  /**
   * Send each snapshot's `raw` provider body too. Off by default: it is large, and it is the
   * provider's body as is.
   * @defaultValue false
   */
  includeRaw?: boolean;
  /**
   * Where the relay is mounted, for the `fetch` handler (a Next.js route at
   * `app/relay/[...path]/route.ts` gets the full path: `basePath: '/relay'`). Express's
   * `app.use('/relay', relay.node)` strips the mount itself: leave it empty there.
   * @defaultValue '' (routes at the root)
   */
  basePath?: string;
  /**
   * The most streams open at once; over it a request gets a 503.
   * @defaultValue 10000
   */
  maxStreams?: number;
  /**
   * The most events kept per execution for viewers that reconnect (`Last-Event-ID`).
   * @defaultValue 64
   */
  maxHistoryEvents?: number;
  /**
   * The most bytes of events kept per execution (the latest event is always kept).
   * @defaultValue 262144 (256 KiB)
   */
  maxHistoryBytes?: number;
  /**
   * How many executions without viewers keep their history (least recently used first out),
   * so that a returning viewer continues without repeats and a finished execution is served
   * without a provider request. 0 keeps none.
   * @defaultValue 1000
   */
  maxRetained?: number;
  /**
   * Strings that must never reach a viewer (your API keys, as a second line of defence):
   * replaced by `[REDACTED]` in every event. runwatch already keeps keys out of snapshots and
   * errors.
   * @defaultValue none
   */
  secrets?: readonly string[];
}

/** Every option checked, with its default. */
export interface ResolvedRelayOptions {
  clients: Map<string, RelayClient>;
  authorize: RelayOptions['authorize'];
  heartbeatMs: number;
  includeRaw: boolean;
  basePath: string;
  maxStreams: number;
  maxHistoryEvents: number;
  maxHistoryBytes: number;
  maxRetained: number;
  secrets: string[];
}

const KEYS: readonly string[] = [
  'clients',
  'authorize',
  'heartbeatMs',
  'includeRaw',
  'basePath',
  'maxStreams',
  'maxHistoryEvents',
  'maxHistoryBytes',
  'maxRetained',
  'secrets',
];

/** Checks relay options up front: a mistake throws where the relay is created. */
export function resolveRelayOptions(options: unknown): ResolvedRelayOptions {
  const o = requireObject('relay options', options) as Partial<RelayOptions>;
  checkKeys('relay options', o, KEYS);
  const clients = new Map<string, RelayClient>();
  for (const [name, client] of Object.entries(requireObject('clients', o.clients))) {
    if (name === '' || name.includes('/')) fail('clients', 'keyed by path segments (not empty, no "/")', name);
    if (typeof (client as Partial<RelayClient> | null)?.watch !== 'function') {
      fail(`clients.${name}`, 'a client with a `watch` method', client);
    }
    clients.set(name, client as RelayClient);
  }
  if (clients.size === 0)
    throw new ConfigError('Expected `clients` to name at least one client', { option: 'clients' });
  if (typeof o.authorize !== 'function') {
    // Required: a relay open to anyone is a choice to write down, `authorize: () => true`.
    fail('authorize', 'a function (request, ref) => boolean', o.authorize);
  }
  if (o.heartbeatMs !== undefined) assertPositive('heartbeatMs', o.heartbeatMs, 2_147_483_647);
  if (o.includeRaw !== undefined && typeof o.includeRaw !== 'boolean') fail('includeRaw', 'a boolean', o.includeRaw);
  if (o.basePath !== undefined && (typeof o.basePath !== 'string' || !/^(\/.*)?$/.test(o.basePath))) {
    fail('basePath', "'' or a path starting with '/'", o.basePath);
  }
  // As a URL's path carries it (a space as %20), for it is compared with one; no trailing slash.
  const basePath = new URL(`http://relay.invalid${o.basePath ?? ''}`).pathname.replace(/\/+$/, '');
  for (const option of ['maxStreams', 'maxHistoryEvents', 'maxHistoryBytes'] as const) {
    if (o[option] !== undefined) assertPositiveInteger(option, o[option]);
  }
  if (o.maxRetained !== undefined && (!Number.isInteger(o.maxRetained) || o.maxRetained < 0)) {
    fail('maxRetained', 'a whole number ≥ 0', o.maxRetained);
  }
  if (o.secrets !== undefined && (!Array.isArray(o.secrets) || o.secrets.some((s) => typeof s !== 'string'))) {
    throw new ConfigError(`Expected \`secrets\` to be an array of strings, got ${describe(o.secrets)}`, {
      option: 'secrets',
    });
  }
  return {
    clients,
    authorize: o.authorize,
    heartbeatMs: o.heartbeatMs ?? 15_000,
    includeRaw: o.includeRaw ?? false,
    basePath,
    maxStreams: o.maxStreams ?? 10_000,
    maxHistoryEvents: o.maxHistoryEvents ?? 64,
    maxHistoryBytes: o.maxHistoryBytes ?? 262_144,
    maxRetained: o.maxRetained ?? 1_000,
    secrets: secretForms(o.secrets ?? []),
  };
}

/** Each secret, and as it appears inside a JSON string (escaped); empty strings would match everywhere. */
function secretForms(secrets: readonly string[]): string[] {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret === '') continue;
    forms.add(secret);
    forms.add(JSON.stringify(secret).slice(1, -1));
  }
  return [...forms];
}
