// The second writer of the dual run (api #881/#885): the legacy indexer writing its own version of the
// same on-chain facts into the same tables, on its own connection, before or after our indexer reaches a
// block. It numbers `plays.slot` its own way and claims `blocks.number` with MAX+1 like the old Python code.
// Its writes happen at seed-chosen, indexer-progress-ordered points, so a run replays byte-identically.
// It inserts plays one statement per play with no ON CONFLICT and takes no lock of its own (the real one
// does not); whatever serialises it against the bridge is the database's doing (the plays_other_writer
// trigger, migrations/0008). It writes each block at most once, as its own checkpoint would have it.
import { type Kysely, sql } from 'kysely';
import { decodeGetBlockResponse } from '../src/chain/decode.js';
import { isRfc3339, parseInt4 } from '../src/chain/text.js';
import type { Play } from '../src/chain/types.js';
import type { Database } from '../src/db/schema.js';
import type { ChainView } from './chain.js';
import { decide, Rng } from './rng.js';

export type LegacyTiming = 'none' | 'before' | 'after';

export interface LegacyPlan {
  readonly timing: LegacyTiming;
  /** For `after`: how many blocks later the legacy writer catches up. */
  readonly lag: number;
}

/** The slot numbering the legacy writer used: not the chain height. */
export const LEGACY_SLOT_OFFSET = 50_000_000;

export class LegacyWriter {
  private readonly rng: Rng;
  private readonly plans = new Map<number, LegacyPlan>();
  /** Chain positions (`height:tx:play`) whose row it inserted (not the ones the guard dropped). */
  readonly playsWritten = new Set<string>();
  readonly blocksWritten = new Set<number>();
  readonly heightsTouched = new Set<number>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly chain: ChainView,
    private readonly seed: number,
  ) {
    this.rng = Rng.stream(seed, 'legacy');
  }

  planFor(height: number): LegacyPlan {
    // Plans are drawn in height order the first time a height is asked about; the run asks in order.
    let p = this.plans.get(height);
    if (!p) {
      const timing = this.rng.weighted<LegacyTiming>([
        ['none', 55],
        ['before', 30],
        ['after', 15],
      ]);
      p = { timing, lag: timing === 'after' ? this.rng.int(1, 5) : 0 };
      this.plans.set(height, p);
    }
    return p;
  }

  /** Called when the indexer is about to get block `height` (everything below it is committed). */
  async beforeIndexerReaches(height: number): Promise<void> {
    if (height > this.chain.length) return;
    this.planFor(height);
    if (this.planFor(height).timing === 'before') await this.writeBlock(height);
    // Catch up on blocks whose writer lagged behind the indexer.
    for (let h = Math.max(1, height - 5); h < height; h++) {
      const p = this.planFor(h);
      if (p.timing === 'after' && h + p.lag === height) await this.writeBlock(h);
    }
  }

  private async writeBlock(height: number): Promise<void> {
    if (this.heightsTouched.has(height)) return;
    const decoded = decodeGetBlockResponse(this.chain.responseFor(height), height);
    if (decoded.status !== 'block') return;
    const block = decoded.block;
    this.heightsTouched.add(height);
    await this.db.transaction().execute(async (trx) => {
      if (block.txs.some((t) => t.kind === 'manage_entity')) {
        const res = await sql<{ number: number }>`
          INSERT INTO blocks (blockhash, parenthash, number)
          SELECT ${block.hash}, top.blockhash, COALESCE(top.number, 0) + 1
          FROM (SELECT NULL) AS one
          LEFT JOIN LATERAL (SELECT blockhash, number FROM blocks ORDER BY number DESC NULLS LAST LIMIT 1) AS top ON true
          ON CONFLICT DO NOTHING
          RETURNING number`.execute(trx);
        if (res.rows.length > 0) this.blocksWritten.add(height);
      }
      for (const [i, tx] of block.txs.entries()) {
        if (tx.kind !== 'plays') continue;
        for (const [j, p] of tx.plays.entries()) {
          // The legacy writer saw most of a block's plays, not all (its own filters and timing): a partial
          // overlap, so a bridge failure cannot hide behind rows the other writer happened to write. Decided
          // per position, so of fifty identical anonymous plays it writes some, not all or none.
          if (!decide(this.seed, 0.7, 'legacy-play', height, i, j)) continue;
          if (await insertLegacyPlay(trx, p, height, block.timestamp))
            this.playsWritten.add(`${height}:${i}:${j}`);
        }
      }
    });
  }
}

/**
 * One play as the legacy writer inserts it: its own slot numbering, no ON CONFLICT. False when the row did
 * not land (an invalid play it skips, or the guard trigger dropped a copy of a play already bridged).
 */
export async function insertLegacyPlay(
  db: Kysely<Database>,
  p: Play,
  height: number,
  blockTime: string,
): Promise<boolean> {
  const track = parseInt4(p.trackId);
  if (track === undefined || !isRfc3339(p.timestamp)) return false;
  const res = await sql`
    INSERT INTO plays (user_id, source, play_item_id, created_at, updated_at, slot, signature, city, region, country)
    VALUES (${parseInt4(p.userId) ?? null}, 'relay', ${track}, ${p.timestamp}::timestamptz AT TIME ZONE 'UTC',
            ${blockTime}::timestamptz AT TIME ZONE 'UTC', ${LEGACY_SLOT_OFFSET + height}, ${p.signature},
            ${p.city}, ${p.region}, ${p.country})
    RETURNING 1`.execute(db);
  return res.rows.length > 0;
}
