import { describe, expect, it } from 'vitest';
import { samplesFrom, type ExecutionSnapshot, type StepSnapshot } from '../../src/index.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString();

function step(key: string, status: StepSnapshot['status'], from?: number, to?: number): StepSnapshot {
  const s: StepSnapshot = { key, name: key, status, rawStatus: status };
  if (from !== undefined) s.startedAt = at(from);
  if (to !== undefined) s.completedAt = at(to);
  return s;
}

function snapshot(status: ExecutionSnapshot['status'], steps: StepSnapshot[], extra: Partial<ExecutionSnapshot> = {}) {
  const s: ExecutionSnapshot = {
    provider: 'eachlabs',
    executionId: 'e1',
    workflowId: 'wf-1',
    status,
    rawStatus: status,
    startedAt: at(0),
    steps,
    raw: null,
    ...extra,
  };
  return s;
}

const brief = (samples: ReturnType<typeof samplesFrom>) => samples.map((s) => [s.stepKey, s.durationMs]);

describe('samplesFrom', () => {
  it('on the first poll, takes every completed step and the queue time, keyed by provider, workflow and execution', () => {
    const current = snapshot('running', [
      step('a', 'completed', 4, 10),
      step('b', 'running', 10),
      step('c', 'pending'),
    ]);
    const samples = samplesFrom(undefined, current);
    expect(brief(samples)).toEqual([
      ['a', 6_000],
      ['(queue)', 4_000],
    ]);
    expect(samples[0]).toMatchObject({ provider: 'eachlabs', workflow: 'wf-1', executionId: 'e1' });
  });

  it('then takes only what just completed, each once, and the whole execution when it completes', () => {
    const one = snapshot('running', [step('a', 'completed', 4, 10), step('b', 'running', 10)]);
    const two = snapshot('running', [step('a', 'completed', 4, 10), step('b', 'running', 10)]);
    const three = snapshot('completed', [step('a', 'completed', 4, 10), step('b', 'completed', 10, 25)], {
      completedAt: at(25),
    });
    expect(brief(samplesFrom(one, two))).toEqual([]);
    expect(brief(samplesFrom(two, three))).toEqual([
      ['b', 15_000],
      ['(execution)', 25_000],
    ]);
    expect(brief(samplesFrom(three, three))).toEqual([]);
  });

  it('takes the queue time when the first step starts, measured from the execution start', () => {
    const queued = snapshot('queued', [step('a', 'pending')]);
    const started = snapshot('running', [step('a', 'running', 7)]);
    expect(brief(samplesFrom(undefined, queued))).toEqual([]);
    expect(brief(samplesFrom(queued, started))).toEqual([['(queue)', 7_000]]);
  });

  it('learns nothing from failed, cancelled or skipped steps, nor from a failed execution', () => {
    const current = snapshot(
      'failed',
      [step('a', 'failed', 0, 5), step('b', 'cancelled', 5, 6), step('c', 'skipped', 6, 7)],
      { completedAt: at(7) },
    );
    expect(brief(samplesFrom(undefined, current))).toEqual([]);
  });

  it('leaves out spans that lack a timestamp or are not positive', () => {
    const current = snapshot(
      'running',
      [step('a', 'completed', 5), step('b', 'completed', 9, 9), step('c', 'completed', 9, 3)],
      {
        startedAt: at(5),
      },
    );
    expect(brief(samplesFrom(undefined, current))).toEqual([]);
  });

  it('uses the given workflow when the snapshot has none, and gives nothing without one', () => {
    const current = snapshot('running', [step('a', 'completed', 0, 2)]);
    delete current.workflowId;
    expect(samplesFrom(undefined, current)).toEqual([]);
    expect(samplesFrom(undefined, current, 'wf-9').map((s) => s.workflow)).toEqual(['wf-9']);
  });
});
