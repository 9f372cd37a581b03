import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { Observable, of, throwError } from 'rxjs';
import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import { Board, duration } from '../../src/cli/display.js';
import { belowTopRow, createRenderer, type Screen } from '../../src/cli/screen.js';
import { errorLine, exitCodeOf, follow, type Sink } from '../../src/cli/follow.js';
import { createOutput } from '../../src/cli/io.js';
import { present } from '../../src/cli/present.js';
import { columnsOf, fit, plain } from '../../src/cli/text.js';
import {
  AuthenticationError,
  diff,
  type ExecutionSnapshot,
  type ExecutionStatus,
  type ExecutionUpdate,
  type StepSnapshot,
  type StepStatus,
  type WatchEvent,
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
      errored: 0,
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

  it('aligns and cuts by display columns, so CJK and emoji names neither shift nor wrap a line', async () => {
    const { board: b } = await board(
      [
        [
          snapshot('実行-1', 'failed', [step('文字转图像', 'completed', 0, 1), step('upscale', 'failed', 1, 3)], {
            error: { message: '画像の生成に失敗しました 🚫🚫🚫🚫 (quota)' },
          }),
        ],
        [snapshot('e2', 'completed', [step('👍 ok', 'completed', 0, 2)])],
      ],
      () => T0,
    );
    const frame = b.frame({ columns: 200, rows: 40 });
    // 'upscale' is padded to the columns of '文字转图像' (10), not to its 5 UTF-16 units.
    expect(frame).toContain('    ✔ 文字转图像  1s');
    expect(frame).toContain('    ✖ upscale     2s');
    // The ids column is as wide as '実行-1' on screen (6 columns): the next column lines up.
    const at = (line: string | undefined) =>
      columnsOf(line!.slice(0, line!.indexOf('completed') + 1 || line!.indexOf('failed') + 1));
    const heads = frame.filter((l) => /^\S+ {2}eachlabs/.test(l));
    expect(heads).toHaveLength(2);
    expect(new Set(heads.map(at)).size).toBe(1);
    for (const columns of [20, 33, 34, 35, 60]) {
      for (const line of b.frame({ columns, rows: 40 })) expect(columnsOf(line)).toBeLessThan(columns);
    }
  });

  it('keeps a provider’s control characters out of its lines', async () => {
    const { board: b, lines } = await board(
      [[snapshot('e1', 'failed', [step('a\nb', 'failed', 0, 1)], { error: { message: 'bad\n\u001b[2Jpage' } })]],
      () => T0,
    );
    b.fail('eachlabs e9: \u001b]0;title\u0007gone');
    const all = [...lines, ...b.frame({ columns: 120, rows: 20 }), ...b.summary()];
    expect(all.filter((l) => /[\u0000-\u001f]/.test(l))).toEqual([]);
    expect(all.some((l) => l.includes('bad [2Jpage'))).toBe(true);
  });

  it('clips a frame taller than the terminal to the rows above the cursor, header first', async () => {
    const many = Array.from({ length: 9 }, (_, i) => [
      snapshot(`e${i}`, 'running', [step('x', 'running', 0), step('y', 'pending')]),
    ]);
    const { board: b } = await board(many, () => T0);
    const frame = b.frame({ columns: 80, rows: 6 });
    expect(frame).toHaveLength(5);
    expect(frame[0]).toMatch(/^test /);
    expect(frame.at(-1)).toBe('… 6 more');
    // Even a two-row terminal gets a frame that leaves the cursor its row.
    expect(b.frame({ columns: 80, rows: 2 })).toEqual([expect.stringMatching(/^test /)]);
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
        errored: 0,
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

/**
 * A terminal pane as far as a redraw cares, behaving as tmux does: a line scrolled off the
 * top goes to the history, a line wider than the pane wraps, and clearing from the top-left
 * corner (what a redraw does when its frame starts on the top row) first saves the whole
 * screen to the history (tmux's `scroll-on-clear`, on by default). The cursor starts on
 * `startRow`, with shell output above it.
 */
function pane(columns: number, rows: number, startRow = 0) {
  const screen: string[] = Array.from({ length: rows }, (_, i) => (i < startRow ? '$ shell' : ''));
  const history: string[] = [];
  const state = { row: startRow, col: 0, wrapped: 0, ups: [] as number[] };
  const down = () => {
    state.col = 0;
    if (state.row < rows - 1) state.row++;
    else {
      history.push(screen.shift()!);
      screen.push('');
    }
  };
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => {
    for (const [i, part] of chunk
      .toString()
      .split(/(\u001b\[\d*[A-Za-z])/)
      .entries()) {
      if (i % 2 === 1) {
        const [, n = '', code] = /^\u001b\[(\d*)([A-Za-z])$/.exec(part)!;
        if (code === 'A') {
          state.ups.push(Number(n || 1));
          state.row = Math.max(0, state.row - Number(n || 1));
        } else if (code === 'G') state.col = Number(n || 1) - 1;
        else if (code === 'J') {
          const used = screen.reduce((last, line, r) => (line === '' ? last : r), -1);
          if (state.row === 0 && state.col === 0 && used >= 0) history.push(...screen.slice(0, used + 1));
          screen[state.row] = screen[state.row]!.slice(0, state.col);
          for (let r = state.row + 1; r < rows; r++) screen[r] = '';
        }
        continue;
      }
      for (const { segment } of new Intl.Segmenter().segment(part)) {
        if (segment === '\n') {
          down();
          continue;
        }
        const width = columnsOf(segment);
        if (state.col + width > columns) {
          state.wrapped++;
          down();
        }
        screen[state.row] += segment;
        state.col += width;
      }
    }
  });
  return { stream, state, screen, history };
}

describe('createRenderer, live on a terminal', () => {
  const PIECES = ['漢字', '👍', 'é', 'ok', ' ', '✔', '👩‍👩‍👧', 'ｶﾀｶﾅ', 'ー'];
  /** Frames whose every line starts with §, to tell frame lines from the shell's in the history. */
  const frames = fc.array(
    fc.array(
      fc.array(fc.constantFrom(...PIECES), { maxLength: 40 }).map((parts) => `§${parts.join('')}`),
      { maxLength: 40 },
    ),
    { minLength: 1, maxLength: 8 },
  );

  it('clips a frame taller than the terminal to rows - 1 lines, and moves back up exactly what it printed', () => {
    const stream = new PassThrough();
    const text = collect(stream);
    let seen = 0;
    const written = () => text().slice(seen, (seen = text().length));
    const { render } = createRenderer({ ...screen(true, stream), columns: 40, rows: 6 });
    render(Array.from({ length: 12 }, (_, i) => `line ${i}`));
    expect(written()).toBe('line 0\nline 1\nline 2\nline 3\nline 4\n');
    render(['short']);
    expect(written()).toBe('\u001b[5A\u001b[1G\u001b[0Jshort\n');
    render(['a', 'b']);
    expect(written()).toBe('\u001b[1A\u001b[1G\u001b[0Ja\nb\n');
  });

  it('keeps a CJK or emoji line exactly as wide as the terminal on one row', () => {
    const { stream, state, screen: rows } = pane(10, 5);
    const { render } = createRenderer({ ...screen(true, stream), columns: 10, rows: 5 });
    const exact = ['漢字漢字漢', '👍👍👍👍👍', 'ab漢字漢字', 'ｶﾀｶﾅ漢字ab'];
    for (const line of exact) expect(columnsOf(line)).toBe(10);
    render(exact);
    expect(state).toMatchObject({ row: 4, wrapped: 0 });
    expect(rows.slice(0, 4).every((row) => row.endsWith('…'))).toBe(true);
  });

  it('below an empty line, never wraps a line nor puts a frame in the scrollback, wherever the cursor starts', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 4, max: 60 }),
        fc.integer({ min: 2, max: 30 }),
        fc.nat(),
        frames,
        (columns, rows, start, list) => {
          const { stream, state, history } = pane(columns, rows, start % rows);
          const { render } = createRenderer(belowTopRow({ ...screen(true, stream), columns, rows }));
          let printed = 0;
          for (const frame of list) {
            const ups = state.ups.length;
            render(frame);
            // The redraw went back up over exactly the rows the last frame printed.
            expect(state.ups.slice(ups)).toEqual(printed > 0 ? [printed] : []);
            printed = Math.min(frame.length, Math.max(0, rows - 2));
          }
          expect(state.wrapped).toBe(0);
          expect(history.filter((line) => line.includes('§'))).toEqual([]);
        },
      ),
    );
  });

  it('would put frames in the scrollback without the empty line, when the frame starts at the top of a tmux pane', () => {
    const { stream, history } = pane(40, 10);
    const { render } = createRenderer({ ...screen(true, stream), columns: 40, rows: 10 });
    render(['§ one', '§ two']);
    render(['§ three']);
    expect(history).toEqual(['§ one', '§ two']);
  });
});

describe('present, live', () => {
  it('leaves only its last frame on the screen or in the scrollback of a tmux pane, however tall the board', async () => {
    const { stream, state, screen: rows, history } = pane(50, 8);
    const stdout = Object.assign(stream, { isTTY: true, columns: 50, rows: 8 });
    const io = { stdout, stderr: new PassThrough(), env: { NO_COLOR: '1' }, signal: new AbortController().signal };
    const steps = (status: StepStatus) => Array.from({ length: 6 }, (_, i) => step(`漢字 step ${i}`, status, i, i + 1));
    const targets = ['e1', 'e2', 'e3'].map((id) => ({
      label: id,
      id,
      updates: of(...updates(snapshot(id, 'running', steps('running')), snapshot(id, 'completed', steps('completed')))),
    }));
    await present(targets, { json: false, title: 'runwatch test', expected: 3 }, createOutput(io, []), io.signal);
    const headers = [...history, ...rows].filter((line) => line.startsWith('runwatch test  ['));
    expect(headers).toHaveLength(1);
    expect(headers[0]).toContain('100%');
    expect(state.wrapped).toBe(0);
  });
});

describe('present, piped', () => {
  it('writes the changes and the summary to stdout, and the errors to stderr only', async () => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const out = collect(stdout);
    const err = collect(stderr);
    const io = { stdout, stderr, env: {}, signal: new AbortController().signal };
    const targets = [
      { label: 'eachlabs ok', id: 'ok', updates: of(...updates(snapshot('ok', 'completed', []))) },
      {
        label: 'eachlabs bad',
        id: 'bad',
        updates: throwError(() => new AuthenticationError('eachlabs: Invalid or missing API key', { status: 401 })),
      },
    ];
    const outcome = await present(targets, { json: false, title: 't', expected: 2 }, createOutput(io, []));
    expect(outcome.errors).toHaveLength(1);
    expect(err()).toBe('runwatch: eachlabs bad: eachlabs: Invalid or missing API key\n');
    expect(out()).not.toContain('Invalid or missing API key');
    expect(out()).toMatch(/^2 executions in \S+: 1 completed, 1 error$/m);
  });
});

describe('fit', () => {
  it('keeps a line narrower than the terminal, and cuts one as wide or wider by columns, never inside a character', () => {
    expect(fit('漢字漢字a', 10)).toBe('漢字漢字a'); // 9 columns
    expect(fit('漢字漢字漢', 10)).toBe('漢字漢字…'); // exactly 10: the last column stays free
    expect(fit('👍👍👍👍👍', 10)).toBe('👍👍👍👍…');
    expect(fit('a漢字漢字漢', 10)).toBe('a漢字漢…'); // the wide 字 would straddle the edge
    expect(fit('e\u0301e\u0301e\u0301', 3)).toBe('e\u0301…'); // a combining mark stays with its letter
    for (const line of ['漢字漢字漢', 'a漢字漢字漢', '👩‍👩‍👧👩‍👩‍👧👩‍👩‍👧👩‍👩‍👧']) {
      for (const columns of [3, 4, 5, 7, 10]) expect(columnsOf(fit(line, columns))).toBeLessThan(columns);
    }
  });

  it('counts colour codes as no width, keeps them, and resets the colour after a cut', () => {
    const green = (t: string) => `\u001b[32m${t}\u001b[39m`;
    expect(fit(`${green('✔')} ok`, 10)).toBe(`${green('✔')} ok`);
    expect(fit(`${green('漢字漢字')}漢字`, 8)).toBe('\u001b[32m漢字漢…\u001b[0m');
  });

  it('columnsOf() measures as string-width does, colour codes and all', () => {
    const piece = fc.constantFrom('a', ' ', '漢', '👍', 'e\u0301', '👩‍👩‍👧', 'ｶ', '✔', '\u001b[32m', '\u001b[39m', '…');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), (pieces) => {
        const text = pieces.join('');
        expect(columnsOf(text)).toBe(stringWidth(text));
      }),
    );
  });

  it('plain() puts a provider’s text on one line without control characters', () => {
    expect(plain('a\r\nb\tc\u001b[31md\u009be')).toBe('a b c [31md e');
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

describe('createOutput().screen()', () => {
  it('takes a terminal that reports 0 columns and 0 rows (a pseudo-terminal not sized yet) as 80 by 24', () => {
    const stdout = Object.assign(new PassThrough(), { isTTY: true, columns: 0, rows: 0 });
    const io = { stdout, stderr: new PassThrough(), env: {}, signal: new AbortController().signal };
    const screen = createOutput(io, []).screen();
    expect([screen.live, screen.columns, screen.rows]).toEqual([true, 80, 24]);
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

describe('Board, told of the clients’ events', () => {
  const progressOf = { executionId: 'e1', status: 'running' as const, total: 1, done: 0, failed: 0, ratio: 0 };
  const all = {
    total: 1,
    done: false,
    errored: 0,
    byStatus: { queued: 0, running: 1, completed: 0, failed: 0, cancelled: 0, unknown: 0 },
  };
  const event = (extra: Partial<WatchEvent>): WatchEvent => ({
    type: 'wait',
    provider: 'eachlabs',
    executionId: 'e1',
    at: T0,
    delayMs: 0,
    reason: 'policy',
    ...extra,
  });

  it('shows "waiting for budget (next in 12 s)" and "retrying (503, 2/5)" on the watch’s line until it polls fine', () => {
    const b = new Board({ title: 'runwatch', expected: 1, now: () => T0 });
    const [u] = updates(snapshot('e1', 'running', [step('parse', 'running', 0)]));
    b.apply(u!, progressOf, all);
    const line = () => b.frame({ columns: 120, rows: 20 }).find((l) => l.includes(' e1 '))!;
    b.note(event({ type: 'wait', reason: 'budget', delayMs: 11_200 }));
    expect(line()).toContain('waiting for budget (next in 12 s)');
    b.note(event({ type: 'poll', outcome: 'error', status: 503 }));
    b.note(event({ type: 'retry', reason: 'hint', delayMs: 3_000, status: 503, attempt: 2, maxRetries: 5 }));
    expect(line()).toContain('retrying (503, 2/5)');
    b.note(event({ type: 'poll', outcome: 'ok' }));
    expect(line()).not.toMatch(/retrying|waiting/);
    b.note(event({ executionId: 'unknown-one', type: 'wait', reason: 'budget', delayMs: 1_000 }));
    expect(b.frame({ columns: 120, rows: 20 }).join('\n')).not.toContain('waiting');
  });

  it('keeps the activity in sight on 80 columns, cutting a long id (an EachLabs UUID) to make room', () => {
    const id = '41697a1f-8c2e-4d7b-9a51-035118d9d73e';
    const b = new Board({ title: 'runwatch', expected: 1, now: () => T0 });
    const [u] = updates(snapshot(id, 'running', [step('parse', 'running', 0)]));
    b.apply(u!, { ...progressOf, executionId: id }, all);
    b.note(
      event({ executionId: id, type: 'retry', reason: 'hint', delayMs: 3_000, status: 429, attempt: 1, maxRetries: 5 }),
    );
    const line = b.frame({ columns: 80, rows: 20 }).find((l) => l.includes('eachlabs'))!;
    expect(line).toContain('retrying (429, 1/5)');
    expect(line).toContain('41697a1…');
    expect(columnsOf(line)).toBeLessThanOrEqual(79);
    expect(b.summary().join('\n')).toContain(id); // the summary keeps it whole
  });

  it('says what a watch not seen yet is doing (its first polls retried) on the line of those awaited', () => {
    const b = new Board({ title: 'runwatch', expected: 1, now: () => T0 });
    b.note(event({ type: 'retry', reason: 'hint', delayMs: 3_000, status: 429, attempt: 1, maxRetries: 5 }));
    expect(b.frame({ columns: 120, rows: 20 }).join('\n')).toContain('waiting for 1 more: retrying (429, 1/5)');
    b.note(event({ type: 'poll', outcome: 'ok' }));
    expect(b.frame({ columns: 120, rows: 20 }).join('\n')).not.toContain('retrying');
  });
});
