// Prepared writes (src/db/prepared-write.ts) send exactly what their builder would: same text, same
// parameters, for rows with any mix of undefined, null, arrays, JSON and quotes; and a statement run through
// a handle still passes that handle's plugins.
import fc from 'fast-check';
import {
  DummyDriver,
  type Insertable,
  Kysely,
  type KyselyPlugin,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type RootOperationNode,
  sql,
  type Updateable,
} from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LiteralBooleans } from '../../src/db/literal-booleans.js';
import { preparedWrite } from '../../src/db/prepared-write.js';
import type { Database } from '../../src/db/schema.js';
import type { FollowsTable } from '../../src/db/tables/social-graph.js';
import type { UsersTable } from '../../src/db/tables/users-tracks.js';
import { createTestDb, type TestDb } from '../support/db.js';

const compiler = new Kysely<Database>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (k) => new PostgresIntrospector(k),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
});

const buildUpsert = (
  db: Kysely<Database>,
  $: { row: Insertable<FollowsTable>; set: Updateable<FollowsTable> },
) =>
  db
    .insertInto('follows')
    .values($.row)
    .onConflict((oc) =>
      oc
        .columns(['follower_user_id', 'followee_user_id'])
        .where('is_current', '=', sql.lit(true))
        .doUpdateSet($.set),
    );
const upsert = preparedWrite(buildUpsert);

const buildUpdate = (
  db: Kysely<Database>,
  $: { set: Updateable<UsersTable>; userId: number; handle: string | null; deactivated: boolean },
) =>
  db
    .updateTable('users')
    .set($.set)
    .where('user_id', '=', $.userId)
    .where('handle', 'is not', $.handle)
    .where('is_deactivated', 'is', $.deactivated)
    .where('is_current', '=', true);
const update = preparedWrite(buildUpdate);

const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const text = fc.string({ unit: 'binary', maxLength: 12 });
const followRow = fc.record({
  blockhash: maybe(fc.option(text)),
  blocknumber: maybe(fc.option(fc.integer())),
  txhash: text,
  follower_user_id: fc.integer(),
  followee_user_id: fc.integer(),
  is_current: fc.boolean(),
  is_delete: maybe(fc.boolean()),
  created_at: fc.constantFrom('2025-01-01T00:00:00Z', "it's"),
  slot: maybe(fc.option(fc.integer())),
});
const followSet = fc.record(
  {
    is_delete: maybe(fc.boolean()),
    created_at: maybe(text),
    txhash: maybe(text),
    blocknumber: maybe(fc.option(fc.integer())),
  },
  { requiredKeys: [] },
);
const userSet = fc
  .record(
    {
      name: maybe(fc.option(text)),
      bio: maybe(fc.option(text)),
      playlist_library: maybe(fc.option(fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)))),
      updated_at: maybe(text),
    },
    { requiredKeys: [] },
  )
  .filter((s) => Object.values(s).some((v) => v !== undefined));

describe('preparedWrite', () => {
  it('compiles to the builder’s text and parameters, whatever the mix of defined columns', () => {
    fc.assert(
      fc.property(followRow, followSet, (row, set) => {
        // Undefined values are what Kysely leaves out; the handlers' spread rows can carry them at run time.
        const inputs = { row, set } as unknown as Parameters<typeof upsert>[1];
        const mine = upsert.compile(compiler, inputs);
        const theirs = buildUpsert(compiler, inputs).compile();
        expect(mine.sql).toBe(theirs.sql);
        expect(mine.parameters).toEqual(theirs.parameters);
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(
        userSet,
        fc.integer(),
        fc.option(text),
        fc.boolean(),
        (set, userId, handle, deactivated) => {
          const inputs = { set, userId, handle, deactivated } as unknown as Parameters<typeof update>[1];
          const mine = update.compile(compiler, inputs);
          const theirs = buildUpdate(compiler, inputs).compile();
          expect(mine.sql).toBe(theirs.sql);
          expect(mine.parameters).toEqual(theirs.parameters);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a value that is an expression is compiled by the builder itself', () => {
    // Not expressible with Updateable types; a caller with looser types could still pass one.
    const inputs = {
      set: { name: sql<string>`upper(${'x'})` },
      userId: 1,
      handle: null,
      deactivated: false,
    } as unknown as Parameters<typeof update>[1];
    const mine = update.compile(compiler, inputs);
    expect(mine.sql).toContain('upper($1)');
    expect(mine.sql).toBe(buildUpdate(compiler, inputs).compile().sql);
  });

  it('refuses an input used as SQL text', () => {
    const bad = preparedWrite((db, $: { id: number }) =>
      db.updateTable('users').set({ name: 'x' }).where('user_id', '=', sql.lit($.id)),
    );
    expect(() => bad.compile(compiler, { id: 1 })).toThrow(/used as SQL text|invalid immediate value/);
  });

  describe('on a database', () => {
    let t: TestDb;
    beforeAll(async () => {
      t = await createTestDb();
    });
    afterAll(async () => t?.close());

    it('writes the row and passes the handle’s plugins', async () => {
      const seen: RootOperationNode['kind'][] = [];
      const watching: KyselyPlugin = {
        transformQuery: (a) => {
          seen.push(a.node.kind);
          return a.node;
        },
        transformResult: async (a) => a.result,
      };
      const db = t.db.withPlugin(watching);
      const row = (followee: number, isDelete: boolean): Insertable<FollowsTable> => ({
        blockhash: 'h',
        blocknumber: 1,
        txhash: `t${followee}`,
        follower_user_id: 1,
        followee_user_id: followee,
        is_current: true,
        is_delete: isDelete,
        created_at: '2025-01-01T00:00:00Z',
      });
      await upsert(db, { row: row(2, false), set: { is_delete: false } });
      await upsert(db, { row: row(3, false), set: { is_delete: false } });
      // The second call for the same pair takes the conflict branch.
      await upsert(db, { row: row(3, true), set: { is_delete: true, txhash: 'again' } });
      // A value that is an expression: the builder's own statement, through the plugins as well.
      const expression = { row: row(4, false), set: { txhash: sql<string>`'x'` } };
      await upsert(db, expression as unknown as Parameters<typeof upsert>[1]);
      expect(seen).toEqual(['InsertQueryNode', 'InsertQueryNode', 'InsertQueryNode', 'InsertQueryNode']);
      const rows = await t.db
        .selectFrom('follows')
        .select(['followee_user_id', 'is_delete', 'txhash'])
        .where('follower_user_id', '=', 1)
        .orderBy('followee_user_id')
        .execute();
      expect(rows).toEqual([
        { followee_user_id: 2, is_delete: false, txhash: 't2' },
        { followee_user_id: 3, is_delete: true, txhash: 'again' },
        { followee_user_id: 4, is_delete: false, txhash: 't4' },
      ]);
    });

    it('under the literal-booleans plugin a shape is compiled once, its booleans in the text', async () => {
      const db = t.db.withPlugin(new LiteralBooleans());
      const userRow = (id: number): Insertable<UsersTable> => ({
        blockhash: 'h',
        blocknumber: 1,
        txhash: `u${id}`,
        user_id: id,
        is_current: true,
        handle: `h${id}`,
        handle_lc: `h${id}`,
        created_at: '2025-01-01T00:00:00Z',
        updated_at: '2025-01-01T00:00:00Z',
      });
      await t.db
        .insertInto('users')
        .values([userRow(70), userRow(71), userRow(72)])
        .execute();
      const texts: string[] = [];
      const compileQuery = vi.spyOn(PostgresQueryCompiler.prototype, 'compileQuery');
      try {
        const call = (userId: number) =>
          update(db, { set: { name: `n${userId}` }, userId, handle: null, deactivated: false });
        await call(70);
        const afterFirst = compileQuery.mock.calls.length;
        await call(71);
        await call(72);
        expect(compileQuery.mock.calls.length).toBe(afterFirst);
        for (const r of compileQuery.mock.results) texts.push((r.value as { sql: string }).sql);
      } finally {
        compileQuery.mockRestore();
      }
      expect(texts.at(-1)).toMatch(/"is_deactivated" is false and "is_current" = true$/);
      const names = await t.db
        .selectFrom('users')
        .select(['user_id', 'name'])
        .where('user_id', 'in', [70, 71, 72])
        .orderBy('user_id')
        .execute();
      expect(names).toEqual([
        { user_id: 70, name: 'n70' },
        { user_id: 71, name: 'n71' },
        { user_id: 72, name: 'n72' },
      ]);
    });

    it('a plugin that rewrites the statement has its version sent', async () => {
      // Renames the target table: the statement must then fail on the missing table, not write follows.
      const renaming: KyselyPlugin = {
        transformQuery: (a) =>
          a.node.kind === 'InsertQueryNode' && a.node.into
            ? ({
                ...a.node,
                into: {
                  ...a.node.into,
                  table: {
                    ...a.node.into.table,
                    identifier: { kind: 'IdentifierNode', name: 'no_such_table' },
                  },
                },
              } as RootOperationNode)
            : a.node,
        transformResult: async (a) => a.result,
      };
      const row: Insertable<FollowsTable> = {
        txhash: 'x',
        follower_user_id: 9,
        followee_user_id: 8,
        is_current: true,
        is_delete: false,
        created_at: '2025-01-01T00:00:00Z',
      };
      await expect(upsert(t.db.withPlugin(renaming), { row, set: { is_delete: false } })).rejects.toThrow(
        /no_such_table/,
      );
    });
  });
});
