// Which tables a statement may write, as the block view's tracker sees it: the lookups on those tables are
// dropped, so a table written and not named would leave a stale answer behind.
import {
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  sql,
} from 'kysely';
import { describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/schema.js';
import { ALL_TABLES, writtenTables } from '../../src/entity-manager/block-view/write-tracker.js';

const db = new Kysely<Database>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (k) => new PostgresIntrospector(k),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
});

const tables = (s: ReadonlySet<string> | null) => (s === null ? null : [...s].sort());

describe('writtenTables', () => {
  it('a plain write names its target only; reads name nothing', () => {
    const reading = db.selectFrom('users').select('user_id').where('user_id', '=', 1);
    expect(tables(writtenTables(db.selectFrom('tracks').selectAll().toOperationNode()))).toBeNull();
    expect(
      tables(
        writtenTables(
          db
            .updateTable('tracks')
            .set({ is_delete: true })
            .where('owner_id', 'in', reading)
            .toOperationNode(),
        ),
      ),
    ).toEqual(['tracks']);
    expect(
      tables(writtenTables(db.deleteFrom('follows').where('follower_user_id', '=', 1).toOperationNode())),
    ).toEqual(['follows']);
  });

  it('a write with a CTE names every table in it (the CTE may write one); raw SQL may write anything', () => {
    const q = db
      .with('demoted', (d) => d.updateTable('user_events').set({ is_current: false }).returning('id'))
      .insertInto('users')
      .columns(['user_id'])
      .expression((eb) => eb.selectFrom('demoted').select(sql<number>`1`.as('user_id')));
    expect(tables(writtenTables(q.toOperationNode()))).toEqual(['demoted', 'user_events', 'users']);
    expect(tables(writtenTables(sql`UPDATE users SET bio = 'x'`.toOperationNode()))).toEqual([ALL_TABLES]);
    expect(tables(writtenTables(sql`SAVEPOINT em_block`.toOperationNode()))).toBeNull();
  });
});
