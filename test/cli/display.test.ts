import { PassThrough } from 'node:stream';
import { Observable, of, throwError } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { Board, createRenderer, duration, type Screen } from '../../src/cli/display.js';
import { errorLine, exitCodeOf, follow, type Sink } from '../../src/cli/follow.js';
import { createOutput } from '../../src/cli/io.js';
import {
  AuthenticationError,
  diff,
  type ExecutionSnapshot,
  type ExecutionStatus,
  type ExecutionUpdate,
  type StepSnapshot,
  type StepStatus,
} from '../../src/index.js';

const T0 = Date.parse('2026-01-01T10:00:00Z');

function step(name: string, status: StepStatus, startedS?: number, completedS?: number): StepSnapshot {
  return {
    key: name,
    name,
    status,
    rawStatus: status,
    ...(startedS === undefined ? {} : { startedAt: new Date(T0 + startedS * 1000).toISOString() }),
    ...(completedS === undefined ? {} : { completedAt: new Date(T0 + completedS * 1000).toISOString() }),
  };
}

function snapshot(
  id: string,
  status: ExecutionStatus,
  steps: StepSnapshot[],
  extra: Partial<ExecutionSnapshot> = {},
): ExecutionSnapshot {
  return { provider: 'eachlabs', executionId: id, status, rawStatus: status, steps, raw: {}, ...extra };
}

/** The updates a watch would emit for these successive snapshots. */
function updates(...snapshots: ExecutionSnapshot[]): ExecutionUpdate[] {
  const out: ExecutionUpdate[] = [];
  let previous: ExecutionSnapshot | undefined;
  for (const next of snapshots) {
    const changes = diff(previous, next);
    if (changes.length > 0) out.push({ snapshot: next, previous, changes });
    previous = next;
  }
  return out;
}

function collect(stream: PassThrough): () => string {
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return () => text;
}

function screen(live: boolean, stream = new PassThrough()): Screen {
  return { stream, live, columns: 80, rows: 24, color: false, scrub: (t) => t };
}

async function board(snapshots: ExecutionSnapshot[][], now: () => number, expected = snapshots.length) {
  const b = new Board({ title: 'test', expected, now });
  const lines: string[] = [];
  await follow(
    snapshots.map((s) => ({ label: s[0]!.executionId, id: s[0]!.executionId, updates: of(...updates(...s)) })),
    { update: (u, p, a) => lines.push(...b.apply(u, p, a)), error: (t, e) => lines.push(...b.fail(errorLine(e, t))) },
  );
  return { board: b, lines };
}

describe('Board', () => {
  it('tells each change as a line, the execution’s status before its steps', async () => {
    let now = T0;
    const { lines } = await board(
      [
        [
          snapshot('e1', 'running', [step('parse', 'running', 0), step('extract', 'pending')], {
            startedAt: new Date(T0).toISOString(),
          }),
          snapshot('e1', 'failed', [step('parse', 'completed', 0, 2), step('extract', 'failed', 2, 3.5)], {
            startedAt: new Date(T0).toISOString(),
            completedAt: new Date(T0 + 3500).toISOString(),
            error: { message: 'extract failed: bad page' },
          }),
        ],
      ],
      () => (now += 100),
    );
    const text = lines.map((l) => l.replace(/^\s*\+[\d.]+s\s+/, ''));
    expect(text).toEqual([
      'eachlabs e1  ▶ running',
      'eachlabs e1  ▶ parse: running',
      'eachlabs e1  ○ extract: pending',
      'eachlabs e1  ✔ parse: running → completed in 2s',
      'eachlabs e1  ✖ extract: pending → failed in 1.5s',
      'eachlabs e1  ✖ running → failed in 3.5s: extract failed: bad page',
    ]);
  });

  it('draws a frame with the overall bar, each execution and its steps with marks and times', async () => {
    const now = T0 + 5_000;
    const { board: b } = await board(
      [
        [snapshot('e1', 'completed', [step('a', 'completed', 0, 1), step('b', 'completed', 1, 3)])],
        [
          snapshot('e2', 'running', [step('a', 'completed', 0, 1), step('b', 'running', 1)], {
            startedAt: new Date(T0).toISOString(),
          }),
        ],
      ],
      () => now,
      3,
    );
    const frame = b.frame({ columns: 100, rows: 40 });
    // e1 counts 1, e2 half, the third not seen yet 0: 1.5 of 3.
    expect(frame[0]).toMatch(/^test {2}\[█{12}░{12}\] {2}50% {2}1\/3 done · 1 running · 1 completed/);
    expect(frame).toContain('    ▶ b  4s');
    expect(frame.some((l) => /^✔ {2}eachlabs {3}e1 {2}completed .* 2\/2 steps$/.test(l))).toBe(true);
    expect(frame.at(-1)).toBe('… waiting for 1 more');
  });

  it('times a running step from when it was seen to start, not from the provider’s whole-second stamp', async () => {
    let now = T0 + 900;
    const b = new Board({ title: 't', expected: 1, now: () => now });
    const [first, second] = updates(
      snapshot('e1', 'running', [step('a', 'pending'), step('late', 'running', 0)]),
      // The provider says "started at 10:00:00" (whole seconds); we saw it start at +1.9 s.
      snapshot('e1', 'running', [step('a', 'running', 0), step('late', 'running', 0)]),
    );
    const p = { executionId: 'e1', status: 'running' as const, total: 2, done: 0, failed: 0, ratio: 0 };
    const a = {
      total: 1,
      done: false,
      byStatus: { queued: 0, running: 1, completed: 0, failed: 0, cancelled: 0, unknown: 0 },
    };
    b.apply(first!, p, a);
    now = T0 + 1_900;
    b.apply(second!, p, a);
    now = T0 + 2_400;
    const frame = b.frame({ columns: 80, rows: 20 });
    expect(frame).toContain('    ▶ a     500ms');
    // Joined while already running: the provider's start is all there is.
    expect(frame).toContain('    ▶ late  2.4s');
  });

  it('folds the steps of finished executions, then all, so the frame never outgrows the screen', async () => {
    const many = Array.from({ length: 12 }, (_, i) => step(`s${i}`, 'completed', i, i + 1));
    const { board: b } = await board(
      [
        [snapshot('done', 'completed', many)],
        [snapshot('busy', 'running', [step('x', 'running', 0), step('y', 'pending')])],
      ],
      () => T0,
    );
    const roomy = b.frame({ columns: 80, rows: 40 });
    expect(roomy).toHaveLength(1 + 2 + 12 + 2);
    const tight = b.frame({ columns: 80, rows: 8 });
    expect(tight.length).toBeLessThanOrEqual(7);
    expect(tight.some((l) => l.includes(' x'))).toBe(true); // the running execution keeps its steps
    expect(tight.some((l) => l.includes('s0'))).toBe(false);
    expect(b.frame({ columns: 30, rows: 8 }).every((l) => l.length <= 30)).toBe(true);
  });

  it('ends with a summary of every execution’s final status and the errors', async () => {
    const b = new Board({ title: 't', expected: 2, now: () => T0 });
    const [u] = updates(snapshot('e1', 'cancelled', []));
    b.apply(
      u!,
      { executionId: 'e1', status: 'cancelled', total: 0, done: 0, failed: 0, ratio: 1 },
      {
        total: 1,
        done: true,
        byStatus: { queued: 0, running: 0, completed: 0, failed: 0, cancelled: 1, unknown: 0 },
      },
    );
    b.fail('eachlabs e2: not found');
    const summary = b.summary();
    expect(summary[0]).toBe('2 executions in 0ms: 1 cancelled, 1 error');
    expect(summary[1]).toMatch(/^ ⊘ {2}eachlabs {3}e1 {2}cancelled/);
  });
});

describe('createRenderer', () => {
  it('appends lines when not live', () => {
    const stream = new PassThrough();
    const text = collect(stream);
    const { render } = createRenderer(screen(false, stream));
    render(['one']);
    render(['two', 'three']);
    expect(text()).toBe('one\ntwo\nthree\n');
  });

  it('moves back over the last frame and clears below it when live, until done()', () => {
    const stream = new PassThrough();
    const text = collect(stream);
    const { render, done } = createRenderer({
      ...screen(true, stream),
      scrub: (t) => t.replace('secret', '[REDACTED]'),
    });
    render(['a', 'b secret']);
    render(['c']);
    done();
    render(['d']);
    // Up two lines, column 1, clear down; after done() no movement.
    expect(text()).toBe('a\nb [REDACTED]\n\x1b[2A\x1b[1G\x1b[0Jc\nd\n');
  });
});

describe('follow', () => {
  it('keeps the other watches going when one errors, and maps the outcome to an exit code', async () => {
    const seen: string[] = [];
    const errors: string[] = [];
    const sink: Sink = {
      update: (u) => seen.push(u.snapshot.executionId),
      error: (target, e) => errors.push(errorLine(e, target)),
    };
    const outcome = await follow(
      [
        {
          label: 'eachlabs e1',
          id: 'e1',
          updates: throwError(() => new AuthenticationError('eachlabs: Invalid or missing API key', { status: 401 })),
        },
        {
          label: 'eachlabs e2',
          id: 'e2',
          updates: throwError(() => new Error('eachlabs: execution e2 not found\n(HTTP 404)')),
        },
        {
          label: 'eachlabs ok',
          id: 'ok',
          updates: of(...updates(snapshot('ok', 'running', []), snapshot('ok', 'completed', []))),
        },
      ],
      sink,
    );
    expect(seen).toEqual(['ok', 'ok']);
    // The label only where the message does not name the execution already; always one line.
    expect(errors).toEqual([
      'eachlabs e1: eachlabs: Invalid or missing API key',
      'eachlabs: execution e2 not found (HTTP 404)',
    ]);
    expect(exitCodeOf(outcome)).toBe(3);
    expect(exitCodeOf({ ...outcome, errors: [] })).toBe(0);
    expect(exitCodeOf({ ...outcome, errors: [], snapshots: [snapshot('x', 'failed', [])] })).toBe(1);
    expect(exitCodeOf({ ...outcome, interrupted: true })).toBe(130);
  });

  it('unsubscribes every watch when the signal aborts', async () => {
    let tornDown = false;
    const endless = new Observable<ExecutionUpdate>(() => () => (tornDown = true));
    const controller = new AbortController();
    const pending = follow([{ label: 'x', id: 'x', updates: endless }], { update() {}, error() {} }, controller.signal);
    controller.abort();
    expect((await pending).interrupted).toBe(true);
    expect(tornDown).toBe(true);
  });
});

describe('createOutput', () => {
  it('scrubs every key from every line, stdout and stderr', () => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const out = collect(stdout);
    const err = collect(stderr);
    const output = createOutput({ stdout, stderr, env: {}, signal: new AbortController().signal }, ['sk-9f8e7d']);
    output.out('{"id":"sk-9f8e7d"}');
    output.err('runwatch: bad key sk-9f8e7d');
    expect(out()).toBe('{"id":"[REDACTED]"}\n');
    expect(err()).toBe('runwatch: bad key [REDACTED]\n');
  });

  it('scrubs a key that contains another whole, whatever order the keys come in', () => {
    const io = { stdout: new PassThrough(), stderr: new PassThrough(), env: {}, signal: new AbortController().signal };
    const output = createOutput(io, ['sk-12', 'sk-12-long-tail']);
    expect(output.scrub('a sk-12-long-tail b sk-12 c')).toBe('a [REDACTED] b [REDACTED] c');
  });
});

describe('duration', () => {
  it.each([
    [0, '0ms'],
    [850, '850ms'],
    [4_100, '4.1s'],
    [4_000, '4s'],
    [125_000, '2m05s'],
    [3_720_000, '1h02m'],
    [-5, '0ms'],
  ])('formats %d ms as %s', (ms, text) => {
    expect(duration(ms)).toBe(text);
  });
});
