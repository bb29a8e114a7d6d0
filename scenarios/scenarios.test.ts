// Every scenario runs twice: against our indexer (no violation) and against each reproduction of the
// original mistake (it must fail on the named invariant). The output names the invariant that caught it.
import { describe, expect, inject, it } from 'vitest';
import { createTestDb } from '../test/support/db.js';
import { SCENARIOS } from './index.js';
import type { ScenarioEnv } from './scenario.js';

const backend = inject('dbBackend');
const env: ScenarioEnv = {
  db: backend === 'postgres' ? inject('dbServerUrl') : 'pglite://memory',
  freshDb: () => createTestDb(),
};

for (const s of SCENARIOS) {
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
