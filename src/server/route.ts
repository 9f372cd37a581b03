// From a request to the execution it names, with no provider request: the path is parsed
// here and the reference checked by the client's own synchronous checks.

/**
 * The execution a viewer asks for, as `authorize` sees it.
 *
 * @example
 * ```ts
 * import type { RelayRef } from 'runwatch/server';
 *
 * const ref: RelayRef = { provider: 'modelslab', executionId: '12345', workflowId: 'wf-1' };
 * console.log(`${ref.provider}/${ref.executionId}`);
 * // Logs: modelslab/12345
 * ```
 */
export interface RelayRef {
  /** The provider segment of the path: a key of `clients`. */
  provider: string;
  /** The execution id segment of the path, percent-decoded. */
  executionId: string;
  /** The `workflowId` query parameter, where there is one (ModelsLab needs it). */
  workflowId?: string;
}

/** A JSON error response: `{ "error": { "status", "message" } }`, never cached. */
export function problem(status: number, message: string, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify({ error: { status, message } }), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
  });
}

const EXPECTED = 'expected GET <relay>/:provider/:executionId (ModelsLab adds ?workflowId=)';

/** Reads `/:provider/:executionId` under `basePath`; a `Response` for a path that is none. */
export function parseRoute(url: string, basePath: string): RelayRef | Response {
  const { pathname, searchParams } = new URL(url);
  if (basePath !== '' && pathname !== basePath && !pathname.startsWith(`${basePath}/`)) {
    return problem(404, `Not a relay route: ${EXPECTED}`);
  }
  const parts = pathname.slice(basePath.length).split('/');
  if (parts.length === 4 && parts[3] === '') parts.pop(); // a trailing slash
  const [root, provider, executionId] = parts;
  if (parts.length !== 3 || root !== '' || !provider || !executionId) {
    return problem(404, `Not a relay route: ${EXPECTED}`);
  }
  let decoded: [string, string];
  try {
    decoded = [decodeURIComponent(provider), decodeURIComponent(executionId)];
  } catch {
    return problem(400, 'Malformed percent-encoding in the path');
  }
  const workflowId = searchParams.get('workflowId');
  const ref: RelayRef = { provider: decoded[0], executionId: decoded[1] };
  if (workflowId !== null) ref.workflowId = workflowId;
  return ref;
}

/** The reference a client's `watch` takes: `{ workflowId, executionId }` when a workflow is named, the id alone otherwise. */
export function clientRef(ref: RelayRef): unknown {
  return ref.workflowId === undefined ? ref.executionId : { workflowId: ref.workflowId, executionId: ref.executionId };
}

/** One key per execution. JSON, not a separator: ids come from the URL and may hold any character. */
export function channelKey(ref: RelayRef): string {
  return JSON.stringify([ref.provider, ref.workflowId ?? null, ref.executionId]);
}
