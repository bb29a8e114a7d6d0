// The tests of one scenario: against our indexer (no violation) and against each reproduction of the
// original mistake (it must fail on the named invariant; the output names the invariant that caught it).
// One test file per scenario, so the slow ones spread over the test workers.
import { describe, expect, inject, it } from 'vitest';
import { createTestDb } from '../test/support/db.js';
import type { Scenario, ScenarioEnv } from './scenario.js';

export function scenarioSuite(s: Scenario): void {
  const backend = inject('dbBackend');
  const env: ScenarioEnv = {
    db: backend === 'postgres' ? inject('dbServerUrl') : 'pglite://memory',
    freshDb: () => createTestDb(),
  };
  describe.runIf(!s.needsPostgres || backend === 'postgres')(`scenario ${s.id}: ${s.title}`, () => {
    it('holds on our indexer', async () => {
      const r = await s.ours(env);
      if (r.figures) console.log(`[scenario ${s.id}] ours:`, JSON.stringify(r.figures));
      expect(r.violations).toEqual([]);
    });
    for (const bug of s.bugs) {
      it(`catches the bug "${bug.name}" with ${bug.catches}`, async () => {
        const r = await bug.run(env);
        const caught = [...new Set(r.violations.map((v) => v.invariant))];
        console.log(`[scenario ${s.id}] bug "${bug.name}" caught by: ${caught.join(', ') || 'nothing'}`);
        if (r.figures) console.log(`[scenario ${s.id}] bug figures:`, JSON.stringify(r.figures));
        expect(caught).toContain(bug.catches);
      });
    }
  });
}
