// Volume: one block of 5,000 plays of ONE track (the hot-row hazard) and of 5,000 plays across 5,000
// tracks. Times are printed as figures for the closing note, never asserted.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexBlock } from '../../src/indexer/index-block.js';
import { blockAt, playsTx, TestChain } from '../support/chain.js';
import { createTestDb, type TestDb } from '../support/db.js';

const N = 5000;
const base = Date.UTC(2025, 5, 1);
const ts = (i: number) => new Date(base + i * 1000).toISOString();

describe('plays volume', () => {
  let t: TestDb;
  let chain: TestChain;
  beforeAll(async () => {
    t = await createTestDb();
    chain = new TestChain(t.db);
    // Track 777 exists and is owned by user 9 so milestone notifications have a recipient.
    await sql`INSERT INTO tracks (track_id, is_current, owner_id, created_at, updated_at, txhash)
              VALUES (777, true, 9, now(), now(), 'seed')`.execute(t.db);
  });
  afterAll(async () => t?.close());

  it(`indexes ${N} plays of one track in one block, with every milestone and notification`, async () => {
    const tx = playsTx(
      Array.from({ length: N }, (_, i) => ({
        userId: String(1 + (i % 50)),
        trackId: '777',
        timestamp: ts(i),
      })),
    );
    const started = performance.now();
    const res = await indexBlock(t.db, blockAt(1, [tx]), chain.deps);
    const ms = performance.now() - started;
    console.log(`[figure] ${t.backend}: indexBlock with ${N} plays of one track: ${ms.toFixed(0)} ms`);
    expect(res.status).toBe('indexed');
    const agg = await t.db
      .selectFrom('aggregate_plays')
      .select('count')
      .where('play_item_id', '=', 777)
      .executeTakeFirstOrThrow();
    expect(Number(agg.count)).toBe(N);
    const ms2 = await t.db
      .selectFrom('milestones')
      .select(['threshold', 'slot', 'timestamp'])
      .where('id', '=', 777)
      .orderBy('threshold')
      .execute();
    expect(ms2.map((m) => m.threshold)).toEqual([10, 25, 50, 100, 250, 500, 1000, 2500, 5000]);
    // The milestone carries the timestamp of exactly the play that reached it (the 10th play: index 9).
    expect(ms2[0]!.timestamp.toISOString()).toBe(ts(9));
    const notes = await t.db
      .selectFrom('notification')
      .select(['group_id', 'user_ids', 'specifier'])
      .where('type', '=', 'milestone')
      .where(sql<boolean>`user_ids @> ARRAY[9]`)
      .orderBy('group_id')
      .execute();
    expect(notes).toHaveLength(9);
    expect(notes.map((n) => n.group_id)).toContain('milestone:LISTEN_COUNT:id:777:threshold:10');
    expect(notes[0]!.specifier).toBe('9');
  });

  it(`indexes ${N} plays across ${N} tracks in one block`, async () => {
    const tx = playsTx(
      Array.from({ length: N }, (_, i) => ({
        userId: String(i),
        trackId: String(10_000 + i),
        timestamp: ts(i),
      })),
    );
    const started = performance.now();
    await indexBlock(t.db, blockAt(2, [tx]), chain.deps);
    const ms = performance.now() - started;
    console.log(`[figure] ${t.backend}: indexBlock with ${N} plays across ${N} tracks: ${ms.toFixed(0)} ms`);
    const n = await sql<{
      n: number;
    }>`SELECT count(*)::int AS n FROM aggregate_plays WHERE play_item_id >= 10000`.execute(t.db);
    expect(n.rows[0]!.n).toBe(N);
    const tracks = await sql<{
      n: number;
    }>`SELECT sum(track_count)::int AS n FROM user_distinct_play_tracks WHERE user_id < ${N}`.execute(t.db);
    expect(tracks.rows[0]!.n).toBeGreaterThanOrEqual(N - 50);
  });
});
