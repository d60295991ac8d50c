import { defineConfig } from 'vitest/config';

// Integration tests start real servers (Temporal dev server, PostgreSQL...), so they get
// generous timeouts and at most two test files run at once on a 2-core machine.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The production-shape test has its own command (npm run test:deployment).
    exclude: ['test/deployment/**', '**/node_modules/**'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    maxWorkers: 2,
    // Every `zinc up` and `zinc worker core` a test starts serves the configuration service:
    // on a free port, so test files running side by side never fight over 7350.
    // The same for the metrics endpoint of every serving process.
    env: { ZINC_CONFIG_SERVICE_PORT: '0', ZINC_METRICS_ADDRESS: '127.0.0.1:0' },
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
