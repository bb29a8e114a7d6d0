// Consecutive plays blocks in one group write all their etl_plays rows first, then bridge block by block.
// The bridge must count only *earlier* blocks' chain plays against the other writer's rows: the same rows
// and the same per-block collisions as indexing the blocks one at a time.
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/deps/logger.js';
import { applyPlainBlocks, indexBlock } from '../../src/indexer/index-block.js';
import { blockAt, playsTx, TEST_CHAIN_ID } from '../support/chain.js';
import { createTestDb, type TestDb } from '../support/db.js';
import { digestTables } from '../support/digest.js';
import { testDispatcher } from './test-handlers.js';

const deps = () => ({ chainId: TEST_CHAIN_ID, dispatcher: testDispatcher(), logger: silentLogger });
const play = { userId: '7', trackId: '42', timestamp: '2025-03-01T00:00:00.000Z', signature: '0xsame' };
// The same content key in both blocks, and once more in the second.
const blocks = [
  blockAt(1, [playsTx([play])]),
  blockAt(2, [playsTx([play, play, { ...play, trackId: '43' }])]),
];

/** The other writer's copy of the key, written before we index (its own transaction, its own lock). */
async function theirs(t: TestDb): Promise<void> {
  await sql`INSERT INTO plays (user_id, source, play_item_id, created_at, updated_at, slot, signature)
            VALUES (7, 'relay', 42, '2025-03-01 00:00:00', '2025-03-01 00:00:00', 1, '0xsame')`.execute(t.db);
}

describe('plays of a group of blocks', () => {
  let grouped: TestDb;
  let alone: TestDb;
  beforeEach(async () => {
    [grouped, alone] = await Promise.all([createTestDb(), createTestDb()]);
    await Promise.all([theirs(grouped), theirs(alone)]);
  });
  afterEach(async () => Promise.all([grouped?.close(), alone?.close()]));

  it('equal the blocks indexed one at a time: rows and per-block collisions', async () => {
    const g = await grouped.db.transaction().execute((trx) => applyPlainBlocks(trx, blocks, deps()));
    const a = [];
    for (const b of blocks) a.push(await indexBlock(alone.db, b, deps()));
    expect(g).toEqual(a);
    // Block 1's copy is the other writer's row; block 2's two copies and its other play are new.
    expect(g.map((r) => r.status === 'indexed' && [r.stats.playsBridged, r.stats.playCollisions])).toEqual([
      [0, 1],
      [3, 0],
    ]);
    const count = await grouped.db
      .selectFrom('plays')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('play_item_id', '=', 42)
      .execute();
    expect(Number(count[0]!.n)).toBe(3);
    expect(await digestTables(grouped.db)).toEqual(await digestTables(alone.db));
  });
});
