import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // bench/ holds tests of its own helpers beside them
    include: ['test/**/*.test.ts', 'bench/**/*.test.ts'],
    setupFiles: ['test/setup/fast-check.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // tfjs-core's ESM dist (gradients) is loaded by Node through the hook in
    // src/runtime/backends/gradients.ts; letting vite transform its ~900 files costs ~5 s per file.
    server: { deps: { external: [/@tensorflow\/tfjs-core\/dist\//] } },
    typecheck: {
      enabled: true,
      include: ['test/**/*.test-d.ts'],
      tsconfig: './tsconfig.json',
    },
  },
})
