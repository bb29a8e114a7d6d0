// Per-processor checkpoints in indexing_checkpoints (docs/spec.md#checkpoints): a missing key reads as 0, and a write
// only ever moves a checkpoint forward, even if two writers race.
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.js';

export async function readCheckpoint(db: Kysely<Database>, name: string): Promise<number> {
  const row = await db
    .selectFrom('indexing_checkpoints')
    .select('last_checkpoint')
    .where('tablename', '=', name)
    .executeTakeFirst();
  return row?.last_checkpoint ?? 0;
}

/** Moves `name` to `value` if that is forward; returns the value now stored. */
export async function advanceCheckpoint(db: Kysely<Database>, name: string, value: number): Promise<number> {
  await sql`
    INSERT INTO indexing_checkpoints (tablename, last_checkpoint) VALUES (${name}, ${value})
    ON CONFLICT (tablename) DO UPDATE SET last_checkpoint = excluded.last_checkpoint
    WHERE indexing_checkpoints.last_checkpoint < excluded.last_checkpoint`.execute(db);
  return readCheckpoint(db, name);
}

/** Cutover: set a checkpoint that does not exist yet (never rewinds a running one; like 0208/0211/…). */
export async function seedCheckpoint(db: Kysely<Database>, name: string, value: number): Promise<boolean> {
  const res = await sql`
    INSERT INTO indexing_checkpoints (tablename, last_checkpoint) VALUES (${name}, ${value})
    ON CONFLICT (tablename) DO NOTHING`.execute(db);
  return (res.numAffectedRows ?? 0n) > 0n;
}

export async function readAllCheckpoints(db: Kysely<Database>): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('indexing_checkpoints')
    .select(['tablename', 'last_checkpoint'])
    .where('tablename', 'like', 'challenges:%')
    .execute();
  return new Map(rows.map((r) => [r.tablename, r.last_checkpoint]));
}
