// em_block: the next blocks.number, consumed only by chain blocks that carry ManageEntity txs.
// MAX+1 is computed in the insert itself, reading the top of blocks_number_uniq backwards (an ORDER BY
// number DESC NULLS LAST cannot use that index and sorted the whole table: 0.09 ms per block at 20k
// blocks, 1.1 ms at 200k); ON CONFLICT covers a re-delivered hash (reuse its number)
// and another writer that took MAX+1 first (re-read finds nothing → try once more).
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { Database } from '../db/schema.js';
import { RetryableError } from '../shared/errors.js';

export async function resolveEmBlock(db: Kysely<Database>, blockHash: string): Promise<number> {
  for (let attempt = 0; attempt < 2; attempt++) {
    const n = emBlockOf((await emBlockStatement(blockHash).execute(db)).rows);
    if (n !== undefined) return n;
  }
  throw new RetryableError(
    `could not claim a blocks.number for ${blockHash}: another writer keeps taking MAX+1`,
  );
}

/** One try at the block's number, for sending with other statements; read its rows with `emBlockOf`. */
export function emBlockStatement(blockHash: string): RawBuilder<{ number: number | null }> {
  return sql<{ number: number | null }>`${takeNumber(blockHash)} ${takenNumber(blockHash)}`;
}

/** The CTE `ins` that inserts the block's row at MAX+1 unless a row conflicts (its hash, or the number). */
function takeNumber(blockHash: string): RawBuilder<unknown> {
  return sql`
      WITH ins AS (
        ${nextEmBlockInsert(blockHash)}
        ON CONFLICT DO NOTHING
        RETURNING number
      )`;
}

/** The number `ins` took, or the one the hash already had; no row when another writer took MAX+1. */
function takenNumber(blockHash: string): RawBuilder<unknown> {
  return sql`
      SELECT number FROM ins
      UNION ALL
      SELECT number FROM blocks WHERE blockhash = ${blockHash}
      LIMIT 1`;
}

/** The number `emBlockStatement` answered; undefined when another writer took MAX+1 first (try again). */
export function emBlockOf(rows: readonly unknown[]): number | undefined {
  const n = (rows[0] as { number: number | null } | undefined)?.number;
  return n === undefined || n === null ? undefined : n;
}

/** INSERT … SELECT of the next blocks row (MAX+1), made only when `onlyIf` holds. */
export function nextEmBlockInsert(blockHash: string, onlyIf: RawBuilder<unknown> = sql`true`) {
  return sql`INSERT INTO blocks (blockhash, parenthash, number)
        SELECT ${blockHash}, top.blockhash, COALESCE(top.number, 0) + 1
        FROM (SELECT NULL) AS one
        LEFT JOIN LATERAL (SELECT blockhash, number FROM blocks WHERE number IS NOT NULL ORDER BY number DESC LIMIT 1) AS top ON true
        WHERE ${onlyIf}`;
}

/**
 * The block's number taken as `emBlockStatement` takes it, raising (inside the block savepoint) unless it
 * is `expected` — the number the block's rows were written with before the answer came (em-txs.ts, the
 * line; migrations/0016_expected_em_block.sql).
 */
export function expectedEmBlockStatement(blockHash: string, expected: number): RawBuilder<unknown> {
  return sql`${takeNumber(blockHash)}
      SELECT metronome_expect_em_block(${blockHash}, (${takenNumber(blockHash)}), ${expected}::int)`;
}
