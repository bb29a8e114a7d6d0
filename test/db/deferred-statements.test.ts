// Held writes (src/db/deferred-statements.ts): a statement in a batch means what it meant with parameters,
// held writes reach the server in order with the next statement that needs an answer, and a held write's
// error is heard there — and the ManageEntity fast path turns that into a replay on the careful path.
import fc from 'fast-check';
import { type Kysely, type KyselyPlugin, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deferringTransaction } from '../../src/db/deferred-statements.js';
import type { Database } from '../../src/db/schema.js';
import { silentLogger } from '../../src/deps/logger.js';
import { indexBlock } from '../../src/indexer/index-block.js';
import { testDispatcher, W } from '../indexer/test-handlers.js';
import { blockAt, emTx, TEST_CHAIN_ID } from '../support/chain.js';
import { createTestDb, type TestDb } from '../support/db.js';
import { digestTables } from '../support/digest.js';

const passThrough: KyselyPlugin = {
  transformQuery: (a) => a.node,
  transformResult: async (a) => a.result,
};

/** A value of each column type the handlers write, as the handlers pass it (strings for jsonb and numeric). */
const row = fc.record({
  t: fc.option(fc.string({ unit: 'binary', maxLength: 40 }).filter((s) => !s.includes('\0'))),
  i: fc.option(fc.integer()),
  b: fc.option(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })),
  f: fc.option(fc.boolean()),
  ta: fc.option(
    fc.array(fc.option(fc.string({ maxLength: 8 }).filter((s) => !s.includes('\0'))), { maxLength: 4 }),
  ),
  ia: fc.option(fc.array(fc.integer(), { maxLength: 4 })),
  j: fc.option(fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v))),
  n: fc.option(fc.double({ noNaN: true, noDefaultInfinity: true }).map(String)),
});

describe('a batch means what parameters mean', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb({ migrated: false });
  });
  afterAll(async () => t?.close());

  it('a row written in a batch (prepared from its second use) equals the row written with parameters', async () => {
    await sql`CREATE TABLE scratch (k int, t text, i int4, b int8, f bool, ta text[], ia int4[], j jsonb, n numeric)`.execute(
      t.db,
    );
    let k = 0;
    await fc.assert(
      fc.asyncProperty(row, async (r) => {
        const a = ++k;
        const b = ++k;
        await sql`INSERT INTO scratch VALUES (${a}, ${r.t}, ${r.i}, ${r.b}, ${r.f}, ${r.ta}, ${r.ia}, ${r.j}, ${r.n})`.execute(
          t.db,
        );
        await t.db.transaction().execute(async (trx) => {
          const { db, statements } = deferringTransaction(trx, passThrough);
          await (db as unknown as Kysely<{ scratch: Record<string, unknown> }>)
            .insertInto('scratch')
            .values({ k: b, t: r.t, i: r.i, b: r.b, f: r.f, ta: r.ta, ia: r.ia, j: r.j, n: r.n })
            .execute();
          await statements.flush();
        });
        const rows = await sql<{ k: number; r: string }>`
          SELECT k, to_jsonb(s) - 'k' AS r FROM scratch s WHERE k IN (${a}, ${b}) ORDER BY k`.execute(t.db);
        expect(rows.rows[1]!.r).toEqual(rows.rows[0]!.r);
      }),
      { numRuns: 150, seed: 19 },
    );
  });
});

describe('held statements', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb();
  });
  afterAll(async () => t?.close());

  const user = (trx: Kysely<Database>, id: number) =>
    trx
      .insertInto('etl_addresses')
      .values({ address: `0x${id}`, first_seen_block_height: id, created_at: '2025-01-01T00:00:00Z' });

  it('writes wait for the next statement that needs an answer and travel with it, in order', async () => {
    await t.db.transaction().execute(async (trx) => {
      const { db, statements } = deferringTransaction(trx, passThrough);
      await sql`SAVEPOINT s`.execute(db);
      await db
        .insertInto('etl_addresses')
        .values({ address: '0xa', first_seen_block_height: 1, created_at: '2025-01-01T00:00:00Z' })
        .execute();
      await db
        .updateTable('etl_addresses')
        .set({ first_seen_block_height: 2 })
        .where('address', '=', '0xa')
        .execute();
      expect(statements.pending).toBe(3);
      // Not sent yet: the transaction's own connection does not have the row.
      expect(statements.sends).toBe(0);
      const seen = await db
        .selectFrom('etl_addresses')
        .select('first_seen_block_height')
        .where('address', '=', '0xa')
        .execute();
      expect(seen).toEqual([{ first_seen_block_height: 2 }]);
      expect(statements).toMatchObject({ pending: 0, sends: 1 });
      // An insert whose answer is read is never held.
      const back = await user(db, 7).returning('address').execute();
      expect(back).toEqual([{ address: '0x7' }]);
      expect(statements.pending).toBe(0);
      await sql`RELEASE SAVEPOINT s`.execute(db);
      await statements.flush();
      expect(statements.sends).toBe(2);
    });
  });

  it('reads sent together travel in one round trip behind the held writes, each answered with its own rows', async () => {
    await t.db.transaction().execute(async (trx) => {
      const { db, statements } = deferringTransaction(trx, passThrough);
      await user(db, 11).execute();
      await user(db, 12).execute();
      const read = (address: string) => (h: Kysely<Database>) =>
        h
          .selectFrom('etl_addresses')
          .select('first_seen_block_height as n')
          .where('address', '=', address)
          .execute();
      const twice = async (h: Kysely<Database>) => {
        const a = await read('0x11')(h);
        return [...a, ...(await read('0x12')(h))];
      };
      const answers = await statements.together([read('0x12'), read('0x11'), read('0x99'), twice]);
      expect(answers).toEqual([[{ n: 12 }], [{ n: 11 }], [], [{ n: 11 }, { n: 12 }]]);
      // One round trip for the held writes and the four first reads; twice's second read went on its own.
      expect(statements.sends).toBe(1);
    });
  });

  it('a statement waiting in line is answered from its place in the line, when the line next goes', async () => {
    await t.db.transaction().execute(async (trx) => {
      const { db, statements } = deferringTransaction(trx, passThrough);
      const count = (address: string) =>
        sql<{ n: number }>`SELECT count(*)::int AS n FROM etl_addresses WHERE address = ${address}`;
      const before = statements.askRows(count('0x21'));
      await user(db, 21).execute();
      const after = statements.askRows(count('0x21'));
      statements.hold(sql`UPDATE etl_addresses SET first_seen_block_height = 99 WHERE address = '0x21'`);
      expect(statements).toMatchObject({ pending: 4, sends: 0 });
      await statements.flush();
      expect(await before).toEqual([{ n: 0 }]);
      expect(await after).toEqual([{ n: 1 }]);
      expect(statements.sends).toBe(1);
      const row = await db
        .selectFrom('etl_addresses')
        .select('first_seen_block_height as h')
        .where('address', '=', '0x21')
        .execute();
      expect(row).toEqual([{ h: 99 }]);
    });
  });

  it('a statement with a Date parameter goes in the batch, in its place in the line', async () => {
    await t.db.transaction().execute(async (trx) => {
      const { db, statements } = deferringTransaction(trx, passThrough);
      await user(db, 31).execute();
      // A Date, which the literal-inlining path before the batch sent on its own: now a parameter like any other.
      const dated = statements.askRows(
        sql`SELECT ${new Date('2025-01-02T00:00:00Z')}::timestamptz = '2025-01-02T00:00:00Z' AS same, count(*)::int AS n FROM etl_addresses WHERE address = '0x31'`,
      );
      await user(db, 32).execute();
      const last = statements.askRows(
        sql`SELECT count(*)::int AS n FROM etl_addresses WHERE address IN ('0x31', '0x32')`,
      );
      await statements.flush();
      expect(await dated).toEqual([{ same: true, n: 1 }]);
      expect(await last).toEqual([{ n: 2 }]);
      // One batch: the held writes, the dated read and the last read, in order.
      expect(statements.sends).toBe(1);
    });
  });

  it('a statement waiting in line that nobody awaits does not leave an unhandled rejection when its line fails', async () => {
    const unhandled: unknown[] = [];
    const listener = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', listener);
    try {
      const err = await t.db
        .transaction()
        .execute(async (trx) => {
          const { db, statements } = deferringTransaction(trx, passThrough);
          // Asked, then abandoned: the caller's scope fails before it awaits the answer.
          statements.askRows(sql`SELECT 1 AS one`);
          await user(db, 51).execute();
          await user(db, 51).execute(); // duplicate key
          await statements.flush();
        })
        .catch((e: Error) => e);
      expect((err as Error).message).toMatch(/duplicate key/);
      // Rejections are reported after the microtask queue drains: give them a turn of the event loop.
      await new Promise((r) => setImmediate(r));
      await new Promise((r) => setImmediate(r));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', listener);
    }
  });

  it('an error in the line is thrown by the send and heard by every statement waiting after it', async () => {
    const outcome = await t.db
      .transaction()
      .execute(async (trx) => {
        const { db, statements } = deferringTransaction(trx, passThrough);
        const first = statements.askRows(sql`SELECT 1 AS one`);
        await user(db, 41).execute();
        await user(db, 41).execute(); // duplicate key
        const waiting = statements.askRows(sql`SELECT 2 AS two`);
        const sent = await statements.flush().catch((e: Error) => e);
        return {
          sent,
          waiting: await waiting.catch((e: Error) => e),
          first: await first.catch((e: Error) => e),
        };
      })
      .catch((e: Error) => ({ sent: e, waiting: e, first: e }));
    expect(outcome.sent).toBeInstanceOf(Error);
    expect((outcome.sent as Error).message).toMatch(/duplicate key/);
    expect(outcome.waiting).toBe(outcome.sent);
    // In the same batch, before the failing statement: PostgreSQL ran it, but its answer is lost with the
    // batch's, so it hears the error too.
    expect(outcome.first).toBe(outcome.sent);
  });

  it("a held write's error is heard at the next statement that needs an answer, not at the write", async () => {
    const err = await t.db
      .transaction()
      .execute(async (trx) => {
        const { db } = deferringTransaction(trx, passThrough);
        await user(db, 1).execute();
        await user(db, 1).execute(); // duplicate key: held, so no error yet
        await db.selectFrom('etl_addresses').select('address').execute();
        return null;
      })
      .catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/duplicate key/);
  });
});

describe('ManageEntity fast path with held writes', () => {
  let fast: TestDb;
  let careful: TestDb;
  beforeAll(async () => {
    [fast, careful] = await Promise.all([createTestDb(), createTestDb()]);
  });
  afterAll(async () => Promise.all([fast?.close(), careful?.close()]));

  it('a held write failing in the database replays the block on the careful path: same outcomes, same rows', async () => {
    const txs = [
      emTx({ userId: 1, entityType: 'Test', entityId: 1, action: 'Write', signer: W }),
      emTx({ userId: 2, entityType: 'Test', entityId: 2, action: 'WriteFailsInDatabase', signer: W }),
      emTx({ userId: 3, entityType: 'Test', entityId: 3, action: 'Write', signer: W }),
    ];
    const deps = { chainId: TEST_CHAIN_ID, dispatcher: testDispatcher(), logger: silentLogger };
    const a = await indexBlock(fast.db, blockAt(1, txs), deps);
    const b = await indexBlock(careful.db, blockAt(1, txs), { ...deps, batching: false });
    expect(a).toEqual(b);
    expect(a.status === 'indexed' && a.stats).toMatchObject({ applied: 2, failed: 1 });
    expect(await digestTables(fast.db)).toEqual(await digestTables(careful.db));
  });
});
