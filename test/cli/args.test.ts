import { describe, expect, it } from 'vitest';
import { UsageError, parseCommand, parseInputs } from '../../src/cli/args.js';
import { HELP } from '../../src/cli/help.js';
import { candidateSecrets } from '../../src/cli/io.js';

const KEY = 'sk-cli-test-5f3a9c';

function usage(argv: string[], env: Record<string, string> = {}): UsageError {
  try {
    parseCommand(argv, env);
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error(`expected a usage error for ${argv.join(' ')}`);
}

describe('parseCommand', () => {
  it('parses watch with several ids, taking the key from the provider variable', () => {
    const command = parseCommand(['watch', 'eachlabs', 'a', 'b', 'a', '--json', '--max-wait', '5000'], {
      EACHLABS_API_KEY: KEY,
    });
    expect(command).toEqual({
      command: 'watch',
      provider: 'eachlabs',
      apiKey: KEY,
      baseUrl: undefined,
      api: undefined,
      maxWaitMs: 5000,
      json: true,
      ids: ['a', 'b'],
      workflowId: undefined,
    });
  });

  it('prefers --api-key to the environment, and reads only the provider’s own variable', () => {
    const command = parseCommand(['watch', 'datalab', '1', '--api-key', KEY], { DATALAB_API_KEY: 'from-env' });
    expect(command).toMatchObject({ apiKey: KEY });
    expect(usage(['watch', 'datalab', '1'], { EACHLABS_API_KEY: KEY }).message).toContain('DATALAB_API_KEY');
  });

  it('needs --workflow for modelslab and refuses it elsewhere', () => {
    expect(usage(['watch', 'modelslab', '12345', '--api-key', KEY]).message).toContain('--workflow');
    expect(parseCommand(['watch', 'modelslab', '12345', '--workflow', 'wf', '--api-key', KEY], {})).toMatchObject({
      workflowId: 'wf',
    });
    expect(usage(['watch', 'eachlabs', 'x', '--workflow', 'wf', '--api-key', KEY]).message).toContain('modelslab only');
  });

  it('parses run with string and JSON inputs and the EachLabs version', () => {
    const command = parseCommand(
      [
        'run',
        'eachlabs',
        'wf-1',
        '--input',
        'prompt=a=b',
        '--input',
        'steps:=30',
        '--version-id',
        'v2',
        '--api',
        'current',
      ],
      { EACHLABS_API_KEY: KEY },
    );
    expect(command).toMatchObject({
      command: 'run',
      workflowId: 'wf-1',
      inputs: { prompt: 'a=b', steps: 30 },
      versionId: 'v2',
      api: 'current',
    });
  });

  it.each([
    [[], undefined],
    [['frobnicate'], undefined],
    [['--frob'], undefined],
    [['watch'], 'watch'],
    [['watch', 'eachlabs'], 'watch'],
    [['watch', 'eachlabs', 'x', '--bogus'], 'watch'],
    [['watch', 'eachlabs', 'x', '--max-wait', '-5'], 'watch'],
    [['watch', 'eachlabs', 'x', '--max-wait', '1.5'], 'watch'],
    [['watch', 'eachlabs', 'x', '--base-url', 'not a url'], 'watch'],
    [['watch', 'datalab', 'x', '--api', 'legacy'], 'watch'],
    [['run', 'modelslab'], 'run'],
    [['run', 'modelslab', 'wf', 'extra'], 'run'],
    [['run', 'datalab', '7', '--input', 'novalue'], 'run'],
    [['run', 'datalab', '7', '--input', 'n:={bad'], 'run'],
    [['demo', 'extra'], 'demo'],
  ])('refuses %j as a usage error', (argv, command) => {
    const error = usage([...argv], { EACHLABS_API_KEY: KEY, DATALAB_API_KEY: KEY, MODELSLAB_API_KEY: KEY });
    expect(error.command).toBe(command);
  });

  it('parses simulate with an optional --port from 0 to 65535', () => {
    expect(parseCommand(['simulate'], {})).toEqual({ command: 'simulate', port: undefined });
    expect(parseCommand(['simulate', '--port', '8787'], {})).toEqual({ command: 'simulate', port: 8787 });
    expect(parseCommand(['simulate', '--port=0'], {})).toEqual({ command: 'simulate', port: 0 });
    expect(parseCommand(['simulate', '-h'], {})).toEqual({ command: 'help', topic: 'simulate' });
    for (const port of ['-1', '65536', '1.5', 'abc', '', '123456']) {
      const error = usage(['simulate', `--port=${port}`]);
      expect(error).toMatchObject({
        command: 'simulate',
        message: `--port must be a whole number from 0 to 65535, got '${port}'`,
      });
    }
    expect(usage(['simulate', 'extra']).command).toBe('simulate');
    expect(usage(['simulate', '--api-key', KEY]).message).not.toContain(KEY);
    expect(HELP.simulate.split('\n')[0]).toBe('Usage: runwatch simulate [--port <n>]');
    expect(HELP.main).toContain('runwatch simulate [--port <n>]');
  });

  it('never echoes an unknown provider (it may be a key typed in the wrong place)', () => {
    const error = usage(['watch', KEY, 'x']);
    expect(error.message).not.toContain(KEY);
    expect(error.message).toContain('modelslab, eachlabs, datalab');
  });

  it('answers --help on every command and --version at the top', () => {
    expect(parseCommand(['--help'], {})).toEqual({ command: 'help', topic: 'main' });
    expect(parseCommand(['demo', '--help'], {})).toEqual({ command: 'help', topic: 'demo' });
    // --help wins over what is missing: no key, no id.
    expect(parseCommand(['watch', '--help'], {})).toEqual({ command: 'help', topic: 'watch' });
    expect(parseCommand(['run', '-h'], {})).toEqual({ command: 'help', topic: 'run' });
    expect(parseCommand(['--version'], {})).toEqual({ command: 'version' });
  });
});

describe('parseInputs', () => {
  it('reads key=value as a string and key:=json as JSON', () => {
    expect(parseInputs(['a=1', 'b:=1', 'c:=["x"]', 'd=', 'e:=null'])).toEqual({
      a: '1',
      b: 1,
      c: ['x'],
      d: '',
      e: null,
    });
  });

  it('keeps an input named __proto__ as an input of that name, as a string or as JSON', () => {
    for (const pair of ['__proto__=x', '__proto__:={"x":1}']) {
      const inputs = parseInputs(['prompt=fox', pair]);
      expect(Object.getPrototypeOf(inputs), pair).toBe(Object.prototype);
      expect(Object.keys(inputs), pair).toEqual(['prompt', '__proto__']);
      expect(JSON.parse(JSON.stringify(inputs)) as unknown, pair).toHaveProperty(['__proto__']);
    }
  });
});

describe('usage errors echo no value that may be a key', () => {
  it.each([
    ['a key fused to --api-key', ['watch', 'eachlabs', 'x', `--api-key${KEY}`]],
    ['a key pasted as an option', ['watch', 'eachlabs', 'x', `--${KEY}`]],
    ['a key pasted as a command', [KEY, 'eachlabs', 'x']],
    ['a key pasted after the workflow id', ['run', 'eachlabs', 'wf-1', KEY]],
  ])('%s', (_name, argv) => {
    const error = usage(argv);
    expect(error.message).not.toContain(KEY);
    expect(error.message).not.toContain('5f3a9c');
  });

  it('still names a mistyped command or option, which is no key', () => {
    expect(usage(['wacth']).message).toBe("Unknown command 'wacth'");
    expect(usage(['watch', 'eachlabs', 'x', '--bogus', '--api-key', KEY]).message).toBe("Unknown option '--bogus'.");
  });
});

describe('candidateSecrets', () => {
  it('finds a key fused to --api-key (no space, no =), and keys of any length', () => {
    expect(candidateSecrets(['watch', `--api-key${KEY}`], {})).toEqual([KEY]);
    expect(candidateSecrets(['watch', '--api-key', 'k9Z'], { DATALAB_API_KEY: 'ab' }).sort()).toEqual(['ab', 'k9Z']);
  });

  it('finds keys in both --api-key forms and in the provider variables', () => {
    expect(
      candidateSecrets(['watch', '--api-key', 'key-one', '--api-key=key-two'], {
        MODELSLAB_API_KEY: 'key-three',
        HOME: '/root',
      }).sort(),
    ).toEqual(['key-one', 'key-three', 'key-two']);
  });
});
