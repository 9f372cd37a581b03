// Presigned output URLs (Datalab `output_url`) and placeholder files, served without any key.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ExecutionStore } from './execution.js';
import type { Reply } from './wire.js';

/** Signs and checks output URLs: an HMAC over the path and the expiry, like a storage bucket's presigned URL. */
export class OutputSigner {
  private readonly secret = randomBytes(32);
  readonly ttlMs: number;

  constructor(ttlMs: number) {
    this.ttlMs = ttlMs;
  }

  /** A URL valid until `now + ttlMs`. `path` is already percent-encoded. */
  sign(origin: string, path: string, now: number): string {
    const expires = Math.floor(now + this.ttlMs);
    return `${origin}${path}?expires=${expires}&signature=${this.mac(path, expires)}`;
  }

  /** `'ok'`, or why the URL is refused. */
  check(path: string, query: URLSearchParams, now: number): 'ok' | 'bad-signature' | 'expired' {
    const expires = query.get('expires') ?? '';
    const signature = query.get('signature') ?? '';
    if (!/^\d+$/.test(expires) || !/^[0-9a-f]{64}$/.test(signature)) return 'bad-signature';
    const expected = Buffer.from(this.mac(path, Number(expires)), 'hex');
    if (!timingSafeEqual(expected, Buffer.from(signature, 'hex'))) return 'bad-signature';
    return Number(expires) > now ? 'ok' : 'expired';
  }

  private mac(path: string, expires: number): string {
    return createHmac('sha256', this.secret).update(`${path}\n${expires}`).digest('hex');
  }
}

/** The path of a Datalab step's output, percent-encoded. */
export function datalabOutputPath(executionId: string, step: string, fileKey?: string): string {
  const segments = ['outputs', 'datalab', executionId, step, ...(fileKey === undefined ? [] : [fileKey])];
  return `/${segments.map(encodeURIComponent).join('/')}.json`;
}

function storageError(code: string, message: string, status: number): Reply {
  // Storage buckets answer in XML, not in the provider's JSON: a client must not parse it as an API error body.
  return {
    status,
    raw: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`,
    contentType: 'application/xml',
  };
}

/** Serves `GET /outputs/datalab/{execution_id}/{unique_name}[/{file_key}].json`. */
export function serveOutput(
  segments: readonly string[],
  query: URLSearchParams,
  path: string,
  now: number,
  store: ExecutionStore,
  signer: OutputSigner,
): { reply: Reply; executionId: string | undefined } {
  const verdict = signer.check(path, query, now);
  if (verdict === 'bad-signature') {
    return {
      reply: storageError(
        'SignatureDoesNotMatch',
        'The request signature we calculated does not match the signature you provided.',
        403,
      ),
      executionId: undefined,
    };
  }
  if (verdict === 'expired')
    return { reply: storageError('AccessDenied', 'Request has expired', 403), executionId: undefined };
  const names = segments.map((s, i) => (i === segments.length - 1 ? s.replace(/\.json$/, '') : s));
  if (names.length < 3 || names.length > 4)
    return { reply: storageError('NoSuchKey', 'The specified key does not exist.', 404), executionId: undefined };
  const [provider, executionId, stepName, fileKey] = names;
  const record = provider === 'datalab' && executionId !== undefined ? store.get('datalab', executionId) : undefined;
  const step = record?.at(now).steps.find((s) => s.name === stepName);
  const keyFits = record?.script.nested
    ? fileKey !== undefined && record.script.nested.includes(fileKey)
    : fileKey === undefined;
  if (!record || !step || !keyFits || step.phase === 'pending' || step.phase === 'running') {
    return { reply: storageError('NoSuchKey', 'The specified key does not exist.', 404), executionId };
  }
  const scripted = record.script.steps[step.index]!;
  const where = {
    execution_id: Number(record.executionId),
    unique_name: step.name,
    ...(fileKey === undefined ? {} : { file_key: fileKey }),
  };
  let json: unknown;
  if (step.phase === 'completed') {
    json = scripted.hasOutput
      ? scripted.output
      : { ...where, result: { text: `Simulated ${step.name} output`, pages: 1 } };
  } else {
    json = { ...where, error: step.phase === 'cancelled' ? 'Execution cancelled' : scripted.error };
  }
  return { reply: { status: 200, json }, executionId };
}

// A 1×1 transparent PNG: what the simulator's stand-in CDN serves for every image URL.
const PIXEL = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

/** Serves `GET /files/...`: the stand-in for the providers' CDNs. */
export function serveFile(): Reply {
  return { status: 200, raw: PIXEL, contentType: 'image/png' };
}
