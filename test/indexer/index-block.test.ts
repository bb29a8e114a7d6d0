import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexBlock } from '../../src/indexer/index-block.js';
import { BlockError } from '../../src/shared/errors.js';
import { blockAt, emTx, playsTx, TEST_CHAIN_ID, TestChain } from '../support/chain.js';
import { adminQuery, createTestDb, type TestDb, userBlockNumbers } from '../support/db.js';
import { digestTables } from '../support/digest.js';
import { InjectedFault, StatementFault } from '../support/statement-fault.js';
import { testDispatcher, W } from './test-handlers.js';

const write = (id: number) =>
  emTx({ userId: id, entityType: 'Test', entityId: id, action: 'Write', signer: W });

describe('indexBlock', () => {
  let t: TestDb;
  let chain: TestChain;
  beforeAll(async () => {
    t = await createTestDb();
    chain = new TestChain(t.db, { dispatcher: testDispatcher() });
  });
  afterAll(async () => t?.close());

  it('assigns em_block only to blocks with ManageEntity txs, contiguously, with a parenthash chain', async () => {
    await chain.block(write(10)); // 1: EM
    await chain.block(); // 2: empty
    await chain.block(playsTx([{ trackId: '5' }])); // 3: plays only
    await chain.block(write(11), playsTx([{ trackId: '5' }])); // 4: mixed
    await chain.block(); // 5
    await chain.block(write(12)); // 6
    const cib = await t.db
      .selectFrom('core_indexed_blocks')
      .select(['height', 'em_block', 'blockhash'])
      .orderBy('height')
      .execute();
    expect(cib.map((r) => [r.height, r.em_block])).toEqual([
      [1, 1],
      [2, null],
      [3, null],
      [4, 2],
      [5, null],
      [6, 3],
    ]);
    const blocks = await t.db.selectFrom('blocks').selectAll().orderBy('number').execute();
    expect(blocks.map((b) => b.number)).toEqual([1, 2, 3]);
    expect(blocks[0]!.parenthash).toBeNull();
    expect(blocks[1]!.parenthash).toBe(blocks[0]!.blockhash);
    expect(blocks[2]!.parenthash).toBe(blocks[1]!.blockhash);
    // Domain rows carry em_block, not chain height.
    const users = await userBlockNumbers(t.db);
    expect(users).toEqual([
      { user_id: 10, blocknumber: 1 },
      { user_id: 11, blocknumber: 2 },
      { user_id: 12, blocknumber: 3 },
    ]);
  });

  it('re-indexing an already-indexed block changes nothing', async () => {
    const before = await digestTables(t.db);
    const block4 = blockAt(4, []); // same height, any content: the height is already claimed
    const res = await indexBlock(t.db, block4, chain.deps);
    expect(res).toEqual({ status: 'already-indexed', height: 4 });
    expect(await digestTables(t.db)).toEqual(before);
  });

  it('a hard error inside one tx leaves out only that tx and records it as failed', async () => {
    const rows = await chain.apply(
      write(20),
      emTx({ userId: 21, entityType: 'Test', entityId: 21, action: 'WriteThenBoom', signer: W }),
      emTx({ userId: 22, entityType: 'Test', entityId: 22, action: 'WriteThenReject', signer: W }),
      write(23),
      emTx({ userId: 24, entityType: 'Nope', entityId: 24, action: 'Nothing', signer: W }),
    );
    expect(rows.map((r) => [r.outcome, r.reason_code])).toEqual([
      ['applied', null],
      ['failed', 'handler_error'],
      ['rejected', 'metadata_value_invalid'],
      ['applied', null],
      ['unrouted', 'unrouted'],
    ]);
    expect(rows[1]!.reason).toContain('boom');
    const ids = await t.db
      .selectFrom('users')
      .select('user_id')
      .where('user_id', '>=', 20)
      .orderBy('user_id')
      .execute();
    expect(ids.map((r) => r.user_id)).toEqual([20, 23]);
    const stats = await t.db
      .selectFrom('metronome_block_stats')
      .selectAll()
      .where('block_height', '=', chain.height)
      .executeTakeFirstOrThrow();
    expect([stats.applied, stats.failed, stats.rejected, stats.unrouted]).toEqual([2, 1, 1, 1]);
  });

  it('rejects hostile envelopes with a reason instead of failing the block', async () => {
    const rows = await chain.apply(
      emTx({ userId: 'abc', entityType: 'Test', entityId: 30, action: 'Write', signer: W }),
      emTx({ userId: '2147483648', entityType: 'Test', entityId: 31, action: 'Write', signer: W }),
      emTx({
        userId: 32,
        entityType: 'Test',
        entityId: 32,
        action: 'Write',
        signer: W,
        metadata: '{"a":"x\\u0000y"}',
      }),
      emTx({ userId: 33, entityType: 'Test\u0000', entityId: 33, action: 'Write', signer: W }),
      emTx({
        userId: 34,
        entityType: 'Test',
        entityId: 34,
        action: 'Write',
        signer: W,
        metadata: 'x'.repeat(300_000),
      }),
    );
    expect(rows.map((r) => r.reason_code)).toEqual([
      'invalid_id',
      'invalid_id',
      'nul_byte',
      'nul_byte',
      'metadata_too_large',
    ]);
    const raw = await t.db
      .selectFrom('etl_manage_entities')
      .select(['entity_type', 'user_id'])
      .where('block_height', '=', chain.height)
      .orderBy('tx_index')
      .execute();
    expect(raw).toHaveLength(5);
    expect(raw[3]!.entity_type).toBe('Test\uFFFD');
    expect(raw[0]!.user_id).toBeNull();
  });

  it('bridges plays, skipping non-integer track ids with a recorded reason', async () => {
    const before = await t.db
      .selectFrom('plays')
      .select(sql<number>`count(*)::int`.as('n'))
      .executeTakeFirstOrThrow();
    await chain.block(
      playsTx([
        { userId: '7', trackId: '100' },
        { userId: '0xnodewallet', trackId: '100' },
        { userId: '8', trackId: 'not-a-track' },
        { userId: '9', trackId: '99999999999' },
        { userId: '9', trackId: '101', timestamp: 'yesterday' },
      ]),
    );
    const etl = await t.db
      .selectFrom('etl_plays')
      .select(['track_id', 'skip_reason'])
      .where('block_height', '=', chain.height)
      .orderBy('play_index')
      .execute();
    expect(etl.map((r) => r.skip_reason)).toEqual([
      null,
      null,
      'track_id_not_integer',
      'track_id_not_integer',
      'invalid_timestamp',
    ]);
    const plays = await t.db
      .selectFrom('plays')
      .select(['user_id', 'play_item_id', 'slot', 'source'])
      .where('slot', '=', chain.height)
      .orderBy('user_id')
      .execute();
    expect(plays).toEqual([
      { user_id: 7, play_item_id: 100, slot: chain.height, source: 'relay' },
      { user_id: null, play_item_id: 100, slot: chain.height, source: 'relay' },
    ]);
    const after = await t.db
      .selectFrom('plays')
      .select(sql<number>`count(*)::int`.as('n'))
      .executeTakeFirstOrThrow();
    expect(after.n - before.n).toBe(2);
  });

  it('counts a play another writer inserted first as a collision, without duplicating it or stopping the block', async () => {
    const tx = playsTx([
      { userId: '41', trackId: '300' },
      { userId: '42', trackId: '300' },
    ]);
    const p = tx.plays[0]!;
    // The legacy writer, on its own connection, with its own slot numbering.
    await sql`INSERT INTO plays (user_id, source, play_item_id, created_at, updated_at, slot, signature, city, region, country)
              VALUES (41, 'relay', 300, ${p.timestamp}::timestamptz AT TIME ZONE 'UTC', now(), 999999, ${p.signature}, 'x', 'y', 'z')`.execute(
      t.db,
    );
    const res = await chain.block(tx, write(43));
    expect(res.status).toBe('indexed');
    if (res.status !== 'indexed') return;
    expect(res.stats.playCollisions).toBe(1);
    expect(res.stats.playsBridged).toBe(1);
    const rows = await t.db
      .selectFrom('plays')
      .select(['user_id', 'slot'])
      .where('play_item_id', '=', 300)
      .orderBy('user_id')
      .execute();
    expect(rows).toEqual([
      { user_id: 41, slot: 999999 },
      { user_id: 42, slot: chain.height },
    ]);
    const u = await t.db.selectFrom('users').select('user_id').where('user_id', '=', 43).execute();
    expect(u).toHaveLength(1);
  });
});

describe('indexBlock atomicity', () => {
  let t: TestDb;
  let ref: TestDb;
  // Built once: tx hashes come from a global counter, and every run must see identical blocks.
  const REP = [
    write(100),
    emTx({ userId: 101, entityType: 'Test', entityId: 101, action: 'WriteThenBoom', signer: W }),
    playsTx([
      { userId: '1', trackId: '500' },
      { userId: 'anon', trackId: '500' },
      { userId: '2', trackId: 'junk' },
    ]),
    write(102),
  ];
  const PREFIX = [write(1)];
  const representative = () => REP;
  const prefix = () => PREFIX;

  beforeAll(async () => {
    [t, ref] = await Promise.all([createTestDb(), createTestDb()]);
    const refChain = new TestChain(ref.db, { dispatcher: testDispatcher() });
    await refChain.block(...prefix());
    await refChain.block(...representative());
  });
  afterAll(async () => Promise.all([t?.close(), ref?.close()]));

  it('a block-level error after any statement leaves no row of the block, and the next run indexes it', async () => {
    const chain = new TestChain(t.db, { dispatcher: testDispatcher() });
    await chain.block(...prefix());
    const clean = await digestTables(t.db);

    // Count the statements of a clean run of the block on a throwaway copy of the state.
    const probe = new StatementFault(undefined);
    const scratch = await createTestDb();
    try {
      const c = new TestChain(scratch.db, { dispatcher: testDispatcher() });
      await c.block(...prefix());
      await indexBlock(scratch.db.withPlugin(probe), blockAt(2, representative()), c.deps);
    } finally {
      await scratch.close();
    }
    expect(probe.count).toBeGreaterThan(8);

    for (let n = 1; n <= probe.count; n++) {
      const fault = new StatementFault(n);
      await expect(
        indexBlock(t.db.withPlugin(fault), blockAt(2, representative()), chain.deps),
      ).rejects.toSatisfy(
        (e: unknown) =>
          e instanceof BlockError &&
          e.height === 2 &&
          (e.cause instanceof InjectedFault || String(e.message).includes('injected')),
      );
      expect(await digestTables(t.db), `after a fault at statement ${n}`).toEqual(clean);
    }
    await indexBlock(t.db, blockAt(2, representative()), chain.deps);
    expect(await digestTables(t.db)).toEqual(await digestTables(ref.db));
  });

  it.runIf(process.env.TEST_DB !== 'pglite')(
    'a killed connection mid-block leaves nothing and is retryable',
    async () => {
      if (t.backend !== 'postgres') return;
      const before = await digestTables(t.db);
      const terminate = new StatementFault(5, async () => {
        const dbName = new URL(t.url).pathname.slice(1);
        await adminQuery(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${dbName}' AND pid <> pg_backend_pid()`,
        );
      });
      const err = await indexBlock(
        t.db.withPlugin(terminate),
        blockAt(3, [write(200), playsTx([{ trackId: '9' }])]),
        {
          chainId: TEST_CHAIN_ID,
          dispatcher: testDispatcher(),
          logger: (await import('../../src/deps/logger.js')).silentLogger,
        },
      ).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BlockError);
      expect((err as BlockError).retryable).toBe(true);
      expect(await digestTables(t.db)).toEqual(before);
    },
  );
});
