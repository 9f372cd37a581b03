import { ResponseValidationError, type ValidationIssue } from '../core/errors.js';
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
