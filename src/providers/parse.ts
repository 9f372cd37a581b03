import { ResponseValidationError, type ValidationIssue } from '../core/errors.js';
import { requireId } from '../core/options.js';
import type { Schema, SchemaIssue } from './adapter.js';
import { fromJson } from './check.js';

/** Where a body came from, for the error that names what was wrong with it. */
export interface BodyContext {
  provider: string;
  /** Names the body: `unexpected ${what} body at …`. */
  what: string;
  executionId?: string | undefined;
  status?: number | undefined;
}

/**
 * Validates a body at the HTTP boundary. A mismatch is a {@link ResponseValidationError} with
 * the schema's issues; never a TypeError further in. `parsedJson`: the body is straight from
 * `JSON.parse` (the transport's), which the checks may take as read.
 */
export function parseWith<T>(schema: Schema<T>, body: unknown, context: BodyContext, parsedJson = false): T {
  const result = parsedJson ? fromJson(() => schema.safeParse(body)) : schema.safeParse(body);
  if (result.success) return result.data;
  const issues: ValidationIssue[] = result.error.issues.map((issue) => ({
    path: issue.path.map((p) => (typeof p === 'number' ? p : String(p))),
    message: issueMessage(issue),
    code: issue.code,
  }));
  const first = issues[0];
  const where = first ? ` at ${first.path.length ? first.path.join('.') : '(root)'}: ${first.message}` : '';
  throw new ResponseValidationError(`${context.provider}: unexpected ${context.what} body${where}`, {
    provider: context.provider,
    executionId: context.executionId,
    status: context.status,
    issues,
  });
}

function issueMessage(issue: SchemaIssue): string {
  // zod/mini ships no locale, so its messages are all "Invalid input": say what was expected.
  if (issue.code === 'invalid_type' && typeof issue.expected === 'string') return `expected ${issue.expected}`;
  if (issue.code === 'invalid_value' && Array.isArray(issue.values))
    return `expected one of ${issue.values.join(', ')}`;
  return issue.message && issue.message !== 'Invalid input' ? issue.message : issue.code.replace(/_/g, ' ');
}

/**
 * An execution id a provider answered (a run started, a list), checked as a user's would be
 * ({@link requireId}): one no endpoint can take (empty, `..`, a lone surrogate) is the
 * provider's fault, a {@link ResponseValidationError}, not a poll of the wrong URL or a
 * ConfigError that blames the user.
 */
export function answeredId(value: unknown, field: string, provider: string): string {
  try {
    return requireId(field, value, provider);
  } catch {
    throw new ResponseValidationError(`${provider}: the answer's \`${field}\` is no execution id`, {
      provider,
      issues: [{ path: [field], message: 'expected a non-empty string of well-formed text or a safe whole number' }],
    });
  }
}
