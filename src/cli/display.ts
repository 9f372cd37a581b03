import * as util from 'node:util';
import type {
  WatchEvent,
  AggregateProgress,
  ExecutionSnapshot,
  ExecutionStatus,
  ExecutionUpdate,
  Progress,
  StepStatus,
  StepSnapshot,
} from '../index.js';
import { isTerminal } from '../index.js';
import { executionKey } from './follow.js';
import { columnsOf, fit, padEnd, padStart, plain } from './text.js';

const MARKS: Record<ExecutionStatus | StepStatus, string> = {
  pending: '○',
  queued: '…',
  running: '▶',
  completed: '✔',
  failed: '✖',
  cancelled: '⊘',
  skipped: '↷',
  unknown: '?',
};
const SPINNER = '⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏';
const COLORS: Partial<Record<ExecutionStatus | StepStatus, 'green' | 'red' | 'yellow' | 'cyan' | 'gray'>> = {
  completed: 'green',
  failed: 'red',
  cancelled: 'yellow',
  running: 'cyan',
  skipped: 'gray',
  pending: 'gray',
  queued: 'gray',
};
const DAY_MS = 86_400_000;
/** The step statuses that mean a step has finished, whichever way. */
const FINISHED_STEP_STATUSES: ReadonlySet<StepStatus> = new Set(['completed', 'skipped', 'failed', 'cancelled']);

/** When the board itself saw something start and end. */
interface Seen {
  /** Whether it was seen before it started, so `start` is when it started (to a poll). */
  waited?: boolean;
  start?: number;
  end?: number;
}

interface Row {
  snapshot: ExecutionSnapshot;
  progress: Progress;
  seen: Seen;
  steps: Map<string, Seen>;
  /** What the watch is doing while quiet: "waiting for budget (next in 12 s)", "retrying (503, 2/5)". */
  activity?: string | undefined;
}

/**
 * The state of the watched executions, and how it reads: a frame for a live terminal,
 * event lines for a pipe, a summary at the end. Pure apart from the clock it is given.
 *
 * @example
 * ```ts
 * import { Board } from './display.js';
 *
 * const board = new Board({ title: 'runwatch', expected: 1, now: () => Date.now() });
 * console.log(board.summary().length);
 * // Logs: 1
 * ```
 */
export class Board {
  private readonly rows = new Map<string, Row>();
  /** What watches not seen yet are doing (retrying, waiting for budget), by execution key. */
  private readonly early = new Map<string, string>();
  private readonly errors: string[] = [];
  private aggregate: AggregateProgress | undefined;
  private readonly startedAt: number;

  /**
   * @param options - `title` heads the frame; `expected` is how many executions will come
   * (so the bar does not jump when one shows up late); `now` is the clock.
   */
  constructor(private readonly options: { title: string; expected: number; now: () => number }) {
    this.startedAt = options.now();
  }

  /**
   * Takes in one update, with its execution's progress and the progress of all.
   *
   * @param update - the update.
   * @param progress - what `progress()` made of it.
   * @param aggregate - what `aggregateProgress()` made of the stream so far.
   * @returns the lines that tell what changed, for a display that appends.
   */
  apply(update: ExecutionUpdate, progress: Progress, aggregate: AggregateProgress): string[] {
    const now = this.options.now();
    const { snapshot } = update;
    const key = executionKey(snapshot);
    let row = this.rows.get(key);
    if (row === undefined) {
      row = { snapshot, progress, seen: {}, steps: new Map() };
      this.rows.set(key, row);
      this.early.delete(key);
    }
    row.snapshot = snapshot;
    row.progress = progress;
    this.aggregate = aggregate;
    markSeen(row.seen, snapshot.status !== 'queued', isTerminal(snapshot.status), now);
    for (const step of snapshot.steps) {
      let seen = row.steps.get(step.key);
      if (seen === undefined) row.steps.set(step.key, (seen = {}));
      markSeen(
        seen,
        step.status === 'running' || FINISHED_STEP_STATUSES.has(step.status),
        FINISHED_STEP_STATUSES.has(step.status),
        now,
      );
    }
    return this.describe(update, row, now);
  }

  /**
   * Takes in one of the clients' events: a watch that waits for budget or retries says so
   * on its line until its next good poll.
   *
   * @param event - from `client.events`.
   */
  note(event: WatchEvent): void {
    // A failed poll is followed by its retry (or the end): keep the line until then.
    if (event.type === 'poll' && event.outcome === 'error') return;
    const key = executionKey({ provider: event.provider, executionId: event.executionId });
    const row = this.rows.get(key);
    const activity = activityOf(event);
    if (row !== undefined) row.activity = activity;
    // Not seen yet (its first polls fail, or wait): said on the line of those still awaited.
    else if (activity === undefined) this.early.delete(key);
    else this.early.set(key, activity);
  }

  /**
   * Records a watch that ended in an error rather than a status.
   *
   * @param message - the error's message (already free of secrets).
   * @returns the line to append.
   */
  fail(message: string): string[] {
    const text = plain(message);
    this.errors.push(text);
    return [`${this.clock()}  error: ${text}`];
  }

  /**
   * The frame for a live terminal: a header with the overall bar, then per execution its
   * status and its steps, each with a mark and the time it took (or has taken so far).
   *
   * @param size - the terminal's columns and rows, which the frame fits in (`rows - 1` lines:
   * the cursor waits on the last row); `scrub`, if given, is applied to each line first.
   * @param color - whether to colour marks and the bar.
   * @returns the lines of the frame.
   */
  frame(size: { columns: number; rows: number; scrub?: (text: string) => string }, color = false): string[] {
    const now = this.options.now();
    const paint = painter(color);
    const total = Math.max(this.options.expected, this.rows.size);
    let ratio = 0;
    for (const row of this.rows.values()) ratio += row.progress.ratio;
    ratio = total === 0 ? 0 : ratio / total;
    const header = `${this.options.title}  ${bar(ratio, 24, paint)} ${String(Math.round(ratio * 100)).padStart(3)}%  ${this.counts(total)}  ${duration(now - this.startedAt)}`;

    // Ids as wide as the widest, unless that leaves a watch's activity no room (an EachLabs
    // UUID on 80 columns): then cut, never under 8 columns.
    const idWidth = Math.min(this.idWidth(), Math.max(8, size.columns - FIXED_COLUMNS - ACTIVITY_COLUMNS));
    const blocks = [...this.rows.values()].map((row): Block => {
      const { snapshot } = row;
      const head = executionLine(row, paint(snapshot.status, mark(snapshot.status, now, color)), idWidth, now);
      const label = stepLabel(snapshot);
      const nameWidth = Math.max(0, ...snapshot.steps.map((s) => columnsOf(label(s))));
      const steps = snapshot.steps.map((step) =>
        `    ${paint(step.status, mark(step.status, now, color))} ${padEnd(label(step), nameWidth)}  ${elapsed(step, row.steps.get(step.key) ?? {}, now) ?? ''}`.trimEnd(),
      );
      return { head, steps, terminal: isTerminal(snapshot.status), ok: snapshot.status === 'completed' };
    });
    const waiting = total - this.rows.size;
    const tail = [
      ...(waiting > 0
        ? [
            `${paint('queued', '…')} waiting for ${waiting} more${this.early.size > 0 ? `: ${[...this.early.values()][0]}` : ''}`,
          ]
        : []),
      ...this.errors.map((message) => `${paint('failed', '✖')} error: ${message}`),
    ];

    // Fold the steps of finished executions first (completed, then any), then all, so the
    // frame never scrolls: a frame taller than the screen cannot be redrawn in place.
    const budget = Math.max(1, size.rows - 1);
    const folds: ((b: Block) => boolean)[] = [() => false, (b) => b.terminal && b.ok, (b) => b.terminal, () => true];
    const height = (fold: (b: Block) => boolean) =>
      blocks.reduce((n, b) => n + 1 + (fold(b) ? 0 : b.steps.length), 1 + tail.length);
    const fold = folds.find((f) => height(f) <= budget) ?? (() => true);
    let lines = [header, ...blocks.flatMap((b) => [b.head, ...(fold(b) ? [] : b.steps)]), ...tail];
    if (lines.length > budget) {
      lines = budget === 1 ? [header] : [...lines.slice(0, budget - 1), `… ${lines.length - budget + 1} more`];
    }
    // Scrub before cutting: a cut through a key would leave a part the scrubber cannot see.
    return lines.map((line) => fit(size.scrub?.(line) ?? line, size.columns));
  }

  /**
   * The closing lines: totals, then one line per execution with its final status.
   *
   * @returns the lines to print.
   */
  summary(): string[] {
    const now = this.options.now();
    const rows = [...this.rows.values()];
    const total = Math.max(this.options.expected, rows.length);
    const idWidth = this.idWidth();
    const errors = this.errors.length > 0 ? `${this.errors.length} error${this.errors.length === 1 ? '' : 's'}` : '';
    const tally = [this.counts(total, true), errors].filter((part) => part !== '').join(', ');
    const lines = [
      `${total} execution${total === 1 ? '' : 's'} in ${duration(now - this.startedAt)}: ${tally || 'none seen'}`,
    ];
    for (const row of rows) lines.push(executionLine(row, ` ${MARKS[row.snapshot.status]}`, idWidth, now));
    return lines;
  }

  private idWidth(): number {
    return Math.max(0, ...[...this.rows.values()].map((r) => columnsOf(plain(r.snapshot.executionId))));
  }

  private counts(total: number, final = false): string {
    const by = this.aggregate?.byStatus;
    if (by === undefined) return final ? '' : 'starting';
    const parts = (Object.keys(by) as ExecutionStatus[]).filter((s) => by[s] > 0).map((s) => `${by[s]} ${s}`);
    const done = by.completed + by.failed + by.cancelled;
    return final ? parts.join(', ') : `${done}/${total} done · ${parts.join(' · ')}`;
  }

  private clock(): string {
    return `+${((this.options.now() - this.startedAt) / 1000).toFixed(1)}s`.padStart(7);
  }

  private describe(update: ExecutionUpdate, row: Row, now: number): string[] {
    const { snapshot } = update;
    const at = this.clock();
    const label = `${snapshot.provider} ${plain(snapshot.executionId)}`;
    // The first update lists its steps before its status; the reader wants the execution first.
    const changes = [...update.changes].sort((a, b) => rank(a) - rank(b));
    const name = stepLabel(snapshot);
    return changes.map((change) => {
      switch (change.type) {
        case 'execution-status': {
          if (change.from === undefined) return `${at}  ${label}  ${MARKS[change.to]} ${change.to}`;
          const took = isTerminal(change.to) ? ` in ${elapsed(snapshot, row.seen, now) ?? '?'}` : '';
          const why = snapshot.error?.message ? `: ${plain(snapshot.error.message)}` : '';
          return `${at}  ${label}  ${MARKS[change.to]} ${change.from} → ${change.to}${took}${why}`;
        }
        case 'step-added':
          return `${at}  ${label}  ${MARKS[change.step.status]} ${name(change.step)}: ${change.step.status}`;
        case 'step-status': {
          const seen = row.steps.get(change.step.key) ?? {};
          const took = FINISHED_STEP_STATUSES.has(change.to) ? ` in ${elapsed(change.step, seen, now) ?? '?'}` : '';
          return `${at}  ${label}  ${MARKS[change.to]} ${name(change.step)}: ${change.from} → ${change.to}${took}`;
        }
        case 'step-output':
          return `${at}  ${label}    ${name(change.step)}: output ready`;
        case 'execution-output':
          return `${at}  ${label}  output ready`;
        case 'watch-error':
          return `${at}  ${label}  watch ended: ${change.error.message}`;
        case 'stalled':
          return `${at}  ${label}  no change for ${Math.round(change.sinceMs / 1000)}s`;
      }
    });
  }
}

/** An execution's frame block: its line, its steps' lines, and what decides folding. */
interface Block {
  head: string;
  steps: string[];
  terminal: boolean;
  ok: boolean;
}

/** One execution on one line, in columns: mark, provider, id, status, time, steps, error. */
function executionLine(
  { snapshot, progress, seen, activity }: Row,
  markText: string,
  idWidth: number,
  now: number,
): string {
  return [
    markText,
    padEnd(snapshot.provider, 9),
    padEnd(shorten(plain(snapshot.executionId), idWidth), idWidth),
    padEnd(snapshot.status, 9),
    padStart(elapsed(snapshot, seen, now) ?? '', 7),
    `${progress.done}/${progress.total} steps`,
    plain(snapshot.error?.message ?? (isTerminal(snapshot.status) ? '' : (activity ?? ''))),
  ]
    .join('  ')
    .trimEnd();
}

/** The columns of an execution's line besides its id and activity: mark, provider, status, time, steps, gaps. */
const FIXED_COLUMNS = 52;
/** What a line keeps for a watch's activity ("retrying (429, 1/5)") before ids are cut. */
const ACTIVITY_COLUMNS = 22;

/** `text` in at most `width` columns: cut, with `…`, when wider. */
function shorten(text: string, width: number): string {
  return columnsOf(text) <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}

/** What a quiet watch is doing, from the event that says why; `undefined` once it polls fine. */
function activityOf(event: WatchEvent): string | undefined {
  const inS = `next in ${Math.ceil(event.delayMs / 1000)} s`;
  if (event.type === 'retry') {
    return `retrying (${event.status ?? event.error ?? 'error'}, ${event.attempt ?? '?'}/${event.maxRetries ?? '?'})`;
  }
  if (event.type === 'wait' && event.reason === 'budget') return `waiting for budget (${inS})`;
  if (event.type === 'wait' && event.reason === 'hint') return `waiting as the server asked (${inS})`;
  return undefined;
}

/**
 * A step's name, or its key where several steps share the name (a ModelsLab step that
 * repeats, `Image Upscaler#2`; a Datalab step per file, `parse/invoice.pdf`).
 */
function stepLabel(snapshot: ExecutionSnapshot): (step: StepSnapshot) => string {
  const counts = new Map<string, number>();
  for (const step of snapshot.steps) counts.set(step.name, (counts.get(step.name) ?? 0) + 1);
  return (step) => plain((counts.get(step.name) ?? 0) > 1 ? step.key : step.name);
}

function rank(change: ExecutionUpdate['changes'][number]): number {
  return change.type === 'execution-status' && change.from === undefined ? 0 : 1;
}

function markSeen(seen: Seen, started: boolean, ended: boolean, now: number): void {
  if (!started) seen.waited = true;
  if (started && seen.start === undefined) seen.start = now;
  if (ended && seen.end === undefined) seen.end = now;
}

/**
 * How long something took or has taken. Finished: the provider's own start and end when it
 * gives both (one clock, no skew). Running: since we saw it start, when we did (provider
 * times are often whole seconds, and on another clock), else since the provider's start
 * when that is plausible (we joined late). Otherwise what the board saw; `undefined` for
 * something that has not started.
 */
function elapsed(item: Pick<StepSnapshot, 'startedAt' | 'completedAt'>, seen: Seen, now: number): string | undefined {
  const start = item.startedAt === undefined ? NaN : Date.parse(item.startedAt);
  const end = item.completedAt === undefined ? NaN : Date.parse(item.completedAt);
  if (end >= start) return duration(end - start);
  const running = seen.end === undefined;
  if (running && !seen.waited && now - start >= 0 && now - start < DAY_MS) return duration(now - start);
  if (seen.start === undefined) return undefined;
  return duration((seen.end ?? now) - seen.start);
}

/**
 * Formats milliseconds for people: `850ms`, `4.1s`, `4s`, `2m05s`, `1h02m`.
 *
 * @param ms - a duration.
 * @returns the short form.
 *
 * @example
 * ```ts
 * import { duration } from './display.js';
 *
 * console.log(duration(125_000));
 * // Logs: 2m05s
 * ```
 */
export function duration(ms: number): string {
  const t = Math.max(0, ms);
  if (t < 1000) return `${Math.round(t)}ms`;
  // Provider times have whole-second precision: "2s" rather than a falsely exact "2.0s".
  if (t < 60_000) return t % 1000 === 0 ? `${t / 1000}s` : `${(t / 1000).toFixed(1)}s`;
  const s = Math.floor(t / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor(s / 60) % 60).padStart(2, '0')}m`;
}

function mark(status: ExecutionStatus | StepStatus, now: number, live: boolean): string {
  if (status === 'running' && live) return SPINNER[Math.floor(now / 80) % SPINNER.length] ?? MARKS.running;
  return MARKS[status];
}

type Paint = (status: ExecutionStatus | StepStatus, text: string) => string;

function painter(color: boolean): Paint {
  if (!color || typeof util.styleText !== 'function') return (_status, text) => text;
  return (status, text) => {
    const c = COLORS[status];
    return c === undefined ? text : util.styleText(c, text);
  };
}

function bar(ratio: number, width: number, paint: Paint): string {
  const filled = Math.round(Math.min(1, Math.max(0, ratio)) * width);
  return `[${paint('completed', '█'.repeat(filled))}${'░'.repeat(width - filled)}]`;
}
