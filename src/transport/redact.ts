// The one scrub every secret goes through: the transport runs it on each parsed body's strings
// and on each message it writes, the client on every error that leaves it, the CLI on each line.

/** The shortest run of a secret's first characters that counts as the secret. */
const PREFIX = 8;

/**
 * Replaces every form of every secret in a text with `[REDACTED]`: as given, trimmed (fetch
 * trims header values, so a key read with its newline is sent without it), percent-encoded (a
 * key in a path) and JSON-escaped (a key in a body), and any run of 8 or more of a form's
 * first characters (a key cut short by whoever cut the text). The library runs it on every
 * body, message and error; use it on your own log lines.
 *
 * @param text - anything about to be written somewhere.
 * @param secrets - the keys that must not appear.
 * @returns the text with every form of every secret replaced.
 *
 * @example
 * ```ts
 * import { scrub } from 'runwatch';
 *
 * console.log(scrub('auth failed for sk-live-0123456789 (sk-live-01…)', ['sk-live-0123456789\n']));
 * // Logs: auth failed for [REDACTED] ([REDACTED]…)
 * ```
 */
export function scrub(text: string, secrets: readonly string[]): string {
  return scrubber(secrets)(text);
}

/** {@link scrub} for one set of secrets, and a cheap test of whether a JSON text needs it. */
export interface Scrubber {
  (text: string): string;
  /**
   * Whether a JSON text may hold a secret in some form, its encoder's escapes (`\/`,
   * `\u002B`) included: when not, none of its parsed strings can, and they need no scrub.
   */
  mayHold(json: string): boolean;
}

/**
 * {@link scrub} made once for a set of secrets: the forms are worked out here, not on every
 * text (a transport scrubs every body it reads).
 */
export function scrubber(secrets: readonly string[]): Scrubber {
  const forms: string[] = [];
  // What every form of a secret, escaped or cut short (to its first PREFIX characters at
  // least), has in it as it is: the longest run of letters and digits among its first
  // characters, which no JSON encoder escapes. A secret without such a run of 4 is looked
  // for in every body.
  const probes: string[] = [];
  let always = false;
  // Longest first: a key that contains another is replaced whole, not in pieces.
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    const trimmed = secret.trim();
    if (trimmed === '') continue;
    for (const form of new Set([secret, trimmed, percentEncoded(trimmed), JSON.stringify(trimmed).slice(1, -1)])) {
      forms.push(form);
    }
    const probe = (trimmed.slice(0, PREFIX).match(/[A-Za-z0-9]+/g) ?? []).reduce(
      (a, b) => (b.length > a.length ? b : a),
      '',
    );
    if (probe.length >= 4) probes.push(probe);
    else always = true;
  }
  const scrubText = (text: string): string => {
    let out = text;
    for (const form of forms) out = cut(out, form);
    return out;
  };
  return Object.assign(scrubText, {
    mayHold: (json: string): boolean => always || probes.some((probe) => json.includes(probe)),
  });
}

/**
 * Scrubs every string of a value `JSON.parse` made, the names of its fields included, in
 * place, and returns it: a body is scrubbed after parsing, so its encoder's escapes are undone
 * first and its structure (quotes, `false`, names) is never touched. Iterative: a body may be
 * nested 100,000 deep.
 */
export function scrubJson(value: unknown, scrub: (text: string) => string): unknown {
  if (typeof value === 'string') return scrub(value);
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node !== 'object' || node === null) continue;
    const record = node as Record<string, unknown>;
    for (const name of Object.keys(record)) {
      const field = record[name];
      if (typeof field === 'object' && field !== null) stack.push(field);
      const clean = typeof field === 'string' ? scrub(field) : field;
      const cleanName = Array.isArray(record) ? name : scrub(name);
      if (cleanName !== name) delete record[name];
      // defineProperty, not assignment: a field named __proto__ stays a field.
      if (cleanName !== name || clean !== field)
        Object.defineProperty(record, cleanName, {
          value: clean,
          writable: true,
          enumerable: true,
          configurable: true,
        });
    }
  }
  return value;
}

/** The secret as a URL would carry it; a text no URL can carry (a lone surrogate) as it is. */
function percentEncoded(secret: string): string {
  try {
    return encodeURIComponent(secret);
  } catch {
    return secret; // encodeURIComponent throws a URIError: such a key can be in no URL
  }
}

function cut(text: string, form: string): string {
  const head = form.slice(0, PREFIX);
  let out = '';
  let from = 0;
  for (let at = text.indexOf(head); at >= 0; at = text.indexOf(head, from)) {
    let end = at + head.length;
    while (end - at < form.length && text[end] === form[end - at]) end++;
    out += `${text.slice(from, at)}[REDACTED]`;
    from = end;
  }
  return from === 0 ? text : out + text.slice(from);
}

/**
 * Scrubs an error in place, and its causes: the message, the stack, every enumerable string
 * field (a request id, an execution id) and the issues' paths and messages (a key used as a
 * field name). Returns the same error, so its class and guards still work.
 */
export function redactError<T>(error: T, secrets: readonly string[]): T {
  return redactWith(error, scrubber(secrets), 0);
}

/** {@link redactError} with the secrets' scrubber made once, for every field and cause. */
function redactWith<T>(error: T, scrub: (text: string) => string, depth: number): T {
  if (typeof error !== 'object' || error === null || depth > 4) return error;
  const e = error as Record<string, unknown>;
  const clean = (target: Record<string, unknown>, key: string): void => {
    const value = target[key];
    const scrubbed = Array.isArray(value)
      ? value.map((v: unknown) => (typeof v === 'string' ? scrub(v) : v))
      : typeof value === 'string'
        ? scrub(value)
        : value;
    // defineProperty, not assignment: it also shadows a getter-only `message` (a DOMException's).
    if (String(scrubbed) !== String(value))
      Object.defineProperty(target, key, { value: scrubbed, writable: true, configurable: true });
  };
  for (const key of ['message', 'stack', ...Object.keys(e)]) if (typeof e[key] === 'string') clean(e, key);
  const issues = e['issues'];
  if (Array.isArray(issues)) {
    for (const issue of issues as Record<string, unknown>[]) {
      clean(issue, 'message');
      clean(issue, 'path');
    }
  }
  redactWith(e['cause'], scrub, depth + 1);
  return error;
}
