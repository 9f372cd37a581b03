// A TCP proxy on 127.0.0.1 that records every byte, both ways: what a browser sent and every
// byte it received, event streams included, to check that no secret is among them.
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/** A running recording proxy. */
export interface RecordingProxy {
  /** `http://127.0.0.1:PORT`: open this instead of the target. */
  readonly url: string;
  /** Everything the clients sent, decoded as latin1 (bytes stay bytes). */
  sent(): string;
  /** Everything the clients received. */
  received(): string;
  /** The request targets (`GET /path`), in the order they were sent. */
  requests(): string[];
  close(): Promise<void>;
}

/**
 * Forwards every connection to `target` (an `http://127.0.0.1:PORT` URL), recording it.
 *
 * @param target - where to forward.
 * @returns the running proxy.
 */
export async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const { hostname, port } = new URL(target);
  const up: Buffer[] = [];
  const down: Buffer[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(Number(port), hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('data', (chunk: Buffer) => {
      up.push(chunk);
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      down.push(chunk);
      client.write(chunk);
    });
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const text = (chunks: Buffer[]): string => Buffer.concat(chunks).toString('latin1');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    sent: () => text(up),
    received: () => text(down),
    requests: () => [...text(up).matchAll(/^([A-Z]+) (\S+) HTTP\/1\.1\r$/gm)].map((m) => `${m[1]} ${m[2]}`),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
