import { defineConfig } from 'vitest/config';

// The production-shape test (npm run test:deployment): a real Temporal server on PostgreSQL with
// mTLS, and zinc as separate processes. Its own command, one file at a time.
export default defineConfig({
  test: {
    include: ['test/deployment/**/*.test.ts'],
    testTimeout: 1_200_000,
    hookTimeout: 1_500_000,
    pool: 'forks',
    maxWorkers: 1,
    env: { ZINC_CONFIG_SERVICE_PORT: '0', ZINC_METRICS_ADDRESS: '127.0.0.1:0' },
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
