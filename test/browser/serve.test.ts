// serveStatic (serve.ts), the static server the browser test opens the bare page with: it
// serves files under its root with their content types, and nothing outside it.
import { request } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { serveStatic } from './serve.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A GET with the path sent exactly as given (fetch would normalize `..` away). */
function rawGet(base: string, path: string): Promise<number> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    request({ host: hostname, port, path }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    })
      .on('error', reject)
      .end();
  });
}

describe('serveStatic', () => {
  it('serves files under the root with their content types and nothing else', async () => {
    const site = await serveStatic(ROOT, { mounts: { '/mounted/': join(ROOT, 'examples', 'browser') } });
    try {
      const get = async (path: string, init?: RequestInit): Promise<[number, string | null]> => {
        const res = await fetch(`${site.url}${path}`, init);
        await res.arrayBuffer();
        return [res.status, res.headers.get('content-type')];
      };
      expect(await get('/examples/browser/')).toEqual([200, 'text/html; charset=utf-8']);
      expect(await get('/examples/browser/app.js')).toEqual([200, 'text/javascript; charset=utf-8']);
      expect(await get('/node_modules/tslib/tslib.es6.mjs')).toEqual([200, 'text/javascript; charset=utf-8']);
      expect(await get('/node_modules/rxjs/dist/bundles/rxjs.umd.min.js.map')).toEqual([
        200,
        'application/json; charset=utf-8',
      ]);
      expect(await get('/package.json')).toEqual([200, 'application/json; charset=utf-8']);
      expect(await get('/mounted/app.js')).toEqual([200, 'text/javascript; charset=utf-8']);
      expect((await get('/package.json', { method: 'POST', body: '{}' }))[0]).toBe(405);
      expect(await rawGet(site.url, '/no/such/file.js')).toBe(404);
      expect(await rawGet(site.url, '/.git/HEAD')).toBe(404);
      expect(await rawGet(site.url, '/examples/../../etc/passwd')).toBe(404);
      expect(await rawGet(site.url, '/examples/%2e%2e/%2e%2e/etc/passwd')).toBe(404);
      expect(await rawGet(site.url, '/mounted/..%2f..%2fpackage.json')).toBe(404);
      expect(await rawGet(site.url, '/../../../../etc/hostname')).toBe(404);
    } finally {
      await site.close();
    }
  });
});
