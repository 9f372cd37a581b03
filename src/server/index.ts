// runwatch/server: the relay. Browsers watch executions through your server; one poll per
// execution, no API key in the page. This barrel is the entry's whole API.
export { createRelay, type Relay, type RelayClient } from './relay.js';
export type { RelayOptions } from './options.js';
export type { RelayRef } from './route.js';
export type { NodeRequestLike, NodeResponseLike } from './node.js';
