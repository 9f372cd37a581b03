import { createHmac, webcrypto } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { ConfigError, verifyEachLabsWebhook, type VerifyEachLabsWebhookOptions } from '../../src/index.js';

const SECRET = 'whsec_4f1c2b9e';
const NOW = Date.parse('2026-03-01T12:00:00Z');
const STAMP = String(NOW / 1000);
const BODY = '{"execution_id":"69ae8c7b-7500-4a45-b7c0-348b8cc2665b","status":"completed"}';

/** The signature EachLabs sends, computed independently with node:crypto. */
const sign = (body: string | Buffer, stamp = STAMP, secret = SECRET, encoding: 'hex' | 'base64' = 'hex') =>
  createHmac('sha256', secret).update(`${stamp}.`).update(body).digest(encoding);

const verify = (headers: VerifyEachLabsWebhookOptions['headers'], more: Partial<VerifyEachLabsWebhookOptions> = {}) =>
  verifyEachLabsWebhook({ body: BODY, headers, secret: SECRET, now: NOW, ...more });

describe('verifyEachLabsWebhook', () => {
  it('accepts an HMAC-SHA256 of "<X-Webhook-Timestamp>.<raw body>" under the secret', async () => {
    const verdict = await verify({ 'x-webhook-timestamp': STAMP, 'x-webhook-signature': sign(BODY) });
    expect(verdict).toEqual({ valid: true, scheme: 'signature', timestampMs: NOW });
  });

  it.each([
    ['upper-case hex', sign(BODY).toUpperCase()],
    ['a sha256= prefix', `sha256=${sign(BODY)}`],
    ['a v1= prefix', `v1=${sign(BODY)}`],
    ['base64', sign(BODY, STAMP, SECRET, 'base64')],
    ['base64url', sign(BODY, STAMP, SECRET, 'base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=$/, '')],
    ['several candidates (a rotated secret), one valid', `sha256=${sign(BODY, STAMP, 'old')}, sha256=${sign(BODY)}`],
  ])('accepts the signature as %s', async (_, signature) => {
    expect((await verify({ 'X-Webhook-Timestamp': STAMP, 'X-Webhook-Signature': signature })).valid).toBe(true);
  });

  it('reads Fetch Headers and Node header objects, whatever the case of the names', async () => {
    const fetchHeaders = new Headers({ 'X-Webhook-Timestamp': STAMP, 'X-Webhook-Signature': sign(BODY) });
    expect((await verify(fetchHeaders)).valid).toBe(true);
    const nodeHeaders = { 'x-webhook-timestamp': STAMP, 'x-webhook-signature': [sign(BODY)], host: 'x' };
    expect((await verify(nodeHeaders)).valid).toBe(true);
  });

  it('covers the exact bytes received, not a re-encoding of them', async () => {
    const bytes = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0xff, 0xfe, 0x7d]); // not valid UTF-8
    const headers = { 'x-webhook-timestamp': STAMP, 'x-webhook-signature': sign(bytes) };
    expect((await verify(headers, { body: bytes })).valid).toBe(true);
    expect((await verify(headers, { body: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + 8) })).valid).toBe(
      true,
    );
    expect((await verify(headers, { body: new TextDecoder().decode(bytes) })).valid).toBe(false);
  });

  it.each([
    ['a tampered body', { body: BODY.replace('completed', 'failed') }, {}],
    ['another secret', { secret: 'whsec_other' }, {}],
    ['a signature of another timestamp', {}, { 'x-webhook-signature': sign(BODY, String(NOW / 1000 - 1)) }],
    ['a truncated signature', {}, { 'x-webhook-signature': sign(BODY).slice(0, 63) }],
    ['garbage', {}, { 'x-webhook-signature': 'not-a-signature' }],
  ])('rejects %s as a mismatch', async (_, more, headers) => {
    const verdict = await verify({ 'x-webhook-timestamp': STAMP, 'x-webhook-signature': sign(BODY), ...headers }, more);
    expect(verdict).toEqual({ valid: false, reason: 'mismatch' });
  });

  it('rejects stale and future timestamps beyond the tolerance (5 minutes by default), even when signed', async () => {
    const at = (offsetS: number, toleranceMs?: number) => {
      const stamp = String(NOW / 1000 + offsetS);
      return verify({ 'x-webhook-timestamp': stamp, 'x-webhook-signature': sign(BODY, stamp) }, { toleranceMs });
    };
    expect(await at(-301)).toEqual({ valid: false, reason: 'stale' });
    expect(await at(301)).toEqual({ valid: false, reason: 'stale' });
    expect((await at(-299)).valid).toBe(true);
    expect((await at(299)).valid).toBe(true);
    expect(await at(-61, 60_000)).toEqual({ valid: false, reason: 'stale' });
    expect((await at(-59, 60_000)).valid).toBe(true);
  });

  it('reads the timestamp as Unix seconds, Unix milliseconds or ISO 8601, signing the header as sent', async () => {
    for (const stamp of [STAMP, `${STAMP}.250`, String(NOW), new Date(NOW).toISOString()]) {
      const verdict = await verify({ 'x-webhook-timestamp': stamp, 'x-webhook-signature': sign(BODY, stamp) });
      expect(verdict.valid, stamp).toBe(true);
    }
  });

  it("reads an ISO 8601 timestamp without a zone as UTC, whatever the server's own zone", async () => {
    const stamp = new Date(NOW).toISOString().replace(/\.\d+Z$/, ''); // 2026-03-01T12:00:00
    const zone = process.env['TZ'];
    process.env['TZ'] = 'America/New_York';
    try {
      const fresh = await verify({ 'x-webhook-timestamp': stamp, 'x-webhook-signature': sign(BODY, stamp) });
      expect(fresh).toMatchObject({ valid: true, timestampMs: NOW });
    } finally {
      if (zone === undefined) delete process.env['TZ'];
      else process.env['TZ'] = zone;
    }
  });

  it('rejects a signature without a readable timestamp', async () => {
    expect(await verify({ 'x-webhook-signature': sign(BODY) })).toEqual({ valid: false, reason: 'timestamp' });
    for (const stamp of ['yesterday', '', '12abc', '1e9']) {
      const verdict = await verify({ 'x-webhook-timestamp': stamp, 'x-webhook-signature': sign(BODY, stamp) });
      expect(verdict, stamp).toEqual({ valid: false, reason: 'timestamp' });
    }
  });

  it('accepts the older form, the secret itself in X-Webhook-Secret, unless told not to', async () => {
    expect(await verify({ 'x-webhook-secret': SECRET })).toEqual({
      valid: true,
      scheme: 'secret',
      timestampMs: undefined,
    });
    expect(await verify({ 'x-webhook-secret': `${SECRET}x` })).toEqual({ valid: false, reason: 'mismatch' });
    expect(await verify({ 'x-webhook-secret': SECRET.slice(1) })).toEqual({ valid: false, reason: 'mismatch' });
    expect(await verify({ 'x-webhook-secret': SECRET }, { allowSecretHeader: false })).toEqual({
      valid: false,
      reason: 'missing',
    });
  });

  it('prefers the signature when both are sent: a right secret header does not save a wrong signature', async () => {
    const verdict = await verify({
      'x-webhook-secret': SECRET,
      'x-webhook-timestamp': STAMP,
      'x-webhook-signature': sign(BODY, STAMP, 'wrong'),
    });
    expect(verdict).toEqual({ valid: false, reason: 'mismatch' });
  });

  it('rejects a request with neither as missing', async () => {
    expect(await verify({ 'content-type': 'application/json' })).toEqual({ valid: false, reason: 'missing' });
    expect(await verify({ 'x-webhook-signature': '  ' })).toEqual({ valid: false, reason: 'missing' });
  });

  it('uses the Web Crypto it is given', async () => {
    const subtle = webcrypto.subtle as SubtleCrypto;
    const sign = vi.spyOn(subtle, 'sign');
    const headers = {
      'x-webhook-timestamp': STAMP,
      'x-webhook-signature': `sha256=${createHmac('sha256', SECRET).update(`${STAMP}.${BODY}`).digest('hex')}`,
    };
    expect((await verify(headers, { crypto: { subtle } })).valid).toBe(true);
    expect(sign).toHaveBeenCalledOnce();
    sign.mockRestore();
  });

  it.each([
    [{ body: { execution_id: 'e1' } }, 'body'],
    [{ secret: '' }, 'secret'],
    [{ toleranceMs: 0 }, 'toleranceMs'],
    [{ toleranceMs: Infinity }, 'toleranceMs'],
    [{ crypto: {} }, 'crypto'],
    // A clock that is not one would skip the staleness check: a request signed a month ago would pass.
    [{ now: Number.NaN }, 'now'],
    [{ now: '2026-03-01T12:00:00Z' }, 'now'],
    [{ now: Date.now }, 'now'],
  ])('rejects the options %j with a ConfigError naming %s', async (more, option) => {
    const headers = { 'x-webhook-timestamp': STAMP, 'x-webhook-signature': sign(BODY) };
    const pending = verify(headers, more as Partial<VerifyEachLabsWebhookOptions>);
    await expect(pending).rejects.toThrow(ConfigError);
    await expect(pending).rejects.toMatchObject({ option });
  });
});
