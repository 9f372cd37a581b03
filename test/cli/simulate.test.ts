import { createServer } from 'node:net';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createOutput, type Io } from '../../src/cli/io.js';
import { PROVIDERS } from '../../src/cli/providers.js';
import { simulateCommand } from '../../src/cli/simulate.js';

const REAL_KEY = 'el-real-key-3f9a1c77';

/** The text written so far, and a promise for the moment it first matches a pattern. */
function reader(stream: PassThrough) {
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return {
    text: () => text,
    when: (pattern: RegExp) =>
      new Promise<RegExpMatchArray>((resolve) => {
        const check = () => {
          const match = pattern.exec(text);
          if (match === null) return;
          stream.off('data', check);
          resolve(match);
        };
        stream.on('data', check);
        check();
      }),
  };
}

function start(port?: number) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const controller = new AbortController();
  // The user exported the simulator's key (as advised) and has a real one of their own.
  const env = { EACHLABS_API_KEY: REAL_KEY, DATALAB_API_KEY: 'runwatch-simulator-key' };
  const io: Io = { stdout, stderr, env, signal: controller.signal };
  const output = createOutput(io, [REAL_KEY, 'runwatch-simulator-key']);
  const done = simulateCommand({ command: 'simulate', port }, output, controller.signal);
  return { out: reader(stdout), err: reader(stderr), stop: () => controller.abort(), done };
}

/** The table printed: provider, --api, base URL. */
function baseUrls(text: string): [string, string, string][] {
  return [...text.matchAll(/^ {2}(\w+) +(\w*) +(http:\/\/127\.0\.0\.1:\d+\/\S+)$/gm)].map(([, name, api, url]) => [
    name!,
    api!,
    url!,
  ]);
}

describe('simulateCommand', () => {
  it('prints each provider’s base URL and the key, serves real requests with them, and closes on abort', async () => {
    const sim = start();
    await sim.out.when(/^Serving until Ctrl-C/m);
    const urls = baseUrls(sim.out.text());
    expect(urls.map(([name, api]) => [name, api])).toEqual(
      PROVIDERS.flatMap((p) => p.apis.map((api) => [p.name, api.name ?? ''])),
    );
    const [, key] = /^API key \(every provider\): (\S+)$/m.exec(sim.out.text())!;
    // Printed whole, though it is in the environment: it is public, not a secret to scrub.
    expect(key).toBe('runwatch-simulator-key');
    expect(sim.out.text()).toContain(`DATALAB_API_KEY=${key}`);

    // The printed URL and key work: start an EachLabs execution and read it back.
    const eachlabs = urls.find(([name, api]) => name === 'eachlabs' && api === 'legacy')![2];
    const trigger = await fetch(`${eachlabs}/wf-1/trigger`, {
      method: 'POST',
      headers: { 'x-api-key': key!, 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: { prompt: 'a red fox' } }),
    });
    expect(trigger.status).toBe(202);
    const { execution_id: id } = (await trigger.json()) as { execution_id: string };
    const status = await fetch(`${eachlabs}/executions/${id}`, { headers: { 'x-api-key': key! } });
    expect(status.status).toBe(200);
    expect(await status.json()).toMatchObject({ workflow_id: 'wf-1', inputs: { prompt: 'a red fox' } });
    await sim.out.when(new RegExp(`GET /eachlabs/api/v1/executions/${id} {2}200$`, 'm'));

    // A key somebody sent where an id goes is logged scrubbed, and a wrong key is pointed out.
    const leaked = await fetch(`${eachlabs}/executions/${REAL_KEY}`, { headers: { 'x-api-key': REAL_KEY } });
    expect(leaked.status).toBe(401);
    await sim.out.when(/GET \/eachlabs\/api\/v1\/executions\/\[REDACTED\] {2}401 \(key invalid\)$/m);

    sim.stop();
    expect(await sim.done).toBe(0);
    expect(sim.out.text()).toMatch(/^runwatch simulate: stopped after 3 requests\.$/m);
    expect(sim.out.text()).not.toContain(REAL_KEY);
    expect(sim.err.text()).toBe('');
    // Closed: nothing listens there any more.
    await expect(fetch(`${eachlabs}/executions/${id}`)).rejects.toThrow();
  });

  it('listens on --port, and says so plainly when the port is taken', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as { port: number };
    try {
      const busy = start(port);
      await expect(busy.done).rejects.toThrow(`Port ${port} on 127.0.0.1 is in use`);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
    // Now free: the simulator takes it.
    const sim = start(port);
    const [, url] = await sim.out.when(/simulated at (\S+)$/m);
    expect(url).toBe(`http://127.0.0.1:${port}`);
    const index = await fetch(`${url}/`);
    expect(index.status).toBe(200);
    sim.stop();
    expect(await sim.done).toBe(0);
  });
});
