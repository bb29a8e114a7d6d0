// Issue 17: plays are a multiset. A block carrying 50 identical anonymous plays and 3 identical repeats of
// one listener lands all 53 in `plays` and in the on_play aggregates — alone, after the legacy writer wrote
// all, some or none of them, with the legacy writer writing after us, and with it writing concurrently on
// a second connection. Never a halt, and each block's collisions are recorded.
import { type Kysely, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { insertLegacyPlay, LEGACY_SLOT_OFFSET } from '../../sim/legacy-writer.js';
import type { Block, Play, PlaysTx } from '../../src/chain/types.js';
import { connect, type DbHandle } from '../../src/db/connect.js';
import type { Database } from '../../src/db/schema.js';
import { applyBlock, indexBlock } from '../../src/indexer/index-block.js';
import { PLAYS_LOCK_KEY } from '../../src/indexer/plays-bridge.js';
import { blockAt, playsTx, TestChain } from '../support/chain.js';
import { createTestDb, type TestDb } from '../support/db.js';

const TRACK = 900;
const SECOND = '2025-03-01T12:00:07Z';

/** 50 anonymous listeners of one track in one second, signed once; 3 repeats of listener 77; 2 ordinary plays. */
function burstTx(tag: string): PlaysTx {
  const anon = Array.from({ length: 50 }, (_, i) => ({
    userId: `anon-${tag}-${i}`,
    trackId: String(TRACK),
    timestamp: SECOND,
    signature: `0xburst-${tag}`,
    city: 'Lagos',
  }));
  const repeat = { userId: '77', trackId: String(TRACK), timestamp: SECOND, signature: `0xrep-${tag}` };
  return playsTx([
    ...anon,
    repeat,
    repeat,
    repeat,
    { userId: '78', trackId: String(TRACK), timestamp: '2025-03-01T12:00:08.5Z' },
    { userId: '79', trackId: '901', timestamp: '2025-03-01T12:00:09.25Z' },
  ]);
}

const CHAIN_PLAYS = 55;
const ON_TRACK = 54;

/** Positions (play index) the legacy writer writes. */
type Pick = (j: number) => boolean;
const ALL: Pick = () => true;
const NONE: Pick = () => false;
// 20 of the 50 anonymous plays, 1 of the 3 repeats, and the ordinary play of track 901.
const SOME: Pick = (j) => (j < 50 && j % 5 < 2) || j === 51 || j === 54;

async function legacyWrites(db: Kysely<Database>, block: Block, pick: Pick): Promise<number> {
  let n = 0;
  await db.transaction().execute(async (trx) => {
    for (const tx of block.txs) {
      if (tx.kind !== 'plays') continue;
      for (const [j, p] of tx.plays.entries())
        if (pick(j) && (await insertLegacyPlay(trx, p, block.height, block.timestamp))) n++;
    }
  });
  return n;
}

async function counts(db: Kysely<Database>, height: number) {
  const r = await sql<{ track: number; user_id: number | null; n: number; ours: number }>`
    SELECT play_item_id AS track, user_id, count(*)::int AS n, count(*) FILTER (WHERE slot = ${height})::int AS ours
    FROM plays GROUP BY 1, 2 ORDER BY 1, 2 NULLS FIRST`.execute(db);
  const agg = await db
    .selectFrom('aggregate_plays')
    .select(['play_item_id', 'count'])
    .orderBy('play_item_id')
    .execute();
  const stats = await db
    .selectFrom('metronome_block_stats')
    .select(['plays', 'plays_bridged', 'play_collisions'])
    .where('block_height', '=', height)
    .executeTakeFirst();
  return { rows: r.rows, agg: agg.map((a) => [a.play_item_id, Number(a.count)]), stats };
}

const EXPECTED_ROWS = [
  { track: TRACK, user_id: null, n: 50 },
  { track: TRACK, user_id: 77, n: 3 },
  { track: TRACK, user_id: 78, n: 1 },
  { track: 901, user_id: 79, n: 1 },
];

describe('plays multiset', () => {
  let t: TestDb;
  let chain: TestChain;
  beforeEach(async () => {
    t = await createTestDb();
    chain = new TestChain(t.db);
    // Track 900 is owned by user 9, so its listen-count milestones notify someone.
    await sql`INSERT INTO tracks (track_id, is_current, owner_id, created_at, updated_at, txhash)
              VALUES (${TRACK}, true, 9, now(), now(), 'seed')`.execute(t.db);
  });
  afterEach(async () => t?.close());

  it('bridges 50 identical anonymous plays and 3 identical repeats, each counted once in plays and aggregates', async () => {
    const block = blockAt(1, [burstTx('a')]);
    const res = await indexBlock(t.db, block, chain.deps);
    expect(res.status).toBe('indexed');
    const c = await counts(t.db, 1);
    expect(c.rows.map(({ ours: _, ...r }) => r)).toEqual(EXPECTED_ROWS);
    expect(c.agg).toEqual([
      [TRACK, ON_TRACK],
      [901, 1],
    ]);
    expect(c.stats).toEqual({ plays: CHAIN_PLAYS, plays_bridged: CHAIN_PLAYS, play_collisions: 0 });
    const etl = await sql<{
      n: number;
    }>`SELECT count(*)::int AS n FROM etl_plays WHERE block_height = 1`.execute(t.db);
    expect(etl.rows[0]!.n).toBe(CHAIN_PLAYS);
    // The milestones the 54 plays of track 900 cross, each at the play that crossed it.
    const ms = await t.db
      .selectFrom('milestones')
      .select('threshold')
      .where('id', '=', TRACK)
      .orderBy('threshold')
      .execute();
    expect(ms.map((m) => m.threshold)).toEqual([10, 25, 50]);
  });

  it.each([
    ['all', ALL, CHAIN_PLAYS],
    ['some', SOME, 22],
    ['none', NONE, 0],
  ] as const)(
    'the legacy writer wrote %s of the block first: exactly the chain count, collisions recorded',
    async (_, pick, legacyRows) => {
      const block = blockAt(1, [burstTx('b')]);
      expect(await legacyWrites(t.db, block, pick)).toBe(legacyRows);
      const res = await indexBlock(t.db, block, chain.deps);
      expect(res.status).toBe('indexed');
      const c = await counts(t.db, 1);
      expect(c.rows.map(({ ours: _, ...r }) => r)).toEqual(EXPECTED_ROWS);
      expect(c.rows.reduce((s, r) => s + r.ours, 0)).toBe(CHAIN_PLAYS - legacyRows);
      expect(c.agg).toEqual([
        [TRACK, ON_TRACK],
        [901, 1],
      ]);
      expect(c.stats).toEqual({
        plays: CHAIN_PLAYS,
        plays_bridged: CHAIN_PLAYS - legacyRows,
        play_collisions: legacyRows,
      });
    },
  );

  it('drops the legacy writer’s copies when it writes after us, even in one multi-row statement', async () => {
    const block = blockAt(1, [burstTx('c')]);
    await indexBlock(t.db, block, chain.deps);
    expect(await legacyWrites(t.db, block, ALL)).toBe(0);
    // The same rows in one statement: the guard sees the statement's earlier rows too.
    const tx = block.txs[0] as PlaysTx;
    const values = tx.plays.map(
      (p) =>
        sql`(${Number(p.userId) || null}::int, 'relay', ${Number(p.trackId)}, ${p.timestamp}::timestamptz AT TIME ZONE 'UTC',
             now(), ${LEGACY_SLOT_OFFSET + 1}, ${p.signature}, ${p.city}, ${p.region}, ${p.country})`,
    );
    const multi =
      await sql`INSERT INTO plays (user_id, source, play_item_id, created_at, updated_at, slot, signature, city, region, country)
              VALUES ${sql.join(values)} RETURNING 1`.execute(t.db);
    expect(multi.rows).toHaveLength(0);
    const c = await counts(t.db, 1);
    expect(c.rows.map(({ ours: _, ...r }) => r)).toEqual(EXPECTED_ROWS);
    expect(c.agg).toEqual([
      [TRACK, ON_TRACK],
      [901, 1],
    ]);
  });

  it('counts a content key by multiplicity across blocks, whoever wrote which copy', async () => {
    const copy: Partial<Play> = {
      userId: 'anon-x',
      trackId: String(TRACK),
      timestamp: SECOND,
      signature: '0xsame',
    };
    const b1 = blockAt(1, [playsTx([copy, copy])]);
    const b2 = blockAt(2, [playsTx([copy, copy, copy])]);
    // The legacy writer is ahead: all three copies of block 2 and one of block 1.
    expect(await legacyWrites(t.db, b2, ALL)).toBe(3);
    expect(await legacyWrites(t.db, b1, (j) => j === 0)).toBe(1);
    await indexBlock(t.db, b1, chain.deps);
    await indexBlock(t.db, b2, chain.deps);
    const n = await sql<{
      n: number;
    }>`SELECT count(*)::int AS n FROM plays WHERE signature = '0xsame'`.execute(t.db);
    expect(n.rows[0]!.n).toBe(5);
    const stats = await t.db
      .selectFrom('metronome_block_stats')
      .select(['block_height', 'play_collisions'])
      .orderBy('block_height')
      .execute();
    expect(stats.map((s) => [Number(s.block_height), s.play_collisions])).toEqual([
      [1, 2],
      [2, 2],
    ]);
  });
});

// PGlite has one connection: there is no second writer to race.
describe.runIf(inject('dbBackend') === 'postgres')('plays multiset with a concurrent writer', () => {
  let t: TestDb;
  let chain: TestChain;
  let legacy: DbHandle;
  beforeEach(async () => {
    t = await createTestDb();
    chain = new TestChain(t.db);
    legacy = await connect(t.url, { poolSize: 1, applicationName: 'legacy-writer-test' });
  });
  afterEach(async () => {
    await legacy?.close();
    await t?.close();
  });

  /** Resolves once some session waits for the plays lock (polled, never timed). */
  async function someoneWaitsForPlaysLock(): Promise<void> {
    for (;;) {
      const r = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM pg_locks
        WHERE locktype = 'advisory' AND NOT granted AND objid = ${PLAYS_LOCK_KEY}::oid AND objsubid = 1`.execute(
        t.db,
      );
      if (r.rows[0]!.n > 0) return;
      await new Promise((r) => setImmediate(r));
    }
  }

  it('the legacy writer holds its transaction open while we index: we wait, then count its rows', async () => {
    const block = blockAt(1, [burstTx('d')]);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let wrote = 0;
    let started!: () => void;
    const inserted = new Promise<void>((r) => (started = r));
    const legacyTx = legacy.db.transaction().execute(async (trx) => {
      for (const [j, p] of (block.txs[0] as PlaysTx).plays.entries())
        if (SOME(j) && (await insertLegacyPlay(trx, p, 1, block.timestamp))) wrote++;
      started();
      await held;
    });
    await inserted;
    const ours = indexBlock(t.db, block, chain.deps);
    await someoneWaitsForPlaysLock();
    release();
    await legacyTx;
    const res = await ours;
    expect(res.status).toBe('indexed');
    expect(wrote).toBe(22);
    const c = await counts(t.db, 1);
    expect(c.rows.map(({ ours: _, ...r }) => r)).toEqual(EXPECTED_ROWS);
    expect(c.agg).toEqual([
      [TRACK, ON_TRACK],
      [901, 1],
    ]);
    expect(c.stats).toEqual({ plays: CHAIN_PLAYS, plays_bridged: CHAIN_PLAYS - 22, play_collisions: 22 });
  });

  it('we hold the block transaction open while the legacy writer inserts: it waits, then writes nothing twice', async () => {
    const block = blockAt(1, [burstTx('e')]);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let bridged!: () => void;
    const done = new Promise<void>((r) => (bridged = r));
    const ours = t.db.transaction().execute(async (trx) => {
      const res = await applyBlock(trx, block, chain.deps);
      bridged();
      await held;
      return res;
    });
    await done;
    const theirs = legacyWrites(legacy.db, block, ALL);
    await someoneWaitsForPlaysLock();
    release();
    expect((await ours).status).toBe('indexed');
    expect(await theirs).toBe(0);
    const c = await counts(t.db, 1);
    expect(c.rows.map(({ ours: _, ...r }) => r)).toEqual(EXPECTED_ROWS);
    expect(c.agg).toEqual([
      [TRACK, ON_TRACK],
      [901, 1],
    ]);
    expect(c.stats).toEqual({ plays: CHAIN_PLAYS, plays_bridged: CHAIN_PLAYS, play_collisions: 0 });
  });
});
