import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

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
  // These start processes (the CLI under tsx, clusters to be SIGKILLed): 55–130 s each, too slow for the
  // edit-test loop.
  'test/cli/cli.test.ts',
  'test/harness/cluster-teardown.test.ts',
  'test/entity-manager/handlers-command.test.ts',
];
const E2E = ['test/e2e/**'];
const MINUTE = 60_000;

// The longest files, longest first, from runs of each file on 2026-11-30 (a loaded machine; the order is
// what matters). Vitest orders files by cached duration, and a clean checkout has no cache, so without this
// a long file can start last and run alone at the end.
const LONGEST_FIRST = [
  'test/sim/coverage.test.ts',
  'test/sim/shrink.test.ts',
  'test/cli/cli.test.ts',
  'scenarios/881-plays-not-bridged.test.ts',
  'test/production/triggers-oracle.test.ts',
  'scenarios/885-dual-writer-halt.test.ts',
  'scenarios/877-challenge-full-scan-wedge.test.ts',
  'scenarios/200-em-block-sequencing.test.ts',
  'scenarios/crash-matrix.test.ts',
  'scenarios/880-gin-any-vs-contains.test.ts',
  'scenarios/17-plays-multiset.test.ts',
  'test/handlers/hostile-sweep.test.ts',
  'test/challenges/property.test.ts',
  'test/sim/invariants-catch.test.ts',
  'scenarios/block-file-replay.test.ts',
  'test/production/cutover.test.ts',
  'test/harness/cluster-teardown.test.ts',
];

class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification) => {
      const i = LONGEST_FIRST.findIndex((p) => f.moduleId.endsWith(p));
      return i === -1 ? LONGEST_FIRST.length : i;
    };
    // Array.prototype.sort is stable: unlisted files keep vitest's own order.
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  test: {
    // The root project's global setup runs once and its provided context reaches every project; the
    // projects below do not extend the root config, so no project starts a second cluster.
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    sequence: { sequencer: LongestFirst },
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
