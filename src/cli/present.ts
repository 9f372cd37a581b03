import type { Observable } from 'rxjs';
import { stringifyJson, type WatchEvent } from '../index.js';
import { Board } from './display.js';
import { belowTopRow, createRenderer } from './screen.js';
import { errorLine, follow, type Outcome, type Target } from './follow.js';
import type { Output } from './io.js';

/**
 * How to show the watches.
 *
 * @example
 * ```ts
 * import type { PresentOptions } from './present.js';
 *
 * const options: PresentOptions = { json: false, title: 'runwatch demo', expected: 7 };
 * console.log(options.expected);
 * // Logs: 7
 * ```
 */
export interface PresentOptions {
  /** NDJSON on stdout, one change per line, instead of the display. */
  json: boolean;
  /** Heads the live frame. */
  title: string;
  /** How many executions to expect, for the overall bar. */
  expected: number;
  /** The clients' events: the board says which watch waits for budget or retries, and why. */
  events?: Observable<WatchEvent> | undefined;
}

/** How often the live frame is redrawn between updates (elapsed times move), in ms. */
const TICK_MS = 120;

/**
 * Follows the watches and shows them: NDJSON with `json`; otherwise the live display on a
 * TTY (redrawn in place) or event lines when piped; then a summary. Errors go to stderr,
 * one line each, by message only (a live frame lists them too, as part of the board).
 *
 * @param targets - the watches.
 * @param options - how to show them.
 * @param output - where to write (scrubbed of keys).
 * @param signal - stops following (Ctrl-C).
 * @returns how it ended.
 *
 * @example
 * ```ts
 * import { present } from './present.js';
 *
 * declare const output: import('./io.js').Output;
 * const outcome = await present([], { json: true, title: 'runwatch', expected: 0 }, output);
 * console.log(outcome.errors.length);
 * // Logs: 0
 * ```
 */
export async function present(
  targets: readonly Target[],
  options: PresentOptions,
  output: Output,
  signal?: AbortSignal,
): Promise<Outcome> {
  if (options.json) {
    const outcome = await follow(
      targets,
      {
        update: (update) => {
          for (const change of update.changes) output.out(stringifyJson(change));
        },
        error: () => {},
      },
      signal,
    );
    reportErrors(outcome, output);
    return outcome;
  }

  const terminal = output.screen();
  // Live, the board keeps off the pane's top row, or tmux would save every redraw to its scrollback.
  const screen = terminal.live ? belowTopRow(terminal) : terminal;
  const board = new Board({ title: options.title, expected: options.expected, now: () => Date.now() });
  const { render, done } = createRenderer(screen);
  const draw = () => render(board.frame(screen, screen.color));
  // Live, the whole frame is redrawn; piped, only the lines that tell what changed go out.
  const show = (lines: readonly string[]) => (screen.live ? draw() : render(lines));
  const ticker = screen.live ? setInterval(draw, TICK_MS) : undefined;
  if (screen.live) draw();
  const noted = options.events?.subscribe((event) => board.note(event));
  const outcome = await follow(
    targets,
    {
      update: (update, progress, aggregate) => show(board.apply(update, progress, aggregate)),
      error: (target, error) => {
        // The board counts it (and a live frame lists it); the message itself goes to stderr.
        board.fail(errorLine(error, target));
        if (screen.live) draw();
      },
    },
    signal,
  );
  clearInterval(ticker);
  noted?.unsubscribe();
  if (screen.live) {
    draw();
    done();
  }
  output.out('');
  for (const line of board.summary()) output.out(line);
  reportErrors(outcome, output);
  return outcome;
}

/** One stderr line per distinct error; many watches failing alike (a wrong key) say it once. */
function reportErrors(outcome: Outcome, output: Output): void {
  const lines = new Map<string, number>();
  for (const { target, error } of outcome.errors) {
    const line = errorLine(error, target);
    lines.set(line, (lines.get(line) ?? 0) + 1);
  }
  for (const [line, count] of lines) output.err(`runwatch: ${line}${count > 1 ? ` (${count} watches)` : ''}`);
}
