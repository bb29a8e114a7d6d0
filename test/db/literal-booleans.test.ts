// The deferring handle's booleans as literals (src/db/literal-booleans.ts): outside an INSERT's VALUES
// every boolean is written into the text, so a prepared plan can use a partial index on it; inside VALUES
// it stays a parameter, so one INSERT text serves every combination of flags.
import { Kysely, PostgresDialect, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { LiteralBooleans } from '../../src/db/literal-booleans.js';

interface T {
  u: { id: number; cur: boolean; del: boolean; t: string | null };
}
const bare = new Kysely<T>({
  dialect: new PostgresDialect({ pool: () => Promise.reject(new Error('compile only')) }),
});
const db = bare.withPlugin(new LiteralBooleans());

describe('literal booleans', () => {
  it('writes WHERE and SET booleans into the text; other values stay parameters', () => {
    const q = db
      .updateTable('u')
      .set({ del: false, t: 'x' })
      .where('id', '=', 7)
      .where('cur', '=', true)
      .compile();
    expect(q.sql).toBe('update "u" set "del" = false, "t" = $1 where "id" = $2 and "cur" = true');
    expect(q.parameters).toEqual(['x', 7]);
  });

  it("keeps an INSERT's VALUES booleans as parameters, its WITH's literal", () => {
    const ins = db.insertInto('u').values({ id: 1, cur: true, del: false, t: null }).compile();
    expect(ins.sql).toBe('insert into "u" ("id", "cur", "del", "t") values ($1, $2, $3, $4)');
    expect(ins.parameters).toEqual([1, true, false, null]);
    const withDemote = db
      .with('d', (w) => w.updateTable('u').set({ cur: false }).where('id', '=', 1).where('cur', '=', true))
      .insertInto('u')
      .values({ id: 1, cur: true, del: false, t: 't' })
      .compile();
    expect(withDemote.sql).toBe(
      'with "d" as (update "u" set "cur" = false where "id" = $1 and "cur" = true) insert into "u" ("id", "cur", "del", "t") values ($2, $3, $4, $5)',
    );
    expect(withDemote.parameters).toEqual([1, 1, true, false, 't']);
  });

  it('reaches booleans in raw SQL and subqueries; the same statement compiles as before without it', () => {
    const q = db
      .selectFrom('u')
      .select('id')
      .where(sql<boolean>`del = ${false}`)
      .where('id', 'in', db.selectFrom('u').select('id').where('cur', '=', true))
      .compile();
    expect(q.sql).toBe(
      'select "id" from "u" where del = false and "id" in (select "id" from "u" where "cur" = true)',
    );
    expect(q.parameters).toEqual([]);
    const plain = bare.selectFrom('u').select('id').where('cur', '=', true).compile();
    expect(plain.sql).toBe('select "id" from "u" where "cur" = $1');
  });
});
