// A fresh, migrated database per call: a copy of the template on PostgreSQL (tens of ms), or a new
// in-process PGlite instance (seconds) when no server is available.
import { type Kysely, sql } from 'kysely';
import { inject } from 'vitest';
import { createDatabase, dropDatabase } from '../../sim/database.js';
import { connect } from '../../src/db/connect.js';
import { migrate } from '../../src/db/migrate.js';
import type { Database } from '../../src/db/schema.js';

export interface TestDb {
  readonly db: Kysely<Database>;
  readonly url: string;
  readonly backend: 'postgres' | 'pglite';
  close(): Promise<void>;
  /** Round trips through `db` so far (DbHandle.roundTrips). */
  roundTrips(): number;
}

let counter = 0;

export function testBackend(): 'postgres' | 'pglite' {
  return inject('dbBackend');
}

export async function createTestDb(opts: { migrated?: boolean } = {}): Promise<TestDb> {
  const migrated = opts.migrated ?? true;
  if (inject('dbBackend') === 'pglite') {
    const h = await connect('pglite://memory');
    if (migrated) await migrate(h.db);
    return { db: h.db, url: h.url, backend: 'pglite', close: () => h.close(), roundTrips: h.roundTrips };
  }
  const serverUrl = inject('dbServerUrl');
  const name = `t_${process.pid}_${++counter}_${Math.floor(Math.random() * 1e6)}`;
  const url = await createDatabase(serverUrl, name, migrated ? { template: inject('dbTemplate') } : {});
  const h = await connect(url, { poolSize: 4 });
  return {
    db: h.db,
    url,
    backend: 'postgres',
    roundTrips: h.roundTrips,
    async close() {
      await h.close();
      await dropDatabase(serverUrl, name);
    },
  };
}

/** One statement on the server's maintenance database as superuser. */
export async function adminQuery<R = Record<string, unknown>>(statement: string): Promise<R[]> {
  const serverUrl = inject('dbServerUrl');
  if (!serverUrl) throw new Error('adminQuery needs a PostgreSQL server (tests are running on PGlite)');
  const admin = await connect(serverUrl, { poolSize: 1 });
  try {
    return (await sql.raw<R>(statement).execute(admin.db)).rows;
  } finally {
    await admin.close();
  }
}

/** The heights with an etl_blocks row, ascending. */
export async function indexedHeights(db: Kysely<Database>): Promise<number[]> {
  const rows = await db.selectFrom('etl_blocks').select('block_height').orderBy('block_height').execute();
  return rows.map((r) => Number(r.block_height));
}

/** `blocks` as (blockhash, number), by number: who took which em_block. */
export function emBlocks(db: Kysely<Database>) {
  return db.selectFrom('blocks').select(['blockhash', 'number']).orderBy('number').execute();
}

/** `users` as (user_id, blocknumber), by user_id: the em_block each user row carries. */
export function userBlockNumbers(
  db: Kysely<Database>,
): Promise<{ user_id: number; blocknumber: number | null }[]> {
  return db.selectFrom('users').select(['user_id', 'blocknumber']).orderBy('user_id').execute();
}
