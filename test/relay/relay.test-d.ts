// What users see: the browser's EventSource and the eventsource package's both fit fromRelay,
// every provider client fits the relay, and the Node adapter fits node:http and Express.
import { createServer, type RequestListener } from 'node:http';
import { EventSource as NodeEventSource } from 'eventsource';
import type { RequestHandler } from 'express';
import type { Observable } from 'rxjs';
import { describe, expectTypeOf, it } from 'vitest';
import {
  createClient,
  datalab,
  eachlabs,
  fromRelay,
  modelslab,
  type EventSourceConstructor,
  type ExecutionSnapshot,
  type ExecutionUpdate,
  type ProviderAdapter,
} from '../../src/index.js';
import { createRelay, type Relay, type RelayClient, type RelayRef } from '../../src/server/index.js';

declare const acme: ProviderAdapter<string, ExecutionSnapshot>;

describe('fromRelay types', () => {
  it('takes the DOM EventSource and the eventsource package, and emits plain updates', () => {
    expectTypeOf(EventSource).toMatchTypeOf<EventSourceConstructor>();
    expectTypeOf(NodeEventSource).toMatchTypeOf<EventSourceConstructor>();
    expectTypeOf(fromRelay('/r', { EventSource: NodeEventSource })).toEqualTypeOf<Observable<ExecutionUpdate>>();
  });
});

describe('createRelay types', () => {
  it('takes every provider client, and any client with a watch', () => {
    const key = { apiKey: 'k' };
    expectTypeOf(modelslab(key)).toMatchTypeOf<RelayClient>();
    expectTypeOf(eachlabs(key)).toMatchTypeOf<RelayClient>();
    expectTypeOf(datalab(key)).toMatchTypeOf<RelayClient>();
    expectTypeOf(createClient(acme, key)).toMatchTypeOf<RelayClient>();
    expectTypeOf<{ watch(id: string): Observable<ExecutionUpdate> }>().toMatchTypeOf<RelayClient>();
    expectTypeOf<{ get(id: string): Promise<ExecutionSnapshot> }>().not.toMatchTypeOf<RelayClient>();
  });

  it('hands authorize the request and the reference, and fits node:http and Express', () => {
    const relay = createRelay({
      clients: { eachlabs: eachlabs({ apiKey: 'k' }) },
      authorize: (request, ref) => {
        expectTypeOf(request).toEqualTypeOf<Request>();
        expectTypeOf(ref).toEqualTypeOf<RelayRef>();
        return true;
      },
    });
    expectTypeOf(relay).toEqualTypeOf<Relay>();
    expectTypeOf(relay.node).toMatchTypeOf<RequestListener>();
    // Express's own handler type (app.use would also take any one-argument function, as an error handler).
    expectTypeOf(relay.node).toMatchTypeOf<RequestHandler>();
    expectTypeOf(relay.fetch).not.toMatchTypeOf<RequestHandler>();
    expectTypeOf(relay.fetch).toEqualTypeOf<(request: Request) => Promise<Response>>();
    createServer(relay.node);
  });
});
