// A production clone whose `plays` already holds rows identical on the old natural key
// (play_item_id, created_at, signature, user_id) — anonymous bursts do this on mainnet — must migrate
// from scratch: 0003 names a unique index on that key, which such rows make impossible to build, and
// 0008 drops it again. The preflight of 0003 lets the build be skipped; no row may be deleted.
import { existsSync } from 'node:fs';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/db/migrate.js';
import { type TestDb, testBackend } from '../support/db.js';
import { createProductionClone, DUMP } from './support.js';

const IDENTICAL = 5;

describe.skipIf(testBackend() !== 'postgres' || !existsSync(DUMP))(
  'migrating a clone with duplicate-looking plays',
  () => {
    let clone: TestDb;
    let before: { id: number }[];
    let result: { applied: string[]; skipped: number };

    beforeAll(async () => {
      const rows = Array.from(
        { length: IDENTICAL },
        (_, i) => `(${i + 1}, NULL, 500, '2025-04-01 08:30:00', '2025-04-01 08:30:00', 7, '0xburst')`,
      ).join(', ');
      clone = await createProductionClone({
        tweak: `INSERT INTO plays (id, user_id, play_item_id, created_at, updated_at, slot, signature) VALUES ${rows};
              INSERT INTO plays (id, user_id, play_item_id, created_at, updated_at, slot, signature)
              VALUES (100, 3, 501, '2025-04-01 08:31:00', '2025-04-01 08:31:00', 8, '0xrepeat'),
                     (101, 3, 501, '2025-04-01 08:31:00', '2025-04-01 08:31:00', 8, '0xrepeat');`,
      });
      before = (await sql<{ id: number }>`SELECT id FROM plays ORDER BY id`.execute(clone.db)).rows;
      result = await migrate(clone.db);
    }, 600_000);

    afterAll(async () => {
      await clone?.close();
    });

    it('applies every migration and deletes no play', async () => {
      expect(before).toHaveLength(IDENTICAL + 2);
      expect(result.applied).toContain('0003_plays');
      expect(result.applied).toContain('0008_plays_multiset');
      const after = (await sql<{ id: number }>`SELECT id FROM plays ORDER BY id`.execute(clone.db)).rows;
      expect(after).toEqual(before);
    });

    it('leaves no index named after the old natural key, and the guard trigger in place', async () => {
      const idx = await sql<{ indexname: string }>`
      SELECT indexname FROM pg_indexes WHERE tablename = 'plays' ORDER BY 1`.execute(clone.db);
      expect(idx.rows.map((r) => r.indexname)).not.toContain('plays_natural_key_uniq');
      const trg = await sql<{ tgname: string }>`
      SELECT tgname FROM pg_trigger WHERE tgrelid = 'plays'::regclass AND NOT tgisinternal`.execute(clone.db);
      expect(trg.rows.map((r) => r.tgname)).toContain('plays_other_writer');
    });
  },
);
