import { defineConfig } from 'tsup';

const external = ['rxjs', 'zod', 'cross-fetch', /^node:/];

export default defineConfig([
  // ESM, one file per module: with `sideEffects: false` a bundler drops whole modules a user
  // does not import (a provider's schemas are built at module load, so inside one big file
  // they could not be shaken out).
  {
    entry: ['src/**/*.ts', '!src/cli/**', '!src/**/*.md'],
    format: ['esm'],
    bundle: false,
    dts: {
      entry: { index: 'src/index.ts', 'testing/index': 'src/testing/index.ts', 'server/index': 'src/server/index.ts' },
    },
    sourcemap: true,
    clean: false,
    target: 'es2022',
    platform: 'neutral',
    external,
  },
  // Node: both entries bundled, sharing chunks, with the zod/mini they use inlined. Node does
  // not tree-shake, and importing zod/mini itself loads some 90 modules (its 64 locales among
  // them): that made a cold `import('runwatch')` take 1.5× as long as rxjs's (bench/import.mjs).
  // Bundlers and browsers keep the per-module build above (and share zod with the app).
  {
    entry: { index: 'src/index.ts', 'testing/index': 'src/testing/index.ts', 'server/index': 'src/server/index.ts' },
    outDir: 'dist/node',
    format: ['esm'],
    bundle: true,
    splitting: true,
    sourcemap: true,
    clean: false,
    target: 'es2022',
    platform: 'node',
    external: ['rxjs', 'cross-fetch'],
    noExternal: [/^zod/],
  },
  // CommonJS, one file per entry: require() users do not tree-shake anyway.
  {
    entry: { index: 'src/index.ts', 'testing/index': 'src/testing/index.ts', 'server/index': 'src/server/index.ts' },
    format: ['cjs'],
    dts: true,
    sourcemap: true,
    clean: false,
    target: 'es2022',
    platform: 'node',
    external,
  },
  {
    entry: { 'cli/main': 'src/cli/main.ts' },
    format: ['esm'],
    sourcemap: true,
    clean: false,
    target: 'node18',
    platform: 'node',
    // tsup leaves dependencies and peers (rxjs, zod, cross-fetch) external and bundles the
    // rest; string-width is a devDependency the command needs, so it must be bundled: the
    // package does not ship it. Said here so that moving it to dependencies cannot change that.
    noExternal: ['string-width'],
    banner: { js: '#!/usr/bin/env node' },
  },
]);
