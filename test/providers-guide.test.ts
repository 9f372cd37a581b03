// docs/providers.md shows a whole fourth provider in one block: it must type-check against
// the public API as written, and run, logging what its `// Logs:` lines say.
import { pathToFileURL } from 'node:url';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { expectedLogs, guideBlocks, typeCheck } from './helpers/guide.js';

const blocks = guideBlocks('docs/providers.md', 'Write your own adapter');

describe('docs/providers.md, "Write your own adapter"', () => {
  afterEach(() => vi.restoreAllMocks());

  it('has one block, which type-checks against the public entry point', () => {
    expect(blocks).toHaveLength(1);
    const failures = typeCheck(blocks);
    expect(failures, failures.join('\n')).toEqual([]);
  }, 60_000);

  it('runs: the adapter folder watches a scripted job to completion, logging what it says', async () => {
    const logged: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      logged.push(args.map((a) => (typeof a === 'string' ? a : inspect(a))).join(' '));
    });
    await import(pathToFileURL(blocks[0]!.runnable).href);
    expect(logged).toEqual(expectedLogs(blocks[0]!.code));
    expect(logged.length).toBeGreaterThan(0);
  });
});
