// A batch (src/db/statement-batch.ts): statements in one round trip over the extended protocol, one Sync,
// statements whose plan cannot depend on their values prepared per connection from their second use. What it must keep: order, each
// statement's own rows, the meaning of its parameters, and a connection that stays usable after a failure.
import fc from 'fast-check';
import { CompiledQuery, type Kysely, type KyselyPlugin, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anyOf } from '../../src/db/any-of.js';
import { connect, lastAnswers } from '../../src/db/connect.js';
import { deferringTransaction } from '../../src/db/deferred-statements.js';
import type { Database } from '../../src/db/schema.js';
import {
  BATCH_SQL,
  type BatchStatement,
  batchStatement,
  MAX_NAMES_PER_CONNECTION,
  parameterValue,
  StatementBatch,
} from '../../src/db/statement-batch.js';
import { createTestDb, type TestDb } from '../support/db.js';

const passThrough: KyselyPlugin = {
  transformQuery: (a) => a.node,
  transformResult: async (a) => a.result,
};

/** Every statement's rows, in order (the batch answers as one round trip). */
async function runBatch(db: Kysely<Database>, statements: readonly BatchStatement[]) {
  const r = await db.executeQuery(CompiledQuery.raw(BATCH_SQL, [new StatementBatch(statements)]));
  return lastAnswers(r.rows, statements.length);
}

const insert = (sqlText: string, parameters: readonly unknown[]): BatchStatement => ({
  sql: sqlText,
  parameters,
  prepare: true,
});
const plain = (sqlText: string, parameters: readonly unknown[] = []): BatchStatement => ({
  sql: sqlText,
  parameters,
  prepare: false,
});

/** This connection's prepared statements, by text. */
async function prepared(db: Kysely<Database>): Promise<string[]> {
  const r = await sql<{ statement: string }>`
    SELECT statement FROM pg_prepared_statements WHERE name LIKE 'metronome\\_%' ORDER BY name`.execute(db);
  return r.rows.map((x) => x.statement);
}

describe('statement batch', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb({ migrated: false });
    await sql`CREATE TABLE b (id int PRIMARY KEY, t text, ts timestamptz, a int[], f boolean, n bigint)`.execute(
      t.db,
    );
  });
  afterAll(() => t.close());

  it('runs its statements in order, each answering its own rows, its values as parameters', async () => {
    await t.db.transaction().execute(async (trx) => {
      const ins = 'INSERT INTO b (id, t, ts, a, f, n) VALUES ($1, $2, $3, $4, $5, $6)';
      const values = [
        1,
        'it\'s \\ "quoted" 夜',
        new Date('2025-01-02T03:04:05Z'),
        [1, null, 3],
        true,
        2n ** 62n,
      ];
      const rows = await runBatch(trx, [
        plain('SELECT count(*)::int AS n FROM b'),
        insert(ins, values),
        plain('SELECT id, t, ts, a, f, n::text AS n FROM b WHERE id = $1', [1]),
        insert(ins, [2, null, null, null, null, null]),
        plain('SELECT count(*)::int AS n FROM b'),
      ]);
      expect(rows[0]).toEqual([{ n: 0 }]);
      expect(rows[1]).toEqual([]);
      expect(rows[2]).toEqual([
        {
          id: 1,
          t: values[1],
          ts: new Date('2025-01-02T03:04:05Z'),
          a: [1, null, 3],
          f: true,
          n: String(2n ** 62n),
        },
      ]);
      expect(rows[4]).toEqual([{ n: 2 }]);
      await sql`DELETE FROM b`.execute(trx);
    });
  });

  it('prepares INSERTs of VALUES, and UPDATEs whose booleans the deferring handle made literal, once per connection from their second use', async () => {
    // The real path: `b` written through the deferring handle (held writes).
    const seen = await t.db.transaction().execute(async (trx) => {
      const { db, statements } = deferringTransaction(trx, passThrough);
      const b = db as unknown as Kysely<{ b: { id: number; t: string | null; f: boolean | null } }>;
      for (const id of [20, 21, 22]) {
        await b.insertInto('b').values({ id, t: 'x', f: true }).execute();
        await b.updateTable('b').set({ t: 'y' }).where('id', '=', id).where('f', '=', true).execute();
      }
      await statements.flush();
      return prepared(trx);
    });
    // The INSERT keeps its boolean a parameter (one text whatever the flags); the UPDATE's is literal.
    expect(seen.filter((s) => s.startsWith('insert into "b"'))).toEqual([
      'insert into "b" ("id", "t", "f") values ($1, $2, $3)',
    ]);
    expect(seen.filter((s) => s.startsWith('update'))).toEqual([
      'update "b" set "t" = $1 where "id" = $2 and "f" = true',
    ]);
    const rows = await sql<{ id: number; t: string }>`SELECT id, t FROM b WHERE id >= 20 ORDER BY id`.execute(
      t.db,
    );
    expect(rows.rows).toEqual([
      { id: 20, t: 'y' },
      { id: 21, t: 'y' },
      { id: 22, t: 'y' },
    ]);
  });

  it('a statement with a boolean parameter outside VALUES is planned with its values, never prepared', async () => {
    const b = t.db as unknown as Kysely<{ b: { id: number; t: string | null; f: boolean | null } }>;
    const update = b.updateTable('b').set({ t: 'z' }).where('f', '=', true).compile();
    expect(update.parameters).toContain(true);
    expect(batchStatement(update).prepare).toBe(false);
    const insertValues = b.insertInto('b').values({ id: 50, f: false }).compile();
    expect(batchStatement(insertValues).prepare).toBe(true);
    const read = b
      .selectFrom('b')
      .select('id')
      .where('id', '=', anyOf([1, 2]))
      .compile();
    expect(batchStatement(read).prepare).toBe(true);
  });

  it("a prepared UPDATE's generic plan uses the partial index its literal boolean matches", async () => {
    await sql`CREATE TABLE pi (id int, cur boolean, v int)`.execute(t.db);
    await sql`CREATE UNIQUE INDEX pi_current ON pi (id) WHERE cur`.execute(t.db);
    await sql`INSERT INTO pi SELECT i % 5000, i < 5000, 0 FROM generate_series(0, 49999) i`.execute(t.db);
    await sql`ANALYZE pi`.execute(t.db);
    const plan = await t.db.transaction().execute(async (trx) => {
      const { db, statements } = deferringTransaction(trx, passThrough);
      const p = db as unknown as Kysely<{ pi: { id: number; cur: boolean; v: number } }>;
      for (const id of [1, 2, 3, 4, 5, 6, 7, 8])
        await p
          .updateTable('pi')
          .set({ v: id })
          .where('id', '=', anyOf([id, id + 1]))
          .where('cur', '=', true)
          .execute();
      await statements.flush();
      const r = await sql<{ name: string }>`
        SELECT name FROM pg_prepared_statements WHERE statement LIKE 'update "pi"%'`.execute(trx);
      expect(r.rows).toHaveLength(1);
      await sql`SET LOCAL plan_cache_mode = force_generic_plan`.execute(trx);
      const e = await sql<{
        'QUERY PLAN': string;
      }>`EXPLAIN EXECUTE ${sql.raw(r.rows[0]!.name)}(0, '{1,2}')`.execute(trx);
      return e.rows.map((x) => x['QUERY PLAN']).join('\n');
    });
    expect(plan).toMatch(/Index Scan using pi_current/);
    // Ids 1–9 touched (each UPDATE takes id and id + 1), their current rows only.
    const v = await sql<{ cur: number; stale: number }>`
      SELECT count(*) FILTER (WHERE cur)::int AS cur, count(*) FILTER (WHERE NOT cur)::int AS stale
      FROM pi WHERE v > 0`.execute(t.db);
    expect(v.rows[0]).toEqual({ cur: 9, stale: 0 });
  });

  it("closes a scanning statement and prepares it again each time its connection's batches double", async () => {
    const read = 'SELECT t FROM b WHERE id = any($1) /* renewed */';
    const ins = 'INSERT INTO b (id, t) VALUES ($1, $2) /* kept */';
    const seen = await t.db.transaction().execute(async (trx) => {
      const names: string[][] = [];
      for (let i = 0; i < 70; i++) {
        const rows = await runBatch(trx, [
          insert(ins, [3000 + i, `r${i}`]),
          { sql: read, parameters: [[3000 + i]], prepare: true, renew: true },
        ]);
        expect(rows[1]).toEqual([{ t: `r${i}` }]);
        const r = await sql<{ name: string; statement: string }>`
          SELECT name, statement FROM pg_prepared_statements WHERE statement LIKE '%/* renewed */'
            OR statement LIKE '%/* kept */' ORDER BY statement`.execute(trx);
        names.push(r.rows.map((x) => `${x.statement.endsWith('kept */') ? 'kept' : 'read'}:${x.name}`));
      }
      await sql`DELETE FROM b WHERE id >= 3000`.execute(trx);
      return names;
    });
    // Never two names for one text on the connection; the INSERT keeps its name, the read's changes.
    for (const n of seen) expect(n.length).toBeLessThanOrEqual(2);
    const readNames = new Set(seen.flat().filter((n) => n.startsWith('read:')));
    const keptNames = new Set(seen.flat().filter((n) => n.startsWith('kept:')));
    expect(keptNames.size).toBe(1);
    // Batches double from 16 on this connection (others ran on it before): 70 batches see two or more.
    expect(readNames.size).toBeGreaterThanOrEqual(2);
  });

  it('after a failed batch, a name whose Parse the server skipped is not used again', async () => {
    const ins = 'INSERT INTO b (id, t) VALUES ($1, $2) /* failing-batch */';
    await t.db.transaction().execute(async (trx) => {
      // First use: unnamed. Second use, behind a failing statement: named, but the server skips its Parse.
      await runBatch(trx, [insert(ins, [30, 'a'])]);
      await sql`SAVEPOINT s`.execute(trx);
      const failed = await runBatch(trx, [plain('SELECT 1 / 0'), insert(ins, [31, 'b'])]).catch(
        (e: Error) => e,
      );
      expect(failed).toBeInstanceOf(Error);
      expect((failed as Error).message).toMatch(/division by zero/);
      await sql`ROLLBACK TO SAVEPOINT s`.execute(trx);
      // Named again (a new name, parsed now) and run.
      await runBatch(trx, [insert(ins, [32, 'c'])]);
      await runBatch(trx, [insert(ins, [33, 'd'])]);
      const r = await sql<{ id: number }>`SELECT id FROM b WHERE id BETWEEN 30 AND 33 ORDER BY id`.execute(
        trx,
      );
      expect(r.rows).toEqual([{ id: 30 }, { id: 32 }, { id: 33 }]);
      expect((await prepared(trx)).filter((s) => s === ins)).toHaveLength(1);
    });
  });

  it('a value node-postgres cannot send fails the batch before anything is written; the connection goes on', async () => {
    const circular: { self?: unknown } = {};
    circular.self = circular;
    await t.db.transaction().execute(async (trx) => {
      const failed = await runBatch(trx, [
        insert('INSERT INTO b (id, t) VALUES ($1, $2)', [40, 'written?']),
        plain('SELECT $1::text AS v', [circular]),
      ]).catch((e: Error) => e);
      expect(failed).toBeInstanceOf(Error);
      const r = await runBatch(trx, [plain('SELECT count(*)::int AS n FROM b WHERE id = 40')]);
      expect(r[0]).toEqual([{ n: 0 }]);
    });
  });

  it(`past ${MAX_NAMES_PER_CONNECTION} names a connection prepares no more; texts still run`, async () => {
    await t.db.transaction().execute(async (trx) => {
      const texts = Array.from(
        { length: MAX_NAMES_PER_CONNECTION + 20 },
        (_, i) => `INSERT INTO b (id, t) VALUES ($1, $2) /* text ${i} */`,
      );
      let id = 1000;
      for (let round = 0; round < 2; round++)
        await runBatch(
          trx,
          texts.map((s) => insert(s, [id++, 'n'])),
        );
      expect((await prepared(trx)).length).toBeLessThanOrEqual(MAX_NAMES_PER_CONNECTION);
      const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM b WHERE id >= 1000`.execute(trx);
      expect(r.rows[0]!.n).toBe(texts.length * 2);
      await sql`DELETE FROM b WHERE id >= 1000`.execute(trx);
    });
  });

  it('maps every parameter as node-postgres does (arrays written by the batch itself)', () => {
    const { prepareValue } = (pg as unknown as { utils: { prepareValue(v: unknown): unknown } }).utils;
    const scalar = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 12 }),
      fc.integer(),
      fc.double(),
      fc.bigInt(),
      fc.boolean(),
      fc.constant(null),
      fc.constant(undefined),
    );
    const nested = fc.array(fc.oneof(scalar, fc.array(scalar, { maxLength: 3 })), { maxLength: 6 });
    fc.assert(
      fc.property(fc.oneof(scalar, nested, fc.date({ noInvalidDate: true })), (v) => {
        expect(parameterValue(v)).toEqual(prepareValue(v));
      }),
      { numRuns: 2000, seed: 23 },
    );
    expect(parameterValue(['a"b', 'c\\d', null, [1, 2]])).toBe(prepareValue(['a"b', 'c\\d', null, [1, 2]]));
  });

  it('with prepared statements off (a pooler that cannot carry them) nothing stays on the connection', async () => {
    const h = await connect(t.backend === 'postgres' ? t.url : 'pglite://memory', {
      preparedStatements: false,
    });
    try {
      const seen = await h.db.transaction().execute(async (trx) => {
        await sql`CREATE TEMP TABLE c (id int, t text) ON COMMIT DROP`.execute(trx);
        for (const id of [1, 2, 3])
          await runBatch(trx, [insert('INSERT INTO c (id, t) VALUES ($1, $2)', [id, 'x'])]);
        const n = await sql<{ n: number }>`SELECT count(*)::int AS n FROM c`.execute(trx);
        return { rows: n.rows[0]!.n, prepared: await prepared(trx) };
      });
      expect(seen).toEqual({ rows: 3, prepared: [] });
    } finally {
      await h.close();
    }
  });
});
