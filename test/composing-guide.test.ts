// docs/composing.md's resume example: type-checked as a user's file and run against the
// simulator; it logs whether any change was repeated across the kill and the restart.
import { pathToFileURL } from 'node:url';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { expectedLogs, guideBlocks, typeCheck } from './helpers/guide.js';

const blocks = guideBlocks('docs/composing.md', 'Resume after a restart');

describe('docs/composing.md, "Resume after a restart"', () => {
  afterEach(() => vi.restoreAllMocks());

  it('type-checks against the public entry points', () => {
    expect(blocks).toHaveLength(1);
    const failures = typeCheck(blocks);
    expect(failures, failures.join('\n')).toEqual([]);
  }, 60_000);

  it('runs: killed after two updates, restarted from the file, it repeats nothing and ends completed', async () => {
    const logged: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      logged.push(args.map((a) => (typeof a === 'string' ? a : inspect(a))).join(' '));
    });
    await import(pathToFileURL(blocks[0]!.runnable).href);
    expect(logged).toEqual(expectedLogs(blocks[0]!.code));
  }, 30_000);
});
