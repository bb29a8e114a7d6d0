// indexBlock: ONE database transaction per chain block (see ../shared/design.md "Block processing
// contract"). Bookkeeping, every tx outcome, plays and their trigger effects commit together or not at all.
import { type Kysely, sql, type Transaction } from 'kysely';
import { parseInt64, pgText } from '../chain/text.js';
import { type Block, isManageEntity, type ManageEntityTx, type Tx } from '../chain/types.js';
import type { Database } from '../db/schema.js';
import type { TxOutcome } from '../db/tables/etl.js';
import type { Logger } from '../deps/logger.js';
import { applyManageEntity } from '../entity-manager/apply.js';
import type { Dispatcher } from '../entity-manager/dispatcher.js';
import { BlockError, describe, isRetryable } from '../shared/errors.js';
import { resolveEmBlock } from './em-block.js';
import { bridgePlays, classifyPlay, type PlayRecord, type PlaysHook } from './plays-bridge.js';
import { rawField, rawMetadata } from './raw-text.js';

export interface IndexDeps {
  readonly chainId: string;
  readonly dispatcher: Dispatcher;
  readonly logger: Logger;
  /** Defaults to the production bridge into `plays`. */
  readonly playsHook?: PlaysHook;
}

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

export type IndexBlockResult =
  | { readonly status: 'indexed'; readonly stats: BlockStats }
  | { readonly status: 'already-indexed'; readonly height: number };

interface TxRow {
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

/** The `tx_type` recorded in etl_transactions for a decoded tx. */
export function txTypeOf(tx: Tx): string {
  if (tx.kind === 'manage_entity') return tx.migration ? 'manage_entity_migration' : 'manage_entity';
  if (tx.kind === 'plays') return 'play';
  return tx.txType;
}

export async function indexBlock(
  db: Kysely<Database>,
  block: Block,
  deps: IndexDeps,
): Promise<IndexBlockResult> {
  try {
    return await db.transaction().execute((trx) => applyBlock(trx, block, deps));
  } catch (e) {
    if (e instanceof BlockError) throw e;
    throw new BlockError(block.height, isRetryable(e), e);
  }
}

/**
 * Everything one block writes, inside a transaction the caller owns. The run loop may apply several
 * consecutive blocks in one transaction (group commit during backfill): each block is still all or
 * nothing, because a failure rolls back the whole group and the blocks are then retried one by one.
 */
export async function applyBlock(
  trx: Transaction<Database>,
  block: Block,
  deps: IndexDeps,
): Promise<IndexBlockResult> {
  // The etl_blocks insert doubles as the "already indexed?" check: a re-delivered block changes nothing.
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
  if (!claimed) return { status: 'already-indexed', height: block.height };

  const emTxs = block.txs.filter(isManageEntity);
  const emBlock = emTxs.length > 0 ? await resolveEmBlock(trx, block.hash) : null;
  if (emTxs.length > 0) await recordManageEntities(trx, block, emTxs);

  const rows: TxRow[] = [];
  const reasons: Record<string, number> = {};
  const counts = { applied: 0, rejected: 0, failed: 0, unrouted: 0 };
  const playRecords: PlayRecord[] = [];

  for (let i = 0; i < block.txs.length; i++) {
    const tx = block.txs[i]!;
    const row: TxRow = {
      tx_hash: rawField(tx.hash),
      tx_index: i,
      tx_type: txTypeOf(tx),
      address: null,
      outcome: 'applied',
      reason_code: null,
      reason: null,
      entity_type: null,
      action: null,
    };
    if (tx.kind === 'manage_entity') {
      const me = tx.manageEntity;
      row.address = rawField(me.signer.toLowerCase());
      row.entity_type = pgText(clipText(me.entityType));
      row.action = pgText(clipText(me.action));
      const result = await applyInSavepoint(trx, tx, emBlock!, block, deps);
      row.outcome = result.outcome;
      if (result.outcome !== 'applied') {
        row.reason_code = result.reasonCode;
        row.reason = pgText(result.reason);
        reasons[result.reasonCode] = (reasons[result.reasonCode] ?? 0) + 1;
      }
      counts[result.outcome]++;
    } else if (tx.kind === 'plays') {
      row.address = tx.plays.length > 0 ? rawField(tx.plays[0]!.userId) : null;
      tx.plays.forEach((p, j) => {
        playRecords.push(classifyPlay(p, rawField(tx.hash), i, j));
      });
      counts.applied++;
    } else {
      counts.applied++;
    }
    rows.push(row);
  }

  const plays = await recordPlays(trx, block, playRecords, deps.playsHook ?? bridgePlays);
  if (emTxs.length > 0) await fireDeferredTriggers(trx);
  const stats: BlockStats = {
    height: block.height,
    emBlock,
    txs: block.txs.length,
    emTxs: emTxs.length,
    ...counts,
    ...plays,
    reasons,
  };
  await finishBlocks(trx, deps.chainId, [{ block, stats, rows }]);
  return { status: 'indexed', stats };
}

interface Finished {
  readonly block: Block;
  readonly stats: BlockStats;
  readonly rows: readonly TxRow[];
}

/** core_indexed_blocks, each block's stats and every tx outcome, for any number of blocks, in one round trip. */
async function finishBlocks(
  trx: Transaction<Database>,
  chainId: string,
  done: readonly Finished[],
): Promise<void> {
  if (done.length === 0) return;
  const b = <T>(f: (x: Finished) => T) => done.map(f);
  const txs = done.flatMap((d) =>
    d.rows.map((r) => ({ ...r, height: d.block.height, time: d.block.timestamp })),
  );
  const t = <T>(f: (x: (typeof txs)[number]) => T) => txs.map(f);
  await sql`
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
         AS x(h, n, i, ty, a, c, o, rc, r, et, ac)`.execute(trx);
}

/**
 * Consecutive blocks without ManageEntity txs (empty, plays, other txs) in a few statements for the whole
 * run: one claim, each block's plays, one finish. Same rows as applyBlock on each block; used by the run
 * loop's group commit, where these blocks are the bulk of a mainnet backfill.
 */
export async function applyPlainBlocks(
  trx: Transaction<Database>,
  blocks: readonly Block[],
  deps: IndexDeps,
): Promise<IndexBlockResult[]> {
  for (const block of blocks) {
    if (block.txs.some(isManageEntity))
      throw new Error(`applyPlainBlocks: block ${block.height} has ManageEntity txs`);
  }
  const claimed = await sql<{ h: number }>`
    INSERT INTO etl_blocks (proposer_address, block_height, block_time, created_at, updated_at)
    SELECT p, h, t AT TIME ZONE 'UTC', t AT TIME ZONE 'UTC', t AT TIME ZONE 'UTC'
    FROM unnest(${blocks.map((b) => pgText(b.proposer))}::text[], ${blocks.map((b) => b.height)}::bigint[],
                ${blocks.map((b) => b.timestamp)}::timestamptz[]) AS x(p, h, t)
    ON CONFLICT (block_height) DO NOTHING
    RETURNING block_height AS h`.execute(trx);
  const fresh = new Set(claimed.rows.map((r) => Number(r.h)));
  const done: Finished[] = [];
  const results: IndexBlockResult[] = [];
  for (const block of blocks) {
    if (!fresh.has(block.height)) {
      results.push({ status: 'already-indexed', height: block.height });
      continue;
    }
    const rows: TxRow[] = [];
    const playRecords: PlayRecord[] = [];
    block.txs.forEach((tx, i) => {
      rows.push({
        tx_hash: tx.hash,
        tx_index: i,
        tx_type: txTypeOf(tx),
        address: tx.kind === 'plays' && tx.plays.length > 0 ? rawField(tx.plays[0]!.userId) : null,
        outcome: 'applied',
        reason_code: null,
        reason: null,
        entity_type: null,
        action: null,
      });
      if (tx.kind === 'plays')
        tx.plays.forEach((p, j) => {
          playRecords.push(classifyPlay(p, rawField(tx.hash), i, j));
        });
    });
    const plays = await recordPlays(trx, block, playRecords, deps.playsHook ?? bridgePlays);
    const stats: BlockStats = {
      height: block.height,
      emBlock: null,
      txs: block.txs.length,
      emTxs: 0,
      applied: block.txs.length,
      rejected: 0,
      failed: 0,
      unrouted: 0,
      ...plays,
      reasons: {},
    };
    done.push({ block, stats, rows });
    results.push({ status: 'indexed', stats });
  }
  await finishBlocks(trx, deps.chainId, done);
  return results;
}

/** Production's constraint triggers deferred to commit (migration 0010). */
const DEFERRED_TRIGGERS = [
  'on_comment_notification',
  'on_comment_remix_contest_update',
  'on_fan_club_text_post',
];

/**
 * Deferred triggers fire at the end of each block, not at the end of a group commit: what they read
 * (mentions, threads, later comments) must be the block's state, whatever the transaction boundaries —
 * otherwise a restart that regroups blocks writes other notifications. IMMEDIATE fires the pending events
 * now; the named constraints are then deferred again for the next block in the group.
 */
async function fireDeferredTriggers(trx: Transaction<Database>): Promise<void> {
  await sql`SET CONSTRAINTS ALL IMMEDIATE`.execute(trx);
  await sql.raw(`SET CONSTRAINTS ${DEFERRED_TRIGGERS.join(', ')} DEFERRED`).execute(trx);
}

type SavepointOutcome =
  | { outcome: 'applied' }
  | { outcome: 'rejected' | 'unrouted' | 'failed'; reasonCode: string; reason: string };

// A handler that fails (validation or hard error) leaves none of its writes: the savepoint is rolled back.
async function applyInSavepoint(
  trx: Transaction<Database>,
  tx: ManageEntityTx,
  emBlock: number,
  block: Block,
  deps: IndexDeps,
): Promise<SavepointOutcome> {
  await sql`SAVEPOINT em_tx`.execute(trx);
  try {
    const result = await applyManageEntity(tx, {
      db: trx,
      logger: deps.logger,
      dispatcher: deps.dispatcher,
      emBlock,
      blockTime: block.timestamp,
      blockHash: block.hash,
      chainHeight: block.height,
    });
    if (result.outcome === 'applied') {
      await sql`RELEASE SAVEPOINT em_tx`.execute(trx);
    } else {
      await sql`ROLLBACK TO SAVEPOINT em_tx`.execute(trx);
    }
    return result;
  } catch (e) {
    // Infrastructure trouble is not the tx's fault: fail the block so it is retried whole.
    if (isRetryable(e)) throw new BlockError(block.height, true, e, tx.hash);
    await sql`ROLLBACK TO SAVEPOINT em_tx`.execute(trx);
    deps.logger.error(
      { height: block.height, tx: tx.hash, err: describe(e) },
      'entity manager dispatch error; tx rolled back',
    );
    return { outcome: 'failed', reasonCode: 'handler_error', reason: describe(e) };
  }
}

async function recordManageEntities(
  trx: Transaction<Database>,
  block: Block,
  emTxs: readonly ManageEntityTx[],
) {
  const indexOf = new Map(block.txs.map((t, i) => [t, i]));
  const time = block.timestamp;
  for (const part of chunks(emTxs)) {
    await trx
      .insertInto('etl_manage_entities')
      .values(
        part.map((tx) => {
          const me = tx.manageEntity;
          return {
            address: rawField(me.signer.toLowerCase()),
            entity_type: rawField(me.entityType),
            entity_id: int64OrNull(me.entityId),
            user_id: int64OrNull(me.userId),
            action: rawField(me.action),
            metadata: me.metadata === '' ? null : rawMetadata(me.metadata),
            signature: rawField(me.signature),
            signer: rawField(me.signer),
            nonce: rawField(me.nonce),
            block_height: block.height,
            tx_hash: rawField(tx.hash),
            tx_index: indexOf.get(tx)!,
            created_at: time,
          };
        }),
      )
      .execute();
  }
  const addresses = [...new Set(emTxs.map((tx) => rawField(tx.manageEntity.signer.toLowerCase())))];
  await trx
    .insertInto('etl_addresses')
    .values(
      addresses.map((address) => ({
        address,
        pub_key: null,
        first_seen_block_height: block.height,
        created_at: time,
      })),
    )
    .onConflict((oc) => oc.column('address').doNothing())
    .execute();
}

async function recordPlays(
  trx: Transaction<Database>,
  block: Block,
  records: readonly PlayRecord[],
  hook: PlaysHook,
): Promise<{ plays: number; playsBridged: number; playsSkipped: number; playCollisions: number }> {
  if (records.length === 0) return { plays: 0, playsBridged: 0, playsSkipped: 0, playCollisions: 0 };
  const n = records.length;
  const cols = {
    address: new Array<string>(n),
    track: new Array<string>(n),
    city: new Array<string>(n),
    region: new Array<string>(n),
    country: new Array<string>(n),
    played: new Array<string | null>(n),
    txHash: new Array<string>(n),
    txIndex: new Array<number>(n),
    playIndex: new Array<number>(n),
    signature: new Array<string>(n),
    skip: new Array<string | null>(n),
  };
  records.forEach((r, i) => {
    cols.address[i] = pgText(r.play.userId);
    cols.track[i] = pgText(r.play.trackId);
    cols.city[i] = pgText(r.play.city);
    cols.region[i] = pgText(r.play.region);
    cols.country[i] = pgText(r.play.country);
    cols.played[i] = r.skipReason === 'invalid_timestamp' ? null : r.play.timestamp;
    cols.txHash[i] = r.txHash;
    cols.txIndex[i] = r.txIndex;
    cols.playIndex[i] = r.playIndex;
    cols.signature[i] = pgText(r.play.signature);
    cols.skip[i] = r.skipReason ?? null;
  });
  await sql`
    INSERT INTO etl_plays (address, track_id, city, region, country, played_at, block_height, tx_hash, tx_index,
                           play_index, signature, listened_at, recorded_at, skip_reason)
    SELECT a, t, ci, re, co, pl AT TIME ZONE 'UTC', ${block.height}, h, ti, pi, s, pl AT TIME ZONE 'UTC',
           ${block.timestamp}::timestamptz AT TIME ZONE 'UTC', sk
    FROM unnest(${cols.address}::text[], ${cols.track}::text[], ${cols.city}::text[], ${cols.region}::text[],
                ${cols.country}::text[], ${cols.played}::timestamptz[], ${cols.txHash}::text[], ${cols.txIndex}::int[],
                ${cols.playIndex}::int[], ${cols.signature}::text[], ${cols.skip}::text[])
         AS p(a, t, ci, re, co, pl, h, ti, pi, s, sk)`.execute(trx);

  // Bridged rows use pgText'd strings too, so a NUL in a city cannot fail the whole block.
  const valid = records
    .filter((r) => r.skipReason === undefined)
    .map((r) => ({
      ...r,
      play: {
        ...r.play,
        signature: pgText(r.play.signature),
        city: pgText(r.play.city),
        region: pgText(r.play.region),
        country: pgText(r.play.country),
      },
    }));
  const { inserted } = await hook(trx, {
    blockHeight: block.height,
    blockTime: block.timestamp,
    blockHash: block.hash,
    plays: valid,
  });
  return {
    plays: n,
    playsBridged: inserted,
    playsSkipped: n - valid.length,
    playCollisions: valid.length - inserted,
  };
}

function int64OrNull(s: string): string | null {
  return parseInt64(s)?.toString() ?? null;
}

/** Multi-row inserts stay under PostgreSQL's 65,535 bind parameters. */
function* chunks<T>(items: readonly T[], size = 2000): Generator<readonly T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

function clipText(s: string): string {
  return s.length > 256 ? s.slice(0, 256) : s;
}
