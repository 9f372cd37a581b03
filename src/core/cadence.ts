import { backoffDelay, type BackoffPolicy } from './backoff.js';
import { EXECUTION_STEP, QUEUE_STEP, type DurationEstimate, type LearnedDurations } from './learned.js';
import { isTerminal, type ExecutionSnapshot } from './model.js';

/**
 * Where one watch stands, as {@link nextPollDelay} and {@link dueScore} read it.
 *
 * @example
 * ```ts
 * import type { CadenceState, ExecutionSnapshot } from 'runwatch';
 *
 * declare const snapshot: ExecutionSnapshot;
 * const state: CadenceState = { snapshot, quietPolls: 0 };
 * console.log(state.quietPolls);
 * // Logs: 0
 * ```
 */
export interface CadenceState {
  /** The latest snapshot. */
  snapshot: ExecutionSnapshot;
  /** The workflow, when the snapshot does not say (`snapshot.workflowId` wins). */
  workflowId?: string | undefined;
  /** Polls since the last change, as the backoff policy counts them. */
  quietPolls: number;
  /** Whether a wake source (a webhook) is attached: the cadence relaxes to a safety net. */
  wake?: boolean | undefined;
}

/**
 * When to poll next, and why.
 *
 * @example
 * ```ts
 * import type { CadenceDecision } from 'runwatch';
 *
 * const decision: CadenceDecision = { delayMs: 3_000, reason: 'policy' };
 * console.log(decision.reason);
 * // Logs: policy
 * ```
 */
export interface CadenceDecision {
  /** How long to wait before the next poll, in ms. */
  delayMs: number;
  /** `'learned'` when learned durations set the delay, `'policy'` when the backoff policy did. */
  reason: 'learned' | 'policy';
}

/** The chance a step ends before the first poll aimed at it, when that end is the execution's. */
const FINAL_EARLY = 0.02;
/** The same for a step that is followed by another: its lateness only delays the next plan. */
const MIDDLE_EARLY = 0.1;
/** Past this quantile a step is overdue, and the polls spread out again. */
const OVERDUE = 0.98;
/** How much of the time overdue is added to the brisk interval. */
const OVERDUE_GROWTH = 0.1;
/** A step followed by another is polled every `σ × median × MIDDLE_SPREAD` around its likely end. */
const MIDDLE_SPREAD = 0.4;
/** Fewer samples than this is no knowledge. */
const MIN_SAMPLES = 3;
/** The safety net with a wake source is this many times `maxDelayMs`. */
const RELAXED_FACTOR = 6;
/** With no knowledge at all, the due score assumes changes come on average this often. */
const NEUTRAL_MEAN_MS = 60_000;

/**
 * The poll interval around a step's likely end, for a step whose end is the execution's:
 * half of `initialDelayMs`, 1.5 s by default.
 *
 * @param policy - the watch's backoff policy.
 * @returns the interval in ms.
 *
 * @example
 * ```ts
 * import { briskDelay, resolveBackoff } from 'runwatch';
 *
 * console.log(briskDelay(resolveBackoff()));
 * // Logs: 1500
 * ```
 */
export function briskDelay(policy: BackoffPolicy): number {
  return policy.initialDelayMs / 2;
}

/**
 * The safety-net delay of a watch with a wake source: `maxDelayMs × 6` (a minute by default),
 * so a lost webhook costs at most that much lateness.
 *
 * @param policy - the watch's backoff policy.
 * @returns the delay in ms.
 *
 * @example
 * ```ts
 * import { relaxedDelay, resolveBackoff } from 'runwatch';
 *
 * console.log(relaxedDelay(resolveBackoff()));
 * // Logs: 60000
 * ```
 */
export function relaxedDelay(policy: BackoffPolicy): number {
  return policy.maxDelayMs * RELAXED_FACTOR;
}

/** Something running whose end will change the snapshot: the queue, a step, or the whole execution. */
interface Phase {
  /** The provider's start time, epoch ms. */
  start: number | undefined;
  estimate: DurationEstimate | undefined;
  /** What follows it, if the snapshot lists something: its end matters less. */
  next: DurationEstimate | undefined | null;
}

/**
 * Plans the next poll of a running execution from learned step durations.
 *
 * For each running step (or the queue), measured from the provider's `startedAt`: sleep
 * until the step's likely earliest end, its 2% quantile (10% for a step followed by another,
 * whose end only starts the next plan), in even hops no longer than `maxDelayMs`; then poll
 * briskly, every {@link briskDelay} for a step that ends the execution, and for one followed by
 * another every `σ × median / 10`, no more than the next step's own earliest end; past the
 * step's 98% quantile the interval grows by a tenth of the time overdue. With several
 * running steps the soonest plan wins. Without knowledge (under 3 samples, a step without
 * `startedAt`, no `learned`) the backoff policy decides, and with a wake source the
 * {@link relaxedDelay} does. The delay is never longer than `maxDelayMs`, except the relaxed one.
 *
 * A provider clock ahead of ours is corrected for: a timestamp in the snapshot later than
 * `now` shifts every elapsed time by the difference.
 *
 * @param state - the latest snapshot and the policy's count of quiet polls.
 * @param now - the current time, epoch ms.
 * @param policy - the watch's resolved backoff policy.
 * @param learned - learned durations, or `undefined` to use the policy alone.
 * @param random - the jitter source for the policy's delays.
 * @returns the delay and its reason.
 *
 * @example
 * ```ts
 * import { LearnedDurations, nextPollDelay, resolveBackoff, type ExecutionSnapshot } from 'runwatch';
 *
 * const learned = new LearnedDurations();
 * for (const durationMs of [60_000, 62_000, 58_000, 61_000, 59_000]) {
 *   learned.record({ provider: 'eachlabs', workflow: 'wf-1', stepKey: 'render', durationMs });
 * }
 * const snapshot: ExecutionSnapshot = {
 *   provider: 'eachlabs', executionId: 'e1', workflowId: 'wf-1', status: 'running', rawStatus: 'running',
 *   steps: [{ key: 'render', name: 'render', status: 'running', rawStatus: 'running', startedAt: '2026-01-01T00:00:00Z' }],
 *   raw: {},
 * };
 * // 5 s into a step that takes about a minute: sleep until its likely earliest end (26.6 s),
 * // in three even hops, since no hop may be longer than maxDelayMs.
 * const now = Date.parse('2026-01-01T00:00:05Z');
 * const { delayMs, reason } = nextPollDelay({ snapshot, quietPolls: 0 }, now, resolveBackoff(), learned);
 * console.log(Math.round(delayMs), reason);
 * // Logs: 7201 learned
 * ```
 */
export function nextPollDelay(
  state: CadenceState,
  now: number,
  policy: BackoffPolicy,
  learned: LearnedDurations | undefined,
  random: () => number = Math.random,
): CadenceDecision {
  if (state.wake === true) return { delayMs: relaxedDelay(policy), reason: 'policy' };
  const fallback = (): CadenceDecision => ({
    delayMs: backoffDelay(state.quietPolls, policy, random),
    reason: 'policy',
  });
  const { snapshot } = state;
  if (learned === undefined || isTerminal(snapshot.status)) return fallback();
  const phases = phasesOf(snapshot, state.workflowId, learned);
  if (phases.length === 0) return fallback();
  const at = now + clockAhead(snapshot, now);
  let best = Infinity;
  for (const phase of phases) {
    if (phase.start === undefined || !known(phase.estimate)) return fallback();
    best = Math.min(best, phaseDelay(phase.estimate, at - phase.start, phase.next, policy));
  }
  return { delayMs: Math.min(Math.max(best, 1), policy.maxDelayMs), reason: 'learned' };
}

/**
 * How likely it is that an execution changed since it was last polled, from learned
 * durations: for each running step (or the queue), the chance that it ended between the
 * last poll and now given that it had not ended at the last poll, `(F(now) − F(last)) / (1 −
 * F(last))` with `F` the fitted distribution, combined over steps as `1 − ∏(1 − pᵢ)`.
 * Without knowledge of a step, changes are assumed to come on average once a minute
 * (`1 − e^(−Δt / 60 s)`), so unknown executions are neither starved nor favoured. A budget
 * scheduler that must choose polls the execution with the highest score first.
 *
 * @param snapshot - the execution's latest snapshot.
 * @param lastPollAt - when that snapshot was fetched, epoch ms.
 * @param now - the current time, epoch ms.
 * @param learned - learned durations, or `undefined` for the neutral assumption alone.
 * @param workflowId - the workflow, when the snapshot does not say.
 * @returns a probability in [0, 1]; 0 for a terminal execution.
 *
 * @example
 * ```ts
 * import { dueScore, type ExecutionSnapshot } from 'runwatch';
 *
 * const snapshot: ExecutionSnapshot = {
 *   provider: 'mine', executionId: 'e1', status: 'running', rawStatus: 'running', steps: [], raw: {},
 * };
 * console.log(dueScore(snapshot, 0, 60_000, undefined).toFixed(2));
 * // Logs: 0.63
 * ```
 */
export function dueScore(
  snapshot: ExecutionSnapshot,
  lastPollAt: number,
  now: number,
  learned: LearnedDurations | undefined,
  workflowId?: string,
): number {
  if (isTerminal(snapshot.status)) return 0;
  const waited = Math.max(0, now - lastPollAt);
  const neutral = 1 - Math.exp(-waited / NEUTRAL_MEAN_MS);
  const phases = learned === undefined ? [] : phasesOf(snapshot, workflowId, learned);
  if (phases.length === 0) return neutral;
  const skew = clockAhead(snapshot, lastPollAt);
  let unchanged = 1;
  for (const { start, estimate } of phases) {
    if (start === undefined || !known(estimate)) {
      unchanged *= 1 - neutral;
      continue;
    }
    const before = estimate.cdf(Math.max(0, lastPollAt + skew - start));
    const after = estimate.cdf(Math.max(0, now + skew - start));
    unchanged *= before >= 1 ? 0 : 1 - (after - before) / (1 - before);
  }
  return Math.min(1, Math.max(0, 1 - unchanged));
}

function known(estimate: DurationEstimate | undefined): estimate is DurationEstimate {
  return estimate !== undefined && estimate.n >= MIN_SAMPLES;
}

function phaseDelay(
  estimate: DurationEstimate,
  elapsed: number,
  next: DurationEstimate | undefined | null,
  policy: BackoffPolicy,
): number {
  const final = next === null;
  const brisk = briskDelay(policy);
  let interval = brisk;
  if (!final) {
    // Seeing this end late only delays the next step's plan, as long as the next step has
    // not ended by then: the interval may grow to the next step's own earliest end.
    const room = known(next) ? next.quantile(MIDDLE_EARLY) : brisk;
    interval = Math.min(Math.max(brisk, estimate.sigma * estimate.medianMs * MIDDLE_SPREAD), Math.max(brisk, room));
  }
  const wakeAt = estimate.quantile(final ? FINAL_EARLY : MIDDLE_EARLY);
  const left = wakeAt - elapsed;
  if (left > interval) {
    // Even hops no longer than maxDelayMs, the last landing on the likely earliest end.
    return left / Math.ceil(left / policy.maxDelayMs);
  }
  const overdue = elapsed - estimate.quantile(OVERDUE);
  return overdue > 0 ? interval + overdue * OVERDUE_GROWTH : interval;
}

/**
 * What is running: the queue while queued, the running steps while running, or the whole
 * execution when the snapshot lists no steps (a bulk summary). `next` is `null` when nothing
 * follows, so the phase's end is the execution's.
 */
function phasesOf(snapshot: ExecutionSnapshot, workflowId: string | undefined, learned: LearnedDurations): Phase[] {
  const workflow = snapshot.workflowId ?? workflowId;
  if (workflow === undefined) return [];
  const est = (stepKey: string): DurationEstimate | undefined =>
    learned.estimate({ provider: snapshot.provider, workflow, stepKey });
  const { steps } = snapshot;
  const waiting = (i: number): boolean => steps[i]!.status === 'pending' || steps[i]!.status === 'queued';
  if (snapshot.status === 'queued') {
    // Steps always follow the queue, listed or not.
    return [{ start: time(snapshot.startedAt), estimate: est(QUEUE_STEP), next: steps[0] && est(steps[0].key) }];
  }
  if (snapshot.status !== 'running') return [];
  if (steps.length === 0) return [{ start: time(snapshot.startedAt), estimate: est(EXECUTION_STEP), next: null }];
  const phases: Phase[] = [];
  steps.forEach((step, i) => {
    if (step.status !== 'running') return;
    const after = steps.findIndex((_, j) => j > i && waiting(j));
    phases.push({
      start: time(step.startedAt),
      estimate: est(step.key),
      next: after < 0 ? null : est(steps[after]!.key),
    });
  });
  return phases;
}

function time(iso: string | undefined): number | undefined {
  const t = iso === undefined ? NaN : Date.parse(iso);
  return Number.isFinite(t) ? t : undefined;
}

/** The most a provider's clock is taken to be ahead of ours: a timestamp later than that is a bad one. */
const MAX_CLOCK_AHEAD_MS = 10 * 60_000;

/**
 * How far the provider's clock is ahead of ours, at least: its latest timestamp past `now`.
 * One more than ten minutes ahead is no clock skew but a bad timestamp (a step "completed" in
 * 2099), and is left out: taken as skew, it made every running step look long overdue.
 */
function clockAhead(snapshot: ExecutionSnapshot, now: number): number {
  const plausible = (iso: string | undefined): number => {
    const ms = time(iso);
    return ms !== undefined && ms - now <= MAX_CLOCK_AHEAD_MS ? ms : -Infinity;
  };
  let latest = plausible(snapshot.startedAt);
  for (const step of snapshot.steps) {
    latest = Math.max(latest, plausible(step.startedAt), plausible(step.completedAt));
  }
  return Math.max(0, latest - now);
}
