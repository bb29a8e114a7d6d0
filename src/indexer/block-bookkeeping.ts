// Claim and finish: the etl_blocks row that marks a height taken (and answers "already indexed?"), and
// the closing rows — core_indexed_blocks, the block's stats, every tx outcome — in one round trip.
import { sql, type Transaction } from 'kysely';
import { pgText } from '../chain/text.js';
import type { Block } from '../chain/types.js';
import type { Database } from '../db/schema.js';
import type { TxOutcome } from '../db/tables/etl.js';
import { nextEmBlockInsert, resolveEmBlock } from './em-block.js';

export interface BlockStats {
  readonly height: number;
  readonly emBlock: number | null;
  readonly txs: number;
  readonly emTxs: number;
  readonly applied: number;
  readonly rejected: number;
  readonly failed: number;
  readonly unrouted: number;
  readonly plays: number;
  readonly playsBridged: number;
  readonly playsSkipped: number;
  readonly playCollisions: number;
  /** Rejection reason code → count, for the progress line and coverage marks. */
  readonly reasons: Readonly<Record<string, number>>;
}

export interface TxRow {
  tx_hash: string;
  tx_index: number;
  tx_type: string;
  address: string | null;
  outcome: TxOutcome;
  reason_code: string | null;
  reason: string | null;
  entity_type: string | null;
  action: string | null;
}

export interface Finished {
  readonly block: Block;
  readonly stats: BlockStats;
  readonly rows: readonly TxRow[];
}

/** The etl_blocks insert doubles as the "already indexed?" check: a re-delivered block changes nothing. */
export async function claimBlock(trx: Transaction<Database>, block: Block): Promise<boolean> {
  const claimed = await trx
    .insertInto('etl_blocks')
    .values({
      proposer_address: pgText(block.proposer),
      block_height: block.height,
      block_time: block.timestamp,
      created_at: block.timestamp,
      updated_at: block.timestamp,
    })
    .onConflict((oc) => oc.column('block_height').doNothing())
    .returning('id')
    .executeTakeFirst();
  return claimed !== undefined;
}

/**
 * The claim of a block with ManageEntity txs, and its em_block, in one round trip: undefined when the block
 * was already indexed, else its em_block.
 */
export async function claimWithEmBlock(
  trx: Transaction<Database>,
  block: Block,
): Promise<number | undefined> {
  const r = claimedEmBlock((await claimWithEmBlockStatement(block).execute(trx)).rows);
  if (!r.claimed) return undefined;
  // Another writer took MAX+1 in between: em-block.ts's retry.
  return r.number ?? resolveEmBlock(trx, block.hash);
}

/** claimWithEmBlock's statement, for sending with others; read its rows with `claimedEmBlock`. */
export function claimWithEmBlockStatement(block: Block) {
  // The blocks insert runs only when the claim did (a re-delivered block takes no number); its MAX+1 read
  // is em-block.ts's. The final re-read by hash sees the statement's snapshot, as resolveEmBlock's does.
  return sql<{ claimed: boolean; number: number | null }>`
    WITH claim AS (
      INSERT INTO etl_blocks (proposer_address, block_height, block_time, created_at, updated_at)
      VALUES (${pgText(block.proposer)}, ${block.height}, ${block.timestamp}::timestamptz AT TIME ZONE 'UTC',
              ${block.timestamp}::timestamptz AT TIME ZONE 'UTC', ${block.timestamp}::timestamptz AT TIME ZONE 'UTC')
      ON CONFLICT (block_height) DO NOTHING
      RETURNING 1
    ), ins AS (
      ${nextEmBlockInsert(block.hash, sql`EXISTS (SELECT FROM claim)`)}
      ON CONFLICT DO NOTHING
      RETURNING number
    )
    SELECT EXISTS (SELECT FROM claim) AS claimed,
           COALESCE((SELECT number FROM ins), (SELECT number FROM blocks WHERE blockhash = ${block.hash})) AS number`;
}

/** Whether the claim was this call's, and the number taken (undefined: another writer took MAX+1 first). */
export function claimedEmBlock(rows: readonly unknown[]): { claimed: boolean; number: number | undefined } {
  const r = rows[0] as { claimed: boolean; number: number | null } | undefined;
  return { claimed: r?.claimed === true, number: r?.number ?? undefined };
}

/** claimBlock for many blocks in one statement; returns the heights this call claimed. */
export async function claimBlocks(
  trx: Transaction<Database>,
  blocks: readonly Block[],
): Promise<Set<number>> {
  const claimed = await sql<{ h: number }>`
    INSERT INTO etl_blocks (proposer_address, block_height, block_time, created_at, updated_at)
    SELECT p, h, t AT TIME ZONE 'UTC', t AT TIME ZONE 'UTC', t AT TIME ZONE 'UTC'
    FROM unnest(${blocks.map((b) => pgText(b.proposer))}::text[], ${blocks.map((b) => b.height)}::bigint[],
                ${blocks.map((b) => b.timestamp)}::timestamptz[]) AS x(p, h, t)
    ON CONFLICT (block_height) DO NOTHING
    RETURNING block_height AS h`.execute(trx);
  return new Set(claimed.rows.map((r) => Number(r.h)));
}

/** core_indexed_blocks, each block's stats and every tx outcome, for any number of blocks, in one round trip. */
export async function finishBlocks(
  trx: Transaction<Database>,
  chainId: string,
  done: readonly Finished[],
): Promise<void> {
  if (done.length > 0) await finishStatement(chainId, done).execute(trx);
}

/** finishBlocks' statement, for sending with others (db/send-together.ts); `done` is not empty. */
export function finishStatement(chainId: string, done: readonly Finished[]) {
  const b = <T>(f: (x: Finished) => T) => done.map(f);
  const txs = done.flatMap((d) =>
    d.rows.map((r) => ({ ...r, height: d.block.height, time: d.block.timestamp })),
  );
  const t = <T>(f: (x: (typeof txs)[number]) => T) => txs.map(f);
  return sql`
    WITH cib AS (
      INSERT INTO core_indexed_blocks (blockhash, chain_id, height, em_block)
      SELECT h, ${chainId}, n, e FROM unnest(${b((d) => d.block.hash)}::text[], ${b((d) => d.block.height)}::bigint[],
                                             ${b((d) => d.stats.emBlock)}::int[]) AS x(h, n, e)
      ON CONFLICT (chain_id, height) DO UPDATE SET em_block = excluded.em_block, blockhash = excluded.blockhash
    ), stats AS (
      INSERT INTO metronome_block_stats (block_height, em_block, txs, em_txs, applied, rejected, failed, unrouted,
                                         plays, plays_bridged, plays_skipped, play_collisions)
      SELECT * FROM unnest(${b((d) => d.block.height)}::bigint[], ${b((d) => d.stats.emBlock)}::int[],
                           ${b((d) => d.stats.txs)}::int[], ${b((d) => d.stats.emTxs)}::int[], ${b((d) => d.stats.applied)}::int[],
                           ${b((d) => d.stats.rejected)}::int[], ${b((d) => d.stats.failed)}::int[], ${b((d) => d.stats.unrouted)}::int[],
                           ${b((d) => d.stats.plays)}::int[], ${b((d) => d.stats.playsBridged)}::int[],
                           ${b((d) => d.stats.playsSkipped)}::int[], ${b((d) => d.stats.playCollisions)}::int[])
    )
    INSERT INTO etl_transactions (tx_hash, block_height, tx_index, tx_type, address, created_at, outcome, reason_code,
                                  reason, entity_type, action)
    SELECT h, n, i, ty, a, c AT TIME ZONE 'UTC', o, rc, r, et, ac
    FROM unnest(${t((r) => pgText(r.tx_hash))}::text[], ${t((r) => r.height)}::bigint[], ${t((r) => r.tx_index)}::int[],
                ${t((r) => r.tx_type)}::text[], ${t((r) => r.address)}::text[], ${t((r) => r.time)}::timestamptz[],
                ${t((r) => r.outcome)}::text[], ${t((r) => r.reason_code)}::text[], ${t((r) => r.reason)}::text[],
                ${t((r) => r.entity_type)}::text[], ${t((r) => r.action)}::text[])
         AS x(h, n, i, ty, a, c, o, rc, r, et, ac)`;
}
