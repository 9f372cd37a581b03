import { describe, expect, it } from 'vitest';
import { diff } from '../../src/index.js';
import { snap, step } from '../helpers/snapshots.js';

describe('diff', () => {
  it('describes the initial state: steps added in order, then the status from undefined', () => {
    const changes = diff(undefined, snap('running', [step('a', 'completed'), step('b', 'running')]));
    expect(changes.map((c) => [c.type, 'step' in c ? c.step.key : undefined])).toEqual([
      ['step-added', 'a'],
      ['step-added', 'b'],
      ['execution-status', undefined],
    ]);
    expect(changes.at(-1)).toEqual({ type: 'execution-status', executionId: 'e1', from: undefined, to: 'running' });
  });

  it('orders step changes in step order, then execution-output, then execution-status last', () => {
    const before = snap('running', [step('a', 'running'), step('b', 'pending')]);
    const after = snap('completed', [step('a', 'completed'), step('b', 'completed'), step('c', 'completed')], {
      output: ['x'],
    });
    expect(diff(before, after).map((c) => `${c.type}${'step' in c ? `:${c.step.key}` : ''}`)).toEqual([
      'step-status:a',
      'step-status:b',
      'step-added:c',
      'execution-output',
      'execution-status',
    ]);
  });

  it('reports a step status change with from and to', () => {
    const [change] = diff(snap('running', [step('a', 'running')]), snap('running', [step('a', 'failed')]));
    expect(change).toMatchObject({ type: 'step-status', from: 'running', to: 'failed', step: { key: 'a' } });
  });

  it('compares outputs by value, not identity', () => {
    const a = snap('running', [step('s', 'completed', { output: { urls: ['u1'] } })], { output: { n: [1, 2] } });
    const b = snap('running', [step('s', 'completed', { output: { urls: ['u1'] } })], { output: { n: [1, 2] } });
    expect(diff(a, b)).toEqual([]);
    const c = snap('running', [step('s', 'completed', { output: { urls: ['u2'] } })], { output: { n: [1, 2, 3] } });
    expect(diff(a, c).map((x) => x.type)).toEqual(['step-output', 'execution-output']);
  });

  it('emits step-output after step-added for a step that arrives with output', () => {
    const changes = diff(undefined, snap('completed', [step('s', 'completed', { output: 'hi' })], { output: 'hi' }));
    expect(changes.map((c) => c.type)).toEqual(['step-added', 'step-output', 'execution-output', 'execution-status']);
  });

  it('does not treat a re-signed presigned URL as new output', () => {
    const a = snap('running', [step('s', 'completed', { outputUrl: 'https://cdn.test/o.json?sig=1' })]);
    const b = snap('running', [step('s', 'completed', { outputUrl: 'https://cdn.test/o.json?sig=2' })]);
    expect(diff(a, b)).toEqual([]);
    const c = snap('running', [step('s', 'completed', { outputUrl: 'https://cdn.test/other.json?sig=3' })]);
    expect(diff(a, c).map((x) => x.type)).toEqual(['step-output']);
  });

  it('is empty when nothing a user can see changed', () => {
    expect(
      diff(
        snap('running', [step('a', 'running')]),
        snap('running', [step('a', 'running')], { raw: { updated: 'later' } }),
      ),
    ).toEqual([]);
  });
});
