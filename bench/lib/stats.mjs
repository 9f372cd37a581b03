// What every benchmark shares: medians, and the one JSON line per figure.

export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

const round = (x) => (Math.abs(x) >= 100 ? Math.round(x) : +x.toPrecision(3));

/**
 * Prints one figure: `value` against the `baseline` measured in the same run, both medians
 * of `rounds` rounds, with `goal` (on the ratio unless `goalOn` says otherwise) and whether
 * it holds. `extra` adds fields (units, counts).
 */
export function report({ figure, value, baseline, goal, rounds, met, ...extra }) {
  const ratio = baseline === undefined || baseline === 0 ? undefined : value / baseline;
  const line = {
    figure,
    value: round(value),
    baseline: baseline === undefined ? null : round(baseline),
    ratio: ratio === undefined ? null : +ratio.toFixed(2),
    goal,
    met,
    rounds,
    median: true,
    ...extra,
  };
  console.log(JSON.stringify(line));
  return line;
}
