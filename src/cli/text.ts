import stringWidth from 'string-width';

// Matching control characters is the point of these two expressions.
/* eslint-disable no-control-regex */
/** A CSI escape sequence (colours, cursor moves): it takes no room on screen. */
const CSI = /(\u001b\[[0-?]*[ -/]*[@-~])/;
/** Control characters, ESC among them: in a provider's text they would move the cursor. */
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]+/g;
/* eslint-enable no-control-regex */
/** Printable ASCII: one column a character, no need to ask string-width (the board redraws often). */
const ASCII = /^[ -~]*$/;
const graphemes = new Intl.Segmenter();
/** The widths of the characters seen, other than ASCII: a board uses few, over and over. */
const widths = new Map<string, number>();

/**
 * How many terminal columns a text takes: wide characters (CJK) and emoji take two, combining
 * marks and colour codes none.
 *
 * @param text - a line, possibly coloured.
 * @returns its width in columns.
 *
 * @example
 * ```ts
 * import { columnsOf } from './text.js';
 *
 * console.log(columnsOf('ab'), columnsOf('漢字'), columnsOf('👍'));
 * // Logs: 2 4 2
 * ```
 */
export function columnsOf(text: string): number {
  if (ASCII.test(text)) return text.length;
  let width = 0;
  // split() with a capturing group: even indices are text, odd ones escape sequences.
  text.split(CSI).forEach((part, i) => {
    if (i % 2 === 0) for (const { segment } of graphemes.segment(part)) width += graphemeWidth(segment);
  });
  return width;
}

/** The width of one grapheme, remembered. */
function graphemeWidth(grapheme: string): number {
  if (ASCII.test(grapheme)) return grapheme.length;
  let width = widths.get(grapheme);
  if (width === undefined) {
    width = stringWidth(grapheme);
    if (widths.size >= 4_096) widths.clear(); // provider text could hold any number of them
    widths.set(grapheme, width);
  }
  return width;
}

/**
 * Makes a provider's text safe to print on one line: control characters (a newline, a tab,
 * an escape sequence) become one space each run, so they can neither break a line nor drive
 * the terminal.
 *
 * @param text - text from a provider (an id, a step name, an error message).
 * @returns the text on one line, without control characters.
 *
 * @example
 * ```ts
 * import { plain } from './text.js';
 *
 * console.log(plain('bad\n\tpage \u001b[2Jhere'));
 * // Logs: bad page  [2Jhere
 * ```
 */
export function plain(text: string): string {
  return text.replace(CONTROLS, ' ');
}

/**
 * Pads a text with spaces on the right to `width` columns (as `padEnd` does with UTF-16
 * units).
 *
 * @param text - the text.
 * @param width - the columns it should take.
 * @returns the padded text; unchanged if it is already that wide.
 *
 * @example
 * ```ts
 * import { padEnd } from './text.js';
 *
 * console.log(`[${padEnd('漢', 4)}]`);
 * // Logs: [漢  ]
 * ```
 */
export function padEnd(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - columnsOf(text)));
}

/**
 * Pads a text with spaces on the left to `width` columns.
 *
 * @param text - the text.
 * @param width - the columns it should take.
 * @returns the padded text; unchanged if it is already that wide.
 *
 * @example
 * ```ts
 * import { padStart } from './text.js';
 *
 * console.log(`[${padStart('4s', 4)}]`);
 * // Logs: [  4s]
 * ```
 */
export function padStart(text: string, width: number): string {
  return ' '.repeat(Math.max(0, width - columnsOf(text))) + text;
}

/**
 * Cuts a line so that it takes less than `columns` columns, measuring in display columns and
 * cutting between whole characters (never inside a wide one, an emoji or a colour code). The
 * last column stays free: a terminal that wraps on reaching it, or draws an emoji wider than
 * Unicode says, would otherwise make one line two rows and break the redraw in place.
 *
 * @param line - one line, possibly coloured.
 * @param columns - the terminal's width.
 * @returns the line, or its head and `…` (with a colour reset when it was coloured).
 *
 * @example
 * ```ts
 * import { fit } from './text.js';
 *
 * console.log(fit('漢字漢字漢字', 8));
 * // Logs: 漢字漢…
 * ```
 */
export function fit(line: string, columns: number): string {
  if (columnsOf(line) < columns) return line;
  const room = Math.max(0, columns - 2); // the '…' and the free last column
  let out = '';
  let used = 0;
  let styled = false;
  // split() with a capturing group: even indices are text, odd ones escape sequences.
  const parts = line.split(CSI);
  cut: for (let i = 0; i < parts.length; i++) {
    const part = parts[i] ?? '';
    if (i % 2 === 1) {
      out += part;
      styled = true;
      continue;
    }
    for (const { segment } of graphemes.segment(part)) {
      const width = graphemeWidth(segment);
      if (used + width > room) break cut;
      out += segment;
      used += width;
    }
  }
  return `${out}…${styled ? '\u001b[0m' : ''}`;
}
