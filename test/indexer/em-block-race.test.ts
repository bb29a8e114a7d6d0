// em_block under a concurrent writer of `blocks` (the legacy indexer of the dual run): a block's number is
// taken in its first round trip, with its reads (alone, with the claim of its height); when the other
// writer takes MAX+1 first, the block goes down the careful path, which takes the next number.
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { connect, type DbHandle } from '../../src/db/connect.js';
import { silentLogger } from '../../src/deps/logger.js';
import { productionDispatcher } from '../../src/entity-manager/registry.js';
import { claimBlocks, finishBlocks } from '../../src/indexer/block-bookkeeping.js';
import { applyBlock, applyGroup, type GroupBookkeeping, indexBlock } from '../../src/indexer/index-block.js';
import { blockAt, emTx, TEST_CHAIN_ID } from '../support/chain.js';
import { createTestDb, emBlocks, type TestDb, userBlockNumbers } from '../support/db.js';

// PGlite has one connection: there is no second writer to race.
describe.runIf(inject('dbBackend') === 'postgres')('em_block with a concurrent writer of blocks', () => {
  let t: TestDb;
  let legacy: DbHandle;
  beforeEach(async () => {
    t = await createTestDb();
    legacy = await connect(t.url, { poolSize: 1, applicationName: 'legacy-writer-test' });
  });
  afterEach(async () => {
    await legacy?.close();
    await t?.close();
  });

  /** Resolves once some session waits for another transaction (polled, never timed). */
  async function someoneWaitsForATransaction(): Promise<void> {
    for (;;) {
      const r = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'transactionid' AND NOT granted`.execute(
        t.db,
      );
      if (r.rows[0]!.n > 0) return;
      await new Promise((r) => setImmediate(r));
    }
  }

  for (const [alone, batching] of [
    [false, true],
    [false, false],
    [true, true],
    [true, false],
  ] as const)
    it(`the other writer takes MAX+1 while ${alone ? 'a lone block claims its height and' : "a group's block"} takes it: the block gets the next number (${batching ? 'fast' : 'careful'} path)`, async () => {
      const block = blockAt(1, [
        emTx({
          userId: 3_000_001,
          entityType: 'User',
          entityId: 3_000_001,
          action: 'Create',
          signer: `0x${'1'.padStart(40, '0')}`,
          metadata: { handle: 'raced' },
        }),
      ]);
      const deps = {
        chainId: TEST_CHAIN_ID,
        dispatcher: productionDispatcher(),
        logger: silentLogger,
        batching,
      };
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let inserted!: () => void;
      const legacyInserted = new Promise<void>((r) => (inserted = r));
      const legacyTx = legacy.db.transaction().execute(async (trx) => {
        await sql`INSERT INTO blocks (blockhash, parenthash, number) VALUES ('legacy-1', NULL, 1)`.execute(
          trx,
        );
        inserted();
        await held;
      });
      await legacyInserted;
      const ours = alone
        ? indexBlock(t.db, block, deps)
        : t.db.transaction().execute(async (trx) => {
            const group: GroupBookkeeping = {
              claimed: await claimBlocks(trx, [block]),
              done: [],
              pending: [],
              settle: [],
            };
            const r = await applyBlock(trx, block, deps, group);
            await finishBlocks(trx, TEST_CHAIN_ID, group.done);
            return r;
          });
      // Our MAX+1 is 1 too (the other row is not committed): our insert waits for the other transaction.
      await someoneWaitsForATransaction();
      release();
      await legacyTx;
      const r = await ours;
      expect(r).toMatchObject({ status: 'indexed', stats: { emBlock: 2, applied: 1 } });
      const blocks = await emBlocks(t.db);
      expect(blocks).toEqual([
        { blockhash: 'legacy-1', number: 1 },
        { blockhash: block.hash, number: 2 },
      ]);
      const user = await t.db
        .selectFrom('users')
        .select(['blocknumber', 'handle'])
        .where('user_id', '=', 3_000_001)
        .execute();
      expect(user).toEqual([{ blocknumber: 2, handle: 'raced' }]);
      const envelopes = await t.db.selectFrom('etl_manage_entities').select('block_height').execute();
      expect(envelopes).toEqual([{ block_height: 1 }]);
    });

  // The line (em-txs.ts EmLine): a group's second ManageEntity block writes its rows with the number it
  // expects (the first block's plus one) before the answer comes. The other writer holds that number
  // uncommitted: the check waits for it, finds it taken, and the block is replayed with the next one.
  it("the other writer takes the number a group's second block expects: that block is replayed with the next number", async () => {
    const user = (n: number) =>
      emTx({
        userId: 3_000_100 + n,
        entityType: 'User',
        entityId: 3_000_100 + n,
        action: 'Create',
        signer: `0x${String(100 + n).padStart(40, '0')}`,
        metadata: { handle: `lined${n}` },
      });
    const blocks = [blockAt(1, [user(1)]), blockAt(2, [user(2)])];
    const deps = { chainId: TEST_CHAIN_ID, dispatcher: productionDispatcher(), logger: silentLogger };
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let inserted!: () => void;
    const legacyInserted = new Promise<void>((r) => (inserted = r));
    const legacyTx = legacy.db.transaction().execute(async (trx) => {
      await sql`INSERT INTO blocks (blockhash, parenthash, number) VALUES ('legacy-2', NULL, 2)`.execute(trx);
      inserted();
      await held;
    });
    await legacyInserted;
    const ours = t.db.transaction().execute((trx) => applyGroup(trx, blocks, deps));
    // Block 1 takes 1 (the other row is not committed); block 2's check inserts 2 and waits for the other.
    await someoneWaitsForATransaction();
    release();
    await legacyTx;
    const r = await ours;
    expect(r.map((x) => x.status === 'indexed' && x.stats.emBlock)).toEqual([1, 3]);
    const numbers = await emBlocks(t.db);
    expect(numbers).toEqual([
      { blockhash: blocks[0]!.hash, number: 1 },
      { blockhash: 'legacy-2', number: 2 },
      { blockhash: blocks[1]!.hash, number: 3 },
    ]);
    const users = await userBlockNumbers(t.db);
    expect(users).toEqual([
      { user_id: 3_000_101, blocknumber: 1 },
      { user_id: 3_000_102, blocknumber: 3 },
    ]);
    const envelopes = await t.db.selectFrom('etl_manage_entities').select('block_height').execute();
    expect(envelopes.map((e) => e.block_height).sort()).toEqual([1, 2]);
  });
});
