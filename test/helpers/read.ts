import type { ExecutionSnapshot } from '../../src/core/model.js';
import type { ProviderAdapter } from '../../src/providers/adapter.js';
import { parseWith } from '../../src/providers/parse.js';

/**
 * What a client does with a status body: validate it against the adapter's schema (a
 * ResponseValidationError naming the path when it does not fit), then normalize it.
 */
export function readStatus<Ref, S extends ExecutionSnapshot>(
  adapter: ProviderAdapter<Ref, S, never>,
  body: unknown,
  ref?: Ref,
): S {
  const valid: unknown = parseWith(adapter.status.schema, body, { provider: adapter.name, what: adapter.status.what });
  return adapter.status.read(valid, ref as Ref);
}
