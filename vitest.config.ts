import { defineConfig, type ViteUserConfig } from 'vitest/config';

// Tests import packages by their published names; the `@ctxpack/source` export
// condition points those names at `src/` so no build is needed first.
const conditions = ['@ctxpack/source', 'import', 'module', 'node', 'default'];

const config: ViteUserConfig = defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['@ctxpack/source'] } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    pool: 'forks',
    globalSetup: ['test/setup/redis-server.ts'],
    // The JSON report lets .ci/run print one plain "N passed, N failed" line.
    reporters: ['default', ['json', { outputFile: '.out/vitest.json' }]],
  },
});

export default config;
