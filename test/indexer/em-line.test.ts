// A group's ManageEntity blocks in a line (em-txs.ts EmLine): one block view for the group, each block's
// keys read with the previous block's, each block's writes sent without waiting while Node runs the next
// block. Each case is compared with the same blocks indexed one by one, row for row, and names what the
// line must get right: a read in flight that a write overtakes, a number another writer took in between,
// a server error heard while the next block runs, a rejection after a write.
import { type Kysely, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SimClock } from '../../sim/clock.js';
import type { Block, ManageEntityTx } from '../../src/chain/types.js';
import type { Database } from '../../src/db/schema.js';
import { silentLogger } from '../../src/deps/logger.js';
import { BlockView } from '../../src/entity-manager/block-view/view.js';
import { applyGroup, type IndexDeps, indexBlock } from '../../src/indexer/index-block.js';
import { runIndexer } from '../../src/indexer/run.js';
import { BlockError } from '../../src/shared/errors.js';
import { wallet } from '../handlers/support.js';
import { blockAt, emTx, playsTx } from '../support/chain.js';
import { createTestDb, emBlocks, type TestDb, userBlockNumbers } from '../support/db.js';
import { digestTables } from '../support/digest.js';
import { MemorySource } from '../support/memory-source.js';
import { testDispatcher } from './test-handlers.js';

const deps: IndexDeps = { chainId: 'metronome-test', dispatcher: testDispatcher(), logger: silentLogger };

/** User n and track n, past the id offsets new entities must clear. */
const U = (n: number) => 3_100_000 + n;
const T = (n: number) => 2_100_000 + n;

const userCreate = (n: number, handle = `line${n}`): ManageEntityTx =>
  emTx({
    userId: U(n),
    entityType: 'User',
    entityId: U(n),
    action: 'Create',
    signer: wallet(U(n)),
    metadata: { handle, name: `L ${n}` },
  });

const trackCreate = (owner: number, n: number): ManageEntityTx =>
  emTx({
    userId: U(owner),
    entityType: 'Track',
    entityId: T(n),
    action: 'Create',
    signer: wallet(U(owner)),
    metadata: { owner_id: U(owner), title: `Line ${n}`, genre: 'Electronic' },
  });

const follow = (a: number, b: number): ManageEntityTx =>
  emTx({ userId: U(a), entityType: 'User', entityId: U(b), action: 'Follow', signer: wallet(U(a)) });

/**
 * Three lined blocks creating users n+1..n+3 with follows; block 2 also runs the test handler `action`
 * (test-handlers.ts) between its user and its follow.
 */
function aroundTestAction(action: string, entityId: number, n: number): Block[] {
  const test = emTx({ userId: 1, entityType: 'Test', entityId, action, signer: wallet(1) });
  return [
    blockAt(1, [userCreate(n + 1)]),
    blockAt(2, [userCreate(n + 2), test, follow(n + 2, n + 1)]),
    blockAt(3, [userCreate(n + 3), follow(n + 3, n + 2)]),
  ];
}

/** Another writer of `blocks` (the legacy indexer), acting inside our transaction when `handle` is written. */
async function anotherWriterOn(db: Kysely<Database>, handle: string): Promise<void> {
  await sql
    .raw(`
      CREATE FUNCTION test_other_writer() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO blocks (blockhash, parenthash, number)
          SELECT 'other-writer', NULL, coalesce(max(number), 0) + 1 FROM blocks;
        RETURN NULL;
      END $$;
      CREATE TRIGGER test_other_writer AFTER INSERT ON users
        FOR EACH ROW WHEN (NEW.handle = '${handle}') EXECUTE FUNCTION test_other_writer();`)
    .execute(db);
}

/** A server-side error in the writes of the block that creates `handle`. */
async function poison(db: Kysely<Database>, handle: string): Promise<void> {
  await sql
    .raw(`
      CREATE FUNCTION test_poison() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'poisoned user row'; END $$;
      CREATE TRIGGER test_poison BEFORE INSERT ON users
        FOR EACH ROW WHEN (NEW.handle = '${handle}') EXECUTE FUNCTION test_poison();`)
    .execute(db);
}

describe('a group in a line equals its blocks indexed one by one', () => {
  let lined: TestDb;
  let alone: TestDb;
  beforeEach(async () => {
    lined = await createTestDb();
    alone = await createTestDb();
  });
  afterEach(async () => {
    await lined?.close();
    await alone?.close();
  });

  async function compare(blocks: readonly Block[]) {
    const grouped = await lined.db.transaction().execute((trx) => applyGroup(trx, blocks, deps));
    const one = [];
    for (const b of blocks) one.push(await indexBlock(alone.db, b, deps));
    expect(grouped).toEqual(one);
    expect(await digestTables(lined.db)).toEqual(await digestTables(alone.db));
    return grouped;
  }

  it("a block's write overtakes the next block's read in flight: the write wins", async () => {
    // Block 2's keys are read with block 1's; block 3's are read with block 2's first round trip, which
    // is still on the wire while block 2 creates user 12 (patching its wallet and handle in the view).
    const results = await compare([
      blockAt(1, [userCreate(11)]),
      blockAt(2, [userCreate(12)]),
      blockAt(3, [trackCreate(12, 12), follow(11, 12)]),
    ]);
    expect(results.map((r) => r.status === 'indexed' && r.stats.applied)).toEqual([1, 1, 2]);
  });

  it('another writer takes the number a lined block expects: the block is replayed with the next one', async () => {
    await anotherWriterOn(lined.db, 'intruder');
    await anotherWriterOn(alone.db, 'intruder');
    // Block 1 is written as number 1, and its users row makes the other writer take 2: block 2, which
    // expected 2, takes 3 on the careful path; block 3 then expects 4.
    await compare([
      blockAt(1, [userCreate(21, 'intruder')]),
      blockAt(2, [userCreate(22), follow(22, 21)]),
      blockAt(3, [userCreate(23)]),
    ]);
    const numbers = await emBlocks(lined.db);
    expect(numbers.map((r) => r.number)).toEqual([1, 2, 3, 4]);
    expect(numbers[1]!.blockhash).toBe('other-writer');
    const rows = await userBlockNumbers(lined.db);
    expect(rows).toEqual([
      { user_id: U(21), blocknumber: 1 },
      { user_id: U(22), blocknumber: 3 },
      { user_id: U(23), blocknumber: 4 },
    ]);
  });

  it('a rejection after a write in a lined block replays that block alone; the line goes on', async () => {
    const results = await compare(aroundTestAction('WriteThenReject', 9_000_001, 30));
    expect(results.map((r) => r.status === 'indexed' && r.stats.rejected)).toEqual([0, 1, 0]);
  });

  it('a hard error in a lined block before its first round trip has gone replays that block alone', async () => {
    // The handler throws in Node while the block's opening still waits for the connection behind the
    // previous block's writes: the rollback must not overtake it.
    const results = await compare(aroundTestAction('WriteThenBoom', 9_000_002, 70));
    expect(results.map((r) => r.status === 'indexed' && r.stats.failed)).toEqual([0, 1, 0]);
  });

  it("a server error in a lined block's writes, heard while the next block runs, replays that block; the next starts over", async () => {
    await poison(lined.db, 'poisoned');
    await poison(alone.db, 'poisoned');
    const results = await compare([
      blockAt(1, [userCreate(41)]),
      blockAt(2, [userCreate(42, 'poisoned'), follow(41, 42), userCreate(45)]),
      blockAt(3, [userCreate(43), follow(43, 45)]),
      blockAt(4, [userCreate(44), follow(44, 43)]),
    ]);
    // The poisoned create fails on the careful path; the follow of the user it would have made is rejected.
    expect(results.map((r) => r.status === 'indexed' && [r.stats.applied, r.stats.failed])).toEqual([
      [1, 0],
      [1, 1],
      [2, 0],
      [2, 0],
    ]);
  });

  it("the same when the group's last run of plays follows the refused block", async () => {
    await poison(lined.db, 'poisoned');
    await poison(alone.db, 'poisoned');
    await compare([
      blockAt(1, [userCreate(61)]),
      blockAt(2, [userCreate(62, 'poisoned'), userCreate(63)]),
      blockAt(3, [playsTx([{ trackId: '7' }])]),
    ]);
  });

  it('a failure outside the block savepoint fails the group, reported; the run loop indexes it one block at a time', async () => {
    // The first etl_plays row of block 2 is refused once (a sequence is not rolled back): in the group, after
    // the block's savepoint was released with its writes; alone, the second time, it goes through.
    await sql
      .raw(`
        CREATE SEQUENCE test_once;
        CREATE FUNCTION test_refuse_once() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF nextval('test_once') = 1 THEN RAISE EXCEPTION 'refused once'; END IF;
          RETURN NEW;
        END $$;
        CREATE TRIGGER test_refuse_once BEFORE INSERT ON etl_plays
          FOR EACH ROW WHEN (NEW.block_height = 2) EXECUTE FUNCTION test_refuse_once();`)
      .execute(lined.db);
    const blocks = [
      blockAt(1, [userCreate(51)]),
      blockAt(2, [userCreate(52), follow(51, 52), playsTx([{ trackId: '9' }])]),
      blockAt(3, [userCreate(53), follow(53, 51)]),
      blockAt(4, [userCreate(54), follow(54, 53)]),
    ];
    const fallbacks: { from: number; to: number; height: number | undefined }[] = [];
    const s = await runIndexer({
      db: lined.db,
      source: new MemorySource(blocks),
      deps,
      clock: new SimClock(),
      maxGroupBlocks: 4,
      prefetchBuffer: 8,
      observer: {
        onGroupFallback: ({ from, to, error }) =>
          fallbacks.push({ from, to, height: error instanceof BlockError ? error.height : undefined }),
      },
    });
    expect(s).toMatchObject({ blocksIndexed: 4, gaps: 0 });
    // Reported to the operator (a warning and metronome_retries_total{kind="group"}), naming the block.
    // (The group is what the prefetcher had buffered: block 2 and at least the block after it.)
    expect(fallbacks).toEqual([{ from: 1, to: expect.any(Number), height: 2 }]);
    expect(fallbacks[0]!.to).toBeGreaterThanOrEqual(3);
    for (const b of blocks) await indexBlock(alone.db, b, deps);
    expect(await digestTables(lined.db)).toEqual(await digestTables(alone.db));
    const plays = await lined.db.selectFrom('etl_plays').select('block_height').execute();
    expect(plays).toEqual([{ block_height: 2 }]);
  });

  it("trouble in Node alone, heard after a lined block's writes ran, fails the group (nothing can replay them); the run loop indexes it one block at a time", async () => {
    // Block 2's opening runs on the server, then its answer fails in Node: by then block 2's writes and the
    // release of its savepoint have gone behind it and run (EmLine.dropOwnSend).
    const real = BlockView.prototype.prefetch;
    let once = true;
    const spy = vi.spyOn(BlockView.prototype, 'prefetch').mockImplementation(function (this: BlockView) {
      const sent = real.call(this);
      if (this.audit.height !== 2 || !once) return sent;
      once = false;
      const troubled = sent.then(() => {
        throw new Error('trouble in Node');
      });
      troubled.catch(() => {});
      return troubled;
    });
    const blocks = [
      blockAt(1, [userCreate(61)]),
      blockAt(2, [userCreate(62), follow(61, 62)]),
      blockAt(3, [userCreate(63), follow(63, 61)]),
    ];
    const fallbacks: { height: number | undefined; retryable: boolean | undefined }[] = [];
    try {
      const s = await runIndexer({
        db: lined.db,
        source: new MemorySource(blocks),
        deps,
        clock: new SimClock(),
        maxGroupBlocks: 3,
        prefetchBuffer: 8,
        observer: {
          onGroupFallback: ({ error }) =>
            fallbacks.push(
              error instanceof BlockError
                ? { height: error.height, retryable: error.retryable }
                : { height: undefined, retryable: undefined },
            ),
        },
      });
      expect(s).toMatchObject({ blocksIndexed: 3, gaps: 0 });
    } finally {
      spy.mockRestore();
    }
    expect(once).toBe(false);
    expect(fallbacks).toEqual([{ height: 2, retryable: false }]);
    for (const b of blocks) await indexBlock(alone.db, b, deps);
    expect(await digestTables(lined.db)).toEqual(await digestTables(alone.db));
  });
});
