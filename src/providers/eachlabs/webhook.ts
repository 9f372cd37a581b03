import { ConfigError, ResponseValidationError } from '../../core/errors.js';
import type { ExecutionStatus } from '../../core/model.js';
import { assertPositive, fail } from '../../core/options.js';
import {
  bodyBytes,
  digestBytes,
  headerValue,
  hmacSha256,
  sha256,
  timingSafeEqual,
  webCrypto,
  type CryptoLike,
  type HeadersLike,
} from '../../internal/webhook-crypto.js';
import { nonEmpty, toIsoUtc } from '../normalize.js';
import { parseWith } from '../parse.js';
import { normalizeEachLabs, type EachLabsSnapshot } from './normalize.js';
import { EachLabsExecution } from './schema.js';

const PROVIDER = 'eachlabs';
const encoder = new TextEncoder();

/**
 * What {@link verifyEachLabsWebhook} needs: the request exactly as it arrived.
 *
 * @example
 * ```ts
 * import type { VerifyEachLabsWebhookOptions } from 'runwatch';
 *
 * const options: VerifyEachLabsWebhookOptions = {
 *   body: '{"execution_id":"e1","status":"completed"}',
 *   headers: { 'x-webhook-timestamp': '1767225600', 'x-webhook-signature': 'sha256=…' },
 *   secret: 'whsec_example',
 * };
 * console.log(options.toleranceMs ?? 300_000);
 * // Logs: 300000
 * ```
 */
export interface VerifyEachLabsWebhookOptions {
  /** The raw body, as received (text or bytes): the signature covers these exact bytes, so verify before parsing. */
  body: string | Uint8Array | ArrayBuffer;
  /** The request headers: a Fetch `Headers` or Node's `req.headers`. Names are matched case-insensitively. */
  headers:
    | {
        /** Reads one header (a Fetch `Headers`). */
        get(name: string): string | null;
      }
    | Record<string, string | string[] | undefined>;
  /** The `webhook_secret` given when the execution was triggered. */
  secret: string;
  /**
   * How far `X-Webhook-Timestamp` may be from `now`, either way, in ms: older is a replay,
   * later is a forgery or a clock gone wrong.
   * @defaultValue 300000 (5 minutes)
   */
  toleranceMs?: number | undefined;
  /**
   * The current time, epoch ms.
   * @defaultValue `Date.now()`
   */
  now?: number | undefined;
  /**
   * Whether the older form, the secret itself in `X-Webhook-Secret`, is accepted when there
   * is no signature. It proves the sender knows the secret but does not bind the body or the
   * time, so a captured request can be replayed.
   * @defaultValue true
   */
  allowSecretHeader?: boolean | undefined;
  /**
   * The Web Crypto implementation.
   * @defaultValue `globalThis.crypto` (Node 19+, browsers, edge runtimes; on Node 18 pass `require('node:crypto').webcrypto`)
   */
  crypto?:
    | {
        /** Web Crypto's `SubtleCrypto`. */
        subtle: SubtleCrypto;
      }
    | undefined;
}

/**
 * The verdict of {@link verifyEachLabsWebhook}: `valid`, and why not when it is not.
 *
 * @example
 * ```ts
 * import type { WebhookVerification } from 'runwatch';
 *
 * function status(verdict: WebhookVerification): number {
 *   return verdict.valid ? 204 : 401;
 * }
 * console.log(status({ valid: false, reason: 'mismatch' }));
 * // Logs: 401
 * ```
 */
export type WebhookVerification =
  | {
      /** The request comes from someone who holds the secret. */
      valid: true;
      /** `'signature'`: HMAC over timestamp and body; `'secret'`: the older `X-Webhook-Secret` header. */
      scheme: 'signature' | 'secret';
      /** The signed timestamp, epoch ms (`undefined` for the `'secret'` scheme, which has none). */
      timestampMs: number | undefined;
    }
  | {
      /** Reject the request. */
      valid: false;
      /**
       * `'missing'`: no signature (nor an accepted secret header); `'timestamp'`: no readable
       * `X-Webhook-Timestamp`; `'stale'`: a timestamp outside the tolerance; `'mismatch'`: a
       * signature or secret that does not match.
       */
      reason: 'missing' | 'timestamp' | 'stale' | 'mismatch';
    };

/**
 * Checks that an EachLabs webhook request comes from EachLabs: the HMAC-SHA256, keyed with
 * your `webhook_secret`, of `<X-Webhook-Timestamp>.<raw body>` must match
 * `X-Webhook-Signature`, and the timestamp must be within `toleranceMs` of now. The
 * signature may be hex or base64, with or without a `sha256=` (or `v1=`) prefix, and may
 * list several comma- or space-separated candidates (a secret being rotated): one match is
 * enough. The timestamp may be Unix seconds, Unix milliseconds or ISO 8601; the signed
 * string is the header exactly as sent. Without a signature, the older form is accepted
 * unless `allowSecretHeader` is false: `X-Webhook-Secret` equal to the secret. Every
 * comparison takes constant time. Uses Web Crypto, so it runs in Node, browsers and edge
 * runtimes.
 *
 * @param options - the raw body, the headers, the secret, and optionally the tolerance and clock.
 * @returns a promise of the verdict; it never rejects for a bad request, only for bad options.
 * @throws {@link ConfigError} (as a rejection) when `body` is not raw text or bytes, `secret`
 * is empty, `toleranceMs` is not positive, `now` is not epoch milliseconds, or Web Crypto is
 * missing.
 *
 * @example
 * ```ts
 * import { verifyEachLabsWebhook } from 'runwatch';
 *
 * const verdict = await verifyEachLabsWebhook({
 *   body: '{"execution_id":"e1","status":"completed"}',
 *   headers: { 'x-webhook-timestamp': '1767225600', 'x-webhook-signature': 'sha256=00' },
 *   secret: 'whsec_example',
 *   now: 1767225600_000,
 * });
 * console.log(verdict);
 * // Logs: { valid: false, reason: 'mismatch' }
 * ```
 */
export async function verifyEachLabsWebhook(options: VerifyEachLabsWebhookOptions): Promise<WebhookVerification> {
  const { secret, toleranceMs = 300_000, allowSecretHeader = true } = options;
  const body = bodyBytes(options.body, PROVIDER);
  if (typeof secret !== 'string' || secret === '') {
    throw new ConfigError('Expected `secret` to be the non-empty webhook secret', {
      option: 'secret',
      provider: PROVIDER,
    });
  }
  assertPositive('toleranceMs', toleranceMs, Infinity, PROVIDER);
  const crypto = webCrypto(options.crypto, PROVIDER);
  const now = options.now ?? Date.now();
  // A clock that is no number would let every timestamp pass: `NaN - t > tolerance` is false.
  if (typeof now !== 'number' || !Number.isFinite(now)) fail('now', 'epoch milliseconds', now, PROVIDER);

  const signature = headerValue(options.headers, 'x-webhook-signature')?.trim();
  if (signature === undefined || signature === '')
    return secretHeader(crypto, options.headers, secret, allowSecretHeader);

  const stamp = headerValue(options.headers, 'x-webhook-timestamp')?.trim();
  const timestampMs = stamp === undefined ? undefined : readTimestamp(stamp);
  if (stamp === undefined || timestampMs === undefined) return { valid: false, reason: 'timestamp' };
  if (Math.abs(now - timestampMs) > toleranceMs) return { valid: false, reason: 'stale' };

  const expected = await hmacSha256(crypto, secret, [encoder.encode(`${stamp}.`), body]);
  let match = false;
  for (const candidate of signature.split(/[\s,]+/)) {
    const bytes = digestBytes(candidate);
    // No early exit: every candidate is compared, so timing says nothing of which matched.
    if (bytes !== undefined && timingSafeEqual(bytes, expected)) match = true;
  }
  return match ? { valid: true, scheme: 'signature', timestampMs } : { valid: false, reason: 'mismatch' };
}

async function secretHeader(
  crypto: CryptoLike,
  headers: HeadersLike,
  secret: string,
  allowed: boolean,
): Promise<WebhookVerification> {
  const sent = headerValue(headers, 'x-webhook-secret');
  if (!allowed || sent === undefined) return { valid: false, reason: 'missing' };
  // Digests first: comparing equal-length digests hides the secret's length and content.
  const [a, b] = await Promise.all([sha256(crypto, sent.trim()), sha256(crypto, secret)]);
  return timingSafeEqual(a, b)
    ? { valid: true, scheme: 'secret', timestampMs: undefined }
    : { valid: false, reason: 'mismatch' };
}

/** Unix seconds (up to 11 digits, fractions allowed), Unix ms (12 or 13 digits) or an ISO 8601 date, as epoch ms. */
function readTimestamp(stamp: string): number | undefined {
  if (/^\d{1,11}(\.\d+)?$/.test(stamp)) return Number(stamp) * 1000;
  if (/^\d{12,13}$/.test(stamp)) return Number(stamp);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(stamp)) return undefined;
  // Without a zone, UTC (as every provider time is read), not the receiving server's zone.
  const iso = toIsoUtc(stamp);
  return iso === undefined ? undefined : Date.parse(iso);
}

/**
 * What {@link parseWebhook} makes of an EachLabs webhook. Its body has the shape of the
 * execution endpoint's, so it comes with the normalized snapshot too.
 *
 * @example
 * ```ts
 * import { parseWebhook, type EachLabsWebhook } from 'runwatch';
 *
 * const hook: EachLabsWebhook = parseWebhook('eachlabs', { execution_id: 'e1', workflow_id: 'wf-1', status: 'completed' });
 * console.log(hook.ref, hook.status);
 * // Logs: e1 completed
 * ```
 */
export interface EachLabsWebhook {
  /** Always `'eachlabs'`. */
  provider: 'eachlabs';
  /** What `eachlabs(…).watch(ref)` takes: the execution id. */
  ref: string;
  /** The execution's id. */
  executionId: string;
  /** The workflow's id, where the payload says. */
  workflowId: string | undefined;
  /** The bulk trigger's id, for executions started by one. */
  bulkId: string | undefined;
  /** The announced status, normalized. */
  status: ExecutionStatus;
  /** The provider's own status string. */
  rawStatus: string;
  /** The payload normalized as a poll's body would be. */
  snapshot: EachLabsSnapshot;
  /** The validated body. */
  raw: EachLabsExecution;
}

/** Reads an EachLabs webhook body that is already JSON-decoded. */
export function readEachLabsWebhook(json: unknown): EachLabsWebhook {
  const raw = parseWith(EachLabsExecution, json, { provider: PROVIDER, what: 'webhook' });
  const executionId = raw.execution_id;
  if (executionId.trim() === '' || executionId === '.' || executionId === '..') {
    throw new ResponseValidationError(`${PROVIDER}: unexpected webhook body at execution_id: expected an id`, {
      provider: PROVIDER,
      issues: [{ path: ['execution_id'], message: 'expected an id', code: 'custom' }],
    });
  }
  const snapshot = normalizeEachLabs(raw);
  return {
    provider: PROVIDER,
    ref: executionId,
    executionId,
    workflowId: snapshot.workflowId,
    bulkId: nonEmpty(raw.bulk_id),
    status: snapshot.status,
    rawStatus: snapshot.rawStatus,
    snapshot,
    raw,
  };
}
