import { clearScreenDown, cursorTo, moveCursor } from 'node:readline';
import { fit } from './text.js';

/**
 * Where the display writes, and how.
 *
 * @example
 * ```ts
 * import type { Screen } from './screen.js';
 *
 * const screen: Screen = { stream: process.stdout, live: false, columns: 80, rows: 24, color: false, scrub: (t) => t };
 * console.log(screen.live);
 * // Logs: false
 * ```
 */
export interface Screen {
  /** The stream the display writes to (stdout). */
  stream: NodeJS.WritableStream;
  /** Redraw a frame in place (a TTY) rather than append lines (a pipe, a file). */
  live: boolean;
  /** Columns of the terminal; lines are cut to fit when live. */
  columns: number;
  /** Rows of the terminal; a live frame never grows taller. */
  rows: number;
  /** Colour marks and the bar (live only, and not under `NO_COLOR`). */
  color: boolean;
  /** Applied to every line before it is written: removes API keys. */
  scrub(text: string): string;
}

/** Replaces the last frame (live) or appends lines (not live). */
export type Render = (lines: readonly string[]) => void;

/**
 * The one place that knows how to redraw. On a TTY it moves the cursor back over the last
 * frame and clears below it (node:readline, no hand-written escape codes), then writes the
 * new frame, all in one write so a terminal never shows half a frame; otherwise it appends.
 * `done()` keeps the current frame on screen, so what comes next goes below it.
 *
 * A live frame is clipped to the screen: each line to the columns (measured in display
 * columns, after the keys are scrubbed, so a cut never leaves part of a key), and the frame to
 * `rows - 1` lines, because the cursor ends on the row below it. A frame that reached the
 * bottom row would scroll the screen: its top would go to the scrollback (in a tmux pane or a
 * terminal that starts at the top) where no cursor movement can reach it, and each redraw
 * would leave a copy behind. The cursor moves back up exactly the rows the last frame printed.
 *
 * @param screen - where and how to write.
 * @returns `render(lines)` and `done()`.
 *
 * @example
 * ```ts
 * import { createRenderer } from './screen.js';
 *
 * const { render } = createRenderer({ stream: process.stdout, live: false, columns: 80, rows: 24, color: false, scrub: (t) => t });
 * render(['hello']);
 * // Logs: hello
 * ```
 */
export function createRenderer(screen: Screen): { render: Render; done: () => void } {
  let height = 0; // rows of the frame on screen, to move back over
  const render: Render = (lines) => {
    let text = lines.map((line) => screen.scrub(line));
    let moves = '';
    if (screen.live) {
      const { columns, rows } = screen;
      text = text.slice(0, Math.max(0, rows - 1)).map((line) => fit(line, columns));
      if (height > 0) {
        // readline writes the escape codes to a stream; collect them to write once.
        const codes = { write: (chunk: string) => ((moves += chunk), true) } as unknown as NodeJS.WritableStream;
        moveCursor(codes, 0, -height);
        cursorTo(codes, 0);
        clearScreenDown(codes);
      }
      height = text.length;
    }
    const frame = `${moves}${text.map((line) => `${line}\n`).join('')}`;
    if (frame !== '') screen.stream.write(frame);
  };
  return {
    render,
    done() {
      height = 0;
    },
  };
}

/**
 * Readies a live screen for a board that is redrawn in place: writes one empty line, and
 * returns the screen below it, a row shorter (sizes still read live, so a resize is seen).
 *
 * Why: a redraw moves back to the frame's first row and clears from there down. When that
 * row is the top of the pane the clear starts at the top-left corner, and tmux (its
 * `scroll-on-clear` option, on by default) then saves the whole screen to the scrollback:
 * every frame, several times a second. With an empty line above it and one row to spare
 * below it, a frame never starts on the top row, even when it grows and the pane scrolls.
 *
 * @param screen - a live screen.
 * @returns the screen to render on.
 *
 * @example
 * ```ts
 * import { belowTopRow, createRenderer } from './screen.js';
 *
 * const screen = belowTopRow({ stream: process.stdout, live: true, columns: 80, rows: 24, color: false, scrub: (t) => t });
 * console.log(screen.rows);
 * // Logs: 23
 * ```
 */
export function belowTopRow(screen: Screen): Screen {
  screen.stream.write('\n');
  return {
    stream: screen.stream,
    live: screen.live,
    color: screen.color,
    scrub: (text) => screen.scrub(text),
    get columns() {
      return screen.columns;
    },
    get rows() {
      return Math.max(0, screen.rows - 1);
    },
  };
}
