// Named prepared statements (src/db/prepared.ts): repeated texts are prepared once per connection,
// the number held is bounded, the least recently used is deallocated first, and a failed Parse or a
// failed execution never leaves the cache unable to go on.
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, type DbHandle } from '../../src/db/connect.js';
import { createTestDb, type TestDb } from '../support/db.js';

let owner: TestDb | undefined;
let h: DbHandle | undefined;
afterEach(async () => {
  await h?.close();
  await owner?.close();
  h = undefined;
  owner = undefined;
});

/** One connection (PGlite has one anyway) holding at most `capacity` names. */
async function open(capacity: number): Promise<DbHandle> {
  owner = await createTestDb({ migrated: false });
  h = await connect(owner.backend === 'pglite' ? 'pglite://memory' : owner.url, {
    poolSize: 1,
    preparedCapacity: capacity,
  });
  return h;
}

const text = (k: number) => `SELECT $1::int + ${k} AS v`;
async function run(db: DbHandle, k: number, x = 10): Promise<number> {
  const r = await sql<{ v: number }>`SELECT ${x}::int + ${sql.raw(String(k))} AS v`.execute(db.db);
  return r.rows[0]!.v;
}
/** The texts the server holds prepared for this (only) connection; no parameters, so never named. */
async function held(db: DbHandle): Promise<string[]> {
  const r = await sql<{
    s: string;
  }>`SELECT statement AS s FROM pg_prepared_statements ORDER BY statement`.execute(db.db);
  return r.rows.map((x) => x.s);
}

describe('named prepared statements', () => {
  it('prepares a repeated text once and answers each call with its own values', async () => {
    const db = await open(8);
    expect(await run(db, 1, 10)).toBe(11);
    expect(await run(db, 1, 20)).toBe(21);
    expect(await run(db, 2, 5)).toBe(7);
    expect(await held(db)).toEqual([text(1), text(2)]);
  });

  it('holds at most its capacity, deallocating the least recently used', async () => {
    const db = await open(2);
    for (const k of [0, 1, 0, 2]) expect(await run(db, k)).toBe(10 + k);
    // 0 was used again after 1, so 1 went out when 2 came (first-in-first-out would keep 1).
    expect(await held(db)).toEqual([text(0), text(2)]);
    expect(await run(db, 3)).toBe(13);
    expect(await held(db)).toEqual([text(2), text(3)]);
    // A text that was evicted is prepared again under a new name, with the right answer.
    expect(await run(db, 0, 1)).toBe(1);
    expect(await held(db)).toEqual([text(0), text(3)]);
  });

  it('goes on after a Parse that failed and after an execution that failed in a transaction', async () => {
    const db = await open(2);
    await expect(sql`SELECT ${1}::int + no_such_column`.execute(db.db)).rejects.toThrow(/no_such_column/);
    await expect(
      db.db.transaction().execute(async (trx) => {
        await sql`SELECT ${'x'}::int + 5 AS v`.execute(trx);
      }),
    ).rejects.toThrow(/invalid input syntax/);
    // The same text, prepared by the failed execution, now runs with good input.
    expect(await run(db, 5, 1)).toBe(6);
    for (const k of [6, 7]) expect(await run(db, k)).toBe(10 + k);
    expect(await held(db)).toEqual([text(6), text(7)]);
  });
});
