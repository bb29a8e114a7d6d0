// Round trips per block (issue 19): the bookkeeping statements a block or a group transaction issues,
// recorded by a plugin that names each statement, beside the rows they must leave.
import type {
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from 'kysely';
import { RawNode } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SimClock } from '../../sim/clock.js';
import { silentLogger } from '../../src/deps/logger.js';
import { productionDispatcher } from '../../src/entity-manager/registry.js';
import { applyGroup, indexBlock } from '../../src/indexer/index-block.js';
import { runIndexer } from '../../src/indexer/run.js';
import { blockAt, emTx, playsTx, TEST_CHAIN_ID } from '../support/chain.js';
import { createTestDb, type TestDb } from '../support/db.js';
import { digestTables } from '../support/digest.js';
import { MemorySource } from '../support/memory-source.js';
import { testDispatcher, W } from './test-handlers.js';

/** Raw SQL's text with nested fragments spelled out and other parameters as `?`. */
function rawText(n: RawNode): string {
  return n.sqlFragments
    .map((f, i) => {
      const p = n.parameters[i];
      return f + (p === undefined ? '' : RawNode.is(p) ? rawText(p) : '?');
    })
    .join('');
}

/**
 * Names every statement: `insert <table>` for builder inserts, the SQL text's start for raw SQL (each
 * statement of a batch sent together, send-together.ts, on its own).
 */
class StatementLog implements KyselyPlugin {
  readonly names: string[] = [];

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    const n = args.node;
    if (n.kind === 'InsertQueryNode') this.names.push(`insert ${n.into?.table.identifier.name}`);
    else if (n.kind === 'RawNode')
      for (const one of rawText(n).split(';\n')) this.names.push(one.replace(/\s+/g, ' ').trim());
    else this.names.push(n.kind);
    return n;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }

  count(test: (name: string) => boolean): number {
    return this.names.filter(test).length;
  }
}

const isClaim = (s: string) => /^(insert etl_blocks|INSERT INTO etl_blocks|WITH claim AS)/.test(s);
const isFinish = (s: string) => s.startsWith('WITH cib AS');
const isPlaysLock = (s: string) => s.includes('pg_advisory_xact_lock');
const isEmBlock = (s: string) => s.includes('INSERT INTO blocks');

const deps = () => ({ chainId: TEST_CHAIN_ID, dispatcher: testDispatcher(), logger: silentLogger });
/** User n's Create, signed by its own wallet, with handle `<prefix><n>`. */
const userCreate = (n: number, prefix: string) =>
  emTx({
    userId: 3_000_000 + n,
    entityType: 'User',
    entityId: 3_000_000 + n,
    action: 'Create',
    signer: `0x${n.toString(16).padStart(40, '0')}`,
    metadata: { handle: `${prefix}${n}` },
  });
const em = (h: number) => emTx({ userId: h, entityType: 'Test', entityId: h, action: 'Write', signer: W });
// Every third block carries a ManageEntity tx (and plays), the others plays or nothing.
const chainOf = (n: number) =>
  Array.from({ length: n }, (_, i) => {
    const h = i + 1;
    if (h % 3 === 0) return blockAt(h, [em(h), playsTx([{ trackId: String(h) }])]);
    return blockAt(h, h % 3 === 1 ? [playsTx([{ trackId: String(h) }])] : []);
  });

describe('round trips per block', () => {
  let t: TestDb;
  beforeEach(async () => {
    t = await createTestDb();
  });
  afterEach(async () => {
    await t.close();
  });

  it('a group transaction claims and finishes all its blocks in one statement each, and takes the plays lock once', async () => {
    const log = new StatementLog();
    const blocks = chainOf(48);
    const s = await runIndexer({
      db: t.db.withPlugin(log),
      source: new MemorySource(blocks),
      deps: deps(),
      clock: new SimClock(),
      maxGroupBlocks: 16,
      prefetchBuffer: 64,
    });
    expect(s).toMatchObject({ blocksIndexed: 48, lastHeight: 48 });
    const claims = log.count(isClaim);
    // 48 blocks in groups of at most 16 (the first block may come alone, before the backlog builds up).
    expect(claims).toBeGreaterThanOrEqual(3);
    expect(claims).toBeLessThanOrEqual(5);
    expect(log.count(isFinish)).toBe(claims);
    expect(log.count(isPlaysLock)).toBe(claims);
    // One blocks row per block with a ManageEntity tx, each its own statement.
    expect(log.count(isEmBlock)).toBe(16);
    const rows = await t.db
      .selectFrom('core_indexed_blocks')
      .select(['height', 'em_block'])
      .orderBy('height')
      .execute();
    expect(rows.map((r) => r.height)).toEqual(blocks.map((b) => b.height));
    expect(rows.filter((r) => r.em_block !== null).map((r) => [r.height, r.em_block])).toEqual(
      Array.from({ length: 16 }, (_, i) => [3 * (i + 1), i + 1]),
    );
    const txs = await t.db
      .selectFrom('etl_transactions')
      .select((eb) => eb.fn.countAll().as('n'))
      .execute();
    expect(Number(txs[0]!.n)).toBe(blocks.reduce((n, b) => n + b.txs.length, 0));
  });

  it("a live block of twelve ManageEntity txs costs three round trips: begin+claim+em_block+reads, writes with the block's closing rows, commit", async () => {
    const id = (n: number) => 3_000_000 + n;
    const signer = (n: number) => `0x${n.toString(16).padStart(40, '0')}`;
    const user = (n: number) =>
      emTx({
        userId: id(n),
        entityType: 'User',
        entityId: id(n),
        action: 'Create',
        signer: signer(n),
        metadata: { handle: `h${n}` },
      });
    const follow = (n: number) =>
      emTx({
        userId: id(n),
        entityType: 'User',
        entityId: id((n % 6) + 1),
        action: 'Follow',
        signer: signer(n),
      });
    const d = { ...deps(), dispatcher: productionDispatcher() };
    await indexBlock(t.db, blockAt(1, [1, 2, 3, 4, 5, 6].map(user)), d);
    const before = t.roundTrips();
    const r = await indexBlock(
      t.db,
      blockAt(2, [...[1, 2, 3, 4, 5, 6].map(follow), ...[7, 8, 9, 10, 11, 12].map(user)]),
      d,
    );
    expect(r.status === 'indexed' && r.stats.reasons).toEqual({});
    expect(t.roundTrips() - before).toBe(3);
    // The closing rows went with the writes: one row per tx, with its outcome.
    const closed = await t.db
      .selectFrom('etl_transactions')
      .select(['tx_index'])
      .where('block_height', '=', 2)
      .orderBy('tx_index')
      .execute();
    expect(closed.map((r) => r.tx_index)).toEqual([...Array(12).keys()]);
    const follows = await t.db
      .selectFrom('follows')
      .select(['follower_user_id', 'followee_user_id'])
      .execute();
    expect(follows).toHaveLength(6);
    const users = await t.db.selectFrom('users').select('user_id').where('is_current', '=', true).execute();
    expect(users).toHaveLength(12);
  });

  it('in a group, a block of ManageEntity txs costs two round trips: its first reads (with its em_block, or the check of the one it expects) and its writes (with its plays and deferred triggers)', async () => {
    const user = (n: number) => userCreate(n, 'g');
    const blocks = Array.from({ length: 12 }, (_, i) => blockAt(i + 1, [user(2 * i + 1), user(2 * i + 2)]));
    const log = new StatementLog();
    const before = t.roundTrips();
    const s = await runIndexer({
      db: t.db.withPlugin(log),
      source: new MemorySource(blocks),
      deps: { ...deps(), dispatcher: productionDispatcher() },
      clock: new SimClock(),
      maxGroupBlocks: 12,
      prefetchBuffer: 64,
    });
    expect(s).toMatchObject({ blocksIndexed: 12, gaps: 0 });
    const trips = t.roundTrips() - before;
    // A lone block (the first may come before the backlog builds up): begin+claim+reads, writes+finish, commit.
    const lone = log.count((n) => n.startsWith('WITH claim AS'));
    // A group: begin+claims, then per block its reads and its writes, then the pending triggers+finish, commit.
    const groups = log.count((n) => n.startsWith('INSERT INTO etl_blocks'));
    expect(lone + groups).toBeGreaterThanOrEqual(1);
    // And the run's two resume reads (resume.ts).
    expect(trips).toBe(2 + 3 * lone + 3 * groups + 2 * (12 - lone));
    const users = await t.db.selectFrom('users').select('user_id').execute();
    expect(users).toHaveLength(24);
    const numbers = await t.db.selectFrom('blocks').select('number').orderBy('number').execute();
    expect(numbers.map((r) => r.number)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
  });

  it("in a group, a run of plain blocks sends its plays with the next ManageEntity block's first round trip: same rows and figures as block by block", async () => {
    const user = (n: number) => userCreate(n, 'p');
    const plays = (h: number) => playsTx([{ trackId: String(h) }, { trackId: String(h), userId: '2' }]);
    // ManageEntity blocks 1, 4 and 6; plays in 2, 3, 5 and 7 (the last run has no block after it).
    const blocks = [1, 2, 3, 4, 5, 6, 7].map((h) =>
      blockAt(h, [1, 4, 6].includes(h) ? [user(h)] : [plays(h)]),
    );
    const d = { ...deps(), dispatcher: productionDispatcher() };
    const before = t.roundTrips();
    const grouped = await t.db.transaction().execute((trx) => applyGroup(trx, blocks, d));
    // begin+claims, 2 per ManageEntity block (the runs 2–3 and 5 ride in blocks 4's and 6's first round
    // trip), block 7's plays, finish, commit.
    expect(t.roundTrips() - before).toBe(1 + 2 * 3 + 1 + 1 + 1);
    const alone = await createTestDb();
    try {
      const one = [];
      for (const b of blocks) one.push(await indexBlock(alone.db, b, d));
      expect(grouped).toEqual(one);
      expect(grouped.map((r) => r.status === 'indexed' && r.stats.playsBridged)).toEqual([
        0, 2, 2, 0, 2, 0, 2,
      ]);
      expect(await digestTables(t.db)).toEqual(await digestTables(alone.db));
    } finally {
      await alone.close();
    }
  });

  it('a run whose next block was indexed already still sends its plays, before the group finishes', async () => {
    const d = { ...deps(), dispatcher: productionDispatcher() };
    const user = userCreate(1, 'q');
    const blocks = [blockAt(1, [playsTx([{ trackId: '11' }, { trackId: '12' }])]), blockAt(2, [user])];
    // Block 2 is indexed already (another writer, or an earlier run): the group claims only block 1.
    await indexBlock(t.db, blocks[1]!, d);
    const grouped = await t.db.transaction().execute((trx) => applyGroup(trx, blocks, d));
    expect(grouped.map((r) => (r.status === 'indexed' ? r.stats.playsBridged : r.status))).toEqual([
      2,
      'already-indexed',
    ]);
    const stats = await t.db
      .selectFrom('metronome_block_stats')
      .select(['block_height', 'plays_bridged'])
      .orderBy('block_height')
      .execute();
    expect(stats).toEqual([
      { block_height: 1, plays_bridged: 2 },
      { block_height: 2, plays_bridged: 0 },
    ]);
  });

  it('a lone block with ManageEntity txs takes its claim and em_block in one statement; a re-delivery takes no number', async () => {
    const block = blockAt(1, [em(1)]);
    const log = new StatementLog();
    const db = t.db.withPlugin(log);
    const first = await indexBlock(db, block, deps());
    expect(first).toMatchObject({ status: 'indexed', stats: { emBlock: 1 } });
    expect(log.count(isClaim)).toBe(1);
    expect(log.count(isEmBlock)).toBe(1); // the same statement
    expect(log.count((s) => isClaim(s) && isEmBlock(s))).toBe(1);
    const again = await indexBlock(db, { ...block, hash: `${block.hash}-other` }, deps());
    expect(again).toEqual({ status: 'already-indexed', height: 1 });
    const numbers = await t.db.selectFrom('blocks').select(['blockhash', 'number']).execute();
    expect(numbers).toEqual([{ blockhash: block.hash, number: 1 }]);
    // The next block with ManageEntity txs takes the next number, its parent the first block's hash.
    await indexBlock(db, blockAt(2, [em(2)]), deps());
    const next = await t.db
      .selectFrom('blocks')
      .select(['number', 'parenthash'])
      .where('number', '=', 2)
      .executeTakeFirstOrThrow();
    expect(next).toEqual({ number: 2, parenthash: block.hash });
  });
});
