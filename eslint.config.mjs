// ESLint with typescript-eslint's type-checked rules (as openai-node); formatting is
// Prettier's job, so eslint-config-prettier turns off the rules that would fight it.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'docs/api/', 'node_modules/', '.tmp/', 'test-results/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // An AbortSignal's `reason` is what an aborted call rejects with, by the DOM's own
      // convention (fetch does the same); it is typed `any`, and wrapping it would hide it.
      '@typescript-eslint/prefer-promise-reject-errors': [
        'error',
        { allowThrowingAny: true, allowThrowingUnknown: true },
      ],
    },
  },
  {
    // The command is a user of the library like any other (DESIGN.md): it reaches the library
    // through the public entries only, so what it needs is what users can have.
    files: ['src/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?!node:|rxjs$|string-width$|\\./|\\.\\./index\\.js$|\\.\\./testing/index\\.js$)',
              message:
                "The CLI imports only '../index.js' (runwatch), '../testing/index.js' (runwatch/testing), node: built-ins, rxjs and string-width.",
            },
          ],
        },
      ],
    },
  },
  {
    // Plain JavaScript (benches, scripts, the browser example): no type information, so the
    // type-checked rules are off; the globals are those of where each runs.
    files: ['**/*.mjs', '**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: { ...globals.node, ...globals.browser },
    },
  },
  {
    // Tests read raw JSON bodies and spy on methods: asserting an `any` body's shape is the
    // point there (`any` says so), `expect(obj.method)` reads a method without calling it, and fakes of
    // async APIs are `async` without awaiting anything.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      // Tests of the terminal display read its escape codes and control characters.
      'no-control-regex': 'off',
    },
  },
  prettier,
);
