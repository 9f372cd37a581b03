// Class 4 — redirects. The rule: runwatch follows no redirect from a provider API. A 3xx (or a
// browser's opaque redirect) is refused as a retryable HttpError, its body unread, so the key
// in `key`, `X-API-Key` or `Authorization` never leaves the configured origin and nothing from
// another origin is taken for the provider's answer. Real HTTP on 127.0.0.1.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { lastValueFrom, toArray } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpError, isHttpError } from '../../src/index.js';
import { KEY, PROVIDERS, body, clientOf, expectKeyFree, fakeFetch, rejection, type ProviderName } from './support.js';

const open: Server[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** A server on 127.0.0.1 that records each request's headers and answers with `answer`. */
async function serve(answer: (path: string) => { status: number; headers?: Record<string, string>; body?: unknown }) {
  const seen: { path: string; headers: IncomingHttpHeaders }[] = [];
  const server = createServer((req, res) => {
    seen.push({ path: req.url ?? '', headers: req.headers });
    const a = answer(req.url ?? '');
    res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers });
    res.end(a.body === undefined ? '' : JSON.stringify(a.body));
  });
  open.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

const BASES: Record<ProviderName, string> = {
  modelslab: '/modelslab/api/v1/workflows',
  eachlabs: '/eachlabs/api/v1',
  datalab: '/datalab/api/v1/workflows',
};

describe('redirects from a provider API', () => {
  it.each(PROVIDERS)(
    '%s: a redirect to another origin carries no auth header there and its body is not taken',
    async (provider) => {
      // "Elsewhere" answers a perfectly good body: it must still not be taken for the provider's.
      const elsewhere = await serve(() => ({ status: 200, body: body(provider, 'completed', []) }));
      const api = await serve((path) => ({ status: 302, headers: { location: `${elsewhere.url}${path}` } }));
      const client = clientOf(provider, globalThis.fetch, { baseUrl: `${api.url}${BASES[provider]}` });

      const error = await rejection(client.get());
      expect(error).toBeInstanceOf(HttpError);
      expect(error).toMatchObject({ status: 302, retryable: true, provider });
      expect((error as Error).message).toContain('redirect');
      expectKeyFree(error);

      // A watch retries it like a 5xx, then errors with it: never a snapshot from elsewhere.
      const watched = await lastValueFrom(
        client.watch({ backoff: { initialDelayMs: 1, jitter: 'none', maxRetries: 2 } }).pipe(toArray()),
      ).catch((e: unknown) => e);
      expect(isHttpError(watched) && watched.status).toBe(302);

      expect(elsewhere.seen).toEqual([]); // not followed at all, so no header could travel
      expect(api.seen.length).toBe(1 + 3);
      for (const { headers } of api.seen) expect(Object.values(headers).join(' ')).toContain(KEY); // the key went to its origin only
    },
  );

  it.each(PROVIDERS)('%s: a same-origin redirect is refused too: one rule in every runtime', async (provider) => {
    const api = await serve((path) =>
      path.includes('moved')
        ? { status: 200, body: body(provider, 'completed', []) }
        : { status: 307, headers: { location: `${path}?moved=1` } },
    );
    const error = await rejection(
      clientOf(provider, globalThis.fetch, { baseUrl: `${api.url}${BASES[provider]}` }).get(),
    );
    expect(isHttpError(error) && error.status).toBe(307);
    expect(api.seen).toHaveLength(1);
  });

  it.each(PROVIDERS)('%s: asks fetch not to follow, and refuses a browser opaque redirect', async (provider) => {
    const { fetch, calls } = fakeFetch({ body: body(provider, 'completed', []) });
    const opaque = (async (input: string, init: RequestInit) => {
      const response = await fetch(input, init);
      Object.defineProperty(response, 'type', { value: 'opaqueredirect' });
      return response;
    }) as typeof globalThis.fetch;
    const error = await rejection(clientOf(provider, opaque).get());
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ retryable: true });
    expect(calls[0]?.redirect).toBe('manual');
  });

  it.each(PROVIDERS)(
    '%s: a 304 is no redirect: an HttpError that says Not Modified, not "redirect refused"',
    async (provider) => {
      const { fetch } = fakeFetch({ status: 304 });
      const error = await rejection(clientOf(provider, fetch).get());
      expect(error).toBeInstanceOf(HttpError);
      expect(error).toMatchObject({ status: 304 });
      expect((error as Error).message).not.toMatch(/redirect/);
    },
  );
});
