// Issue 17 cutover: a production clone whose `plays` already holds rows identical on
// (play_item_id, created_at, signature, user_id) migrates — 0008 builds what the bridge relies on without
// deleting a row — and then indexes blocks whose plays overlap those rows, by multiplicity.
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { insertLegacyPlay } from '../../sim/legacy-writer.js';
import type { PlaysTx } from '../../src/chain/types.js';
import { DEFAULT_MIGRATIONS_DIR, migrate } from '../../src/db/migrate.js';
import { indexBlock } from '../../src/indexer/index-block.js';
import { blockAt, playsTx, TestChain } from '../support/chain.js';
import { createTestDb, type TestDb } from '../support/db.js';

/** The migrations a clone has before this change: 0001–0007. */
function migrationsBefore0008(): string {
  const dir = mkdtempSync(join(tmpdir(), 'metronome-pre0008-'));
  for (const f of readdirSync(DEFAULT_MIGRATIONS_DIR))
    if (/^000[1-7]_.*\.sql$/.test(f)) copyFileSync(join(DEFAULT_MIGRATIONS_DIR, f), join(dir, f));
  return dir;
}

const SECOND = '2025-04-01T08:30:00Z';
const burst = (n: number, sig: string) =>
  Array.from({ length: n }, (_, i) => ({
    userId: `anon-${i}`,
    trackId: '500',
    timestamp: SECOND,
    signature: sig,
  }));

describe('plays cutover onto a clone holding duplicate-looking plays', () => {
  let t: TestDb;
  let pre: string;
  beforeEach(async () => {
    t = await createTestDb({ migrated: false });
    pre = migrationsBefore0008();
  });
  afterEach(async () => {
    rmSync(pre, { recursive: true, force: true });
    await t?.close();
  });

  for (const clone of ['production (never had the content-unique index)', 'metronome before 0008 (has it)']) {
    it(`migrates and indexes with nothing deleted: ${clone}`, async () => {
      await migrate(t.db, pre);
      const hadIndex = clone.startsWith('metronome');
      // Production never built plays_natural_key_uniq; its rows were written without it. A metronome
      // database before this change has it, and so at most one row per content key.
      if (!hadIndex) await sql`DROP INDEX plays_natural_key_uniq`.execute(t.db);
      const copies = hadIndex ? 1 : 6;
      const oldCopies = hadIndex ? 1 : 4;
      // The clone's rows: `copies` identical anonymous plays of the block we will index (the chain has 9),
      // and identical plays of an older block we will not index.
      const ours = blockAt(20, [playsTx(burst(9, '0xcut'))]);
      const older = blockAt(3, [playsTx(burst(oldCopies, '0xold'))]);
      for (const p of (ours.txs[0] as PlaysTx).plays.slice(0, copies))
        expect(await insertLegacyPlay(t.db, p, 20, ours.timestamp)).toBe(true);
      for (const p of (older.txs[0] as PlaysTx).plays)
        expect(await insertLegacyPlay(t.db, p, 3, older.timestamp)).toBe(true);
      const before = await sql<{ id: number }>`SELECT id FROM plays ORDER BY id`.execute(t.db);

      const res = await migrate(t.db);
      // 0008 first, then the later migrations (0009, 0010) the clone has not seen either.
      expect(res.applied[0]).toBe('0008_plays_multiset');
      const idx = await sql<{ indexname: string }>`
        SELECT indexname FROM pg_indexes WHERE tablename IN ('plays', 'etl_plays') ORDER BY 1`.execute(t.db);
      expect(idx.rows.map((r) => r.indexname)).not.toContain('plays_natural_key_uniq');
      expect(idx.rows.map((r) => r.indexname)).toContain('etl_plays_content_idx');
      // Every statement of 0008 is idempotent: applying the file again changes nothing and fails nothing.
      const text = readFileSync(join(DEFAULT_MIGRATIONS_DIR, '0008_plays_multiset.sql'), 'utf8');
      await t.db.transaction().execute((trx) => sql.raw(text).execute(trx));
      expect((await migrate(t.db)).applied).toEqual([]);

      const chain = new TestChain(t.db);
      const r = await indexBlock(t.db, ours, chain.deps);
      expect(r.status).toBe('indexed');
      if (r.status !== 'indexed') return;
      const after = await sql<{ id: number }>`SELECT id FROM plays ORDER BY id`.execute(t.db);
      // Nothing deleted: every row the clone had is still there.
      expect(after.rows.slice(0, before.rows.length)).toEqual(before.rows);
      const bySig = await sql<{ signature: string; n: number }>`
        SELECT signature, count(*)::int AS n FROM plays GROUP BY 1 ORDER BY 1`.execute(t.db);
      expect(bySig.rows).toEqual([
        { signature: '0xcut', n: 9 },
        { signature: '0xold', n: oldCopies },
      ]);
      expect(r.stats.playCollisions).toBe(copies);
      expect(r.stats.playsBridged).toBe(9 - copies);
    });
  }
});
