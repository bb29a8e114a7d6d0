// (d) An older production shape: the superseded public dump, without the API's track_collaborators
// migration, and with subscriptions.entity_type removed as in production before go-openaudio 0029 —
// the shape on which 0004 used to fail ("column entity_type does not exist"). The preflights add what
// 0004–0006 need, 0009 adds the rest; then a chain indexes with the same outcomes as on a fresh database.
import { existsSync } from 'node:fs';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalog, dryRun, migrate } from '../../src/db/migrate.js';
import { createTestDb, type TestDb, testBackend } from '../support/db.js';
import { createProductionClone, indexSimChain, OLD_DUMP } from './support.js';

const SEED = 7;
const BLOCKS = 200;

describe.skipIf(testBackend() !== 'postgres' || !existsSync(OLD_DUMP))(
  'migrating an older production shape',
  () => {
    let old: TestDb;
    let fresh: TestDb;
    beforeAll(async () => {
      old = await createProductionClone({
        dump: OLD_DUMP,
        afterDump: false,
        tweak: 'ALTER TABLE subscriptions DROP COLUMN entity_type CASCADE',
      });
      fresh = await createTestDb();
    }, 600_000);
    afterAll(async () => {
      await old?.close();
      await fresh?.close();
    });

    it('dry run first: lists the preflight and what 0009 changes, and changes nothing', async () => {
      const before = await catalog(old.db);
      const plan = await dryRun(old.db);
      expect(plan.failure).toBeUndefined();
      const p4 = plan.pending.find((p) => p.file === '0004_social_graph.sql')!;
      expect(p4.preflight).toBe('preflight/0004_social_graph.sql');
      expect(p4.changes).toContain(`+ column subscriptions.entity_type: text NOT NULL DEFAULT 'User'::text`);
      expect(p4.changes).toContain('+ table track_collaborators: table');
      const p9 = plan.pending.find((p) => p.file === '0009_production_schema.sql')!;
      expect(p9.changes).toContain('+ column track_collaborators.invited_by: integer NOT NULL');
      expect(await catalog(old.db)).toEqual(before);
    });

    it('migrates (preflights recorded, 0001–0007 checksums as in the files), then a second run is a no-op', async () => {
      const res = await migrate(old.db);
      expect(res.applied).toContain('0004_social_graph');
      const ledger = await sql<{ version: number; preflight: boolean }>`
      SELECT version, preflight_checksum IS NOT NULL AS preflight FROM metronome_migrations ORDER BY version`.execute(
        old.db,
      );
      expect(ledger.rows.filter((r) => r.preflight).map((r) => r.version)).toEqual([3, 4, 5, 6, 8]);
      const tmpl = await sql<{ version: number; checksum: string }>`
      SELECT version, checksum FROM metronome_migrations ORDER BY version`.execute(fresh.db);
      const oldSums = await sql<{ version: number; checksum: string }>`
      SELECT version, checksum FROM metronome_migrations ORDER BY version`.execute(old.db);
      expect(oldSums.rows).toEqual(tmpl.rows);
      const before = await catalog(old.db);
      expect((await migrate(old.db)).applied).toEqual([]);
      expect(await catalog(old.db)).toEqual(before);
    });

    it('indexes a chain with no failed tx and the same outcome for every tx as a fresh database', async () => {
      await Promise.all([indexSimChain(old.db, SEED, BLOCKS), indexSimChain(fresh.db, SEED, BLOCKS)]);
      const outcomes = (db: TestDb) =>
        sql`SELECT block_height, tx_index, outcome, reason_code, reason FROM etl_transactions ORDER BY 1, 2`
          .execute(db.db)
          .then((r) => r.rows);
      const [a, b] = [await outcomes(old), await outcomes(fresh)];
      expect(a.length).toBeGreaterThan(500);
      expect(a.filter((r) => (r as { outcome: string }).outcome === 'failed')).toEqual([]);
      expect(a).toEqual(b);
    }, 600_000);
  },
);
