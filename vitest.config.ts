import { defineConfig } from 'vitest/config';

// Three tiers, run as vitest projects (`vitest run --project quick`):
//   quick — unit and integration tests: the edit-test loop (`pnpm test:quick`);
//   slow  — simulator runs, property tests, incident scenarios, production-dump contracts (minutes each);
//   e2e   — the built daemon against real outage windows (E2E_ROUNDS rounds each).
// Timeouts are hang guards, not speed limits: a loaded machine makes a test slower, never red, so each is
// several times the slowest run seen on a loaded 2-core machine.
const SLOW = [
  'test/sim/**/*.test.ts',
  'test/property/**/*.test.ts',
  'test/**/*.property.test.ts',
  'test/challenges/property.test.ts',
  // Production-contract tests load the public production dump: minutes each.
  'test/production/**/*.test.ts',
  // The handler parity corpus (~480 cases, a fresh database each) and the 10,000-tx hostile sweep.
  'test/parity/**/*.test.ts',
  'test/handlers/hostile-sweep.test.ts',
];
const E2E = ['test/e2e/**'];
const MINUTE = 60_000;

export default defineConfig({
  test: {
    // The root project's global setup runs once and its provided context reaches every project; the
    // projects below do not extend the root config, so no project starts a second cluster.
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    // Two cores: more workers only thrash the database server.
    maxWorkers: 2,
    reporters: ['default'],
    projects: [
      {
        test: {
          name: 'quick',
          include: ['test/**/*.test.ts'],
          // A worker process runs file after file with its module cache kept: most files import the whole
          // block path (seconds per file on a loaded machine; ~185 s of the suite's import time), and no file
          // keeps state between files (each opens and closes its own databases, servers and registries).
          isolate: false,
          exclude: [...SLOW, ...E2E],
          testTimeout: 10 * MINUTE,
          hookTimeout: 10 * MINUTE,
        },
      },
      {
        test: {
          name: 'slow',
          include: [...SLOW, 'scenarios/**/*.test.ts'],
          isolate: false,
          testTimeout: 30 * MINUTE,
          hookTimeout: 30 * MINUTE,
        },
      },
      {
        test: {
          name: 'e2e',
          include: E2E,
          testTimeout: 20 * MINUTE,
          hookTimeout: 20 * MINUTE,
        },
      },
    ],
  },
});
