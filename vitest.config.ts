import { defineConfig, type ViteUserConfig } from 'vitest/config';

// Tests import packages by their published names; the `@ctxpack/source` export
// condition points those names at `src/` so no build is needed first.
const conditions = ['@ctxpack/source', 'import', 'module', 'node', 'default'];

// Two disjoint lanes. `fast`: the packages' unit tests, in-process, seconds to
// a minute (`pnpm test:fast`). `full`: everything the fast lane leaves out —
// tests that start redis-server, chromium, real MCP servers or the built CLI,
// property and differential loops, and the cross-package suites in test/.
// `pnpm test` runs both, and is what CI runs.
const slowUnitTests = [
  'packages/replay-redis/test/**/*.test.ts',
  'packages/cli/test/cli.test.ts',
  'packages/cli/test/bench-command.test.ts',
  'packages/cli/test/html-report-chromium.test.ts',
  'packages/mcp/test/real-servers.test.ts',
  'packages/budget/test/tokenizer-differential.test.ts',
  'packages/serialize/test/sdk-types.test.ts',
  'packages/*/test/**/*properties*.test.ts',
];

const config: ViteUserConfig = defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['@ctxpack/source'] } },
  test: {
    testTimeout: 30_000,
    pool: 'forks',
    setupFiles: ['test/setup/fast-check-seed.ts'],
    // The JSON report lets .ci/run print one plain "N passed, N failed" line.
    reporters: ['default', ['json', { outputFile: '.out/vitest.json' }]],
    projects: [
      {
        extends: true,
        test: { name: 'fast', include: ['packages/*/test/**/*.test.ts'], exclude: slowUnitTests },
      },
      {
        extends: true,
        test: {
          name: 'full',
          include: [...slowUnitTests, 'test/**/*.test.ts'],
          globalSetup: ['test/setup/redis-server.ts'],
        },
      },
    ],
  },
});

export default config;
