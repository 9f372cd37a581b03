import type { BudgetTurn, BudgetWait, Clock } from '../core/budget.js';
import { nextPollDelay } from '../core/cadence.js';
import type { WatchEvent, WatchEventReason } from '../core/events.js';
import type { LearnedDurations } from '../core/learned.js';
import type { LoopSource } from '../core/loop.js';
import type { ExecutionSnapshot } from '../core/model.js';
import { samplesFrom } from '../core/samples.js';
import type { ResolvedWatch } from '../core/watch-options.js';

/**
 * How a poll waits for budget: who goes first (when it last polled), who hears about the wait,
 * and whether its request has left (set once the budget let it go).
 */
export interface PollTurn extends BudgetTurn {
  priority: number;
  onWait(wait: BudgetWait): void;
  sent: boolean;
}

/** What every watch of one client shares: made once per client. */
export interface PollHost<Ref, S extends ExecutionSnapshot> {
  readonly provider: string;
  readonly clock: Clock;
  readonly learned: LearnedDurations;
  /** Whether the client plans its polls from learned durations (`adaptive`). */
  readonly adaptive: boolean;
  /** Told of every request and decision (the client's `events`). */
  readonly onEvent: (event: WatchEvent) => void;
  /** One status request, budget included. */
  status(ref: Ref, signal: AbortSignal, turn: PollTurn): Promise<S>;
}

/**
 * One execution's poll through a client: the engine's source, the watch's turn in the budget
 * and its adaptive plan, in one object. As closures they were four functions and their
 * contexts, some 500 B of every watch; a process may hold ten thousand.
 */
export class ClientPoll<Ref, S extends ExecutionSnapshot> implements LoopSource<S>, PollTurn {
  priority = -Infinity;
  sent = true;
  /** The last snapshot polled: the learned durations come from it and the next. */
  private last: S | undefined;

  constructor(
    private readonly host: PollHost<Ref, S>,
    private readonly ref: Ref,
    readonly id: string,
    private readonly loop: ResolvedWatch,
    private readonly apply: ((snapshot: S, signal: AbortSignal) => Promise<S>) | undefined,
  ) {}

  get provider(): string {
    return this.host.provider;
  }

  get onEvent(): (event: WatchEvent) => void {
    return this.host.onEvent;
  }

  async fetch(signal: AbortSignal): Promise<S> {
    const { host } = this;
    this.sent = false;
    const snapshot = await host.status(this.ref, signal, this);
    this.priority = host.clock.now();
    // Learned from the provider's own step timestamps, never from when a poll noticed.
    for (const sample of samplesFrom(this.last, snapshot, snapshot.workflowId)) host.learned.record(sample);
    this.last = snapshot;
    return this.apply === undefined ? snapshot : this.apply(snapshot, signal);
  }

  onWait(wait: BudgetWait): void {
    const { host } = this;
    host.onEvent({
      type: 'wait',
      provider: host.provider,
      executionId: this.id,
      at: host.clock.now(),
      delayMs: wait.delayMs,
      reason: wait.reason,
    });
  }

  /** The adaptive cadence's delay for the next quiet poll, or `undefined` for the policy's. */
  plan(quietPolls: number): { delayMs: number; reason: WatchEventReason } | undefined {
    const { host, last, loop } = this;
    if (!host.adaptive || !loop.adaptive || last === undefined) return undefined;
    const state = { snapshot: last, workflowId: last.workflowId, quietPolls };
    return nextPollDelay(state, host.clock.now(), loop.policy, host.learned, loop.random);
  }
}
