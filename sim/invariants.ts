// Invariants over a simulated run, each named, each violation pointing at a block and row. They read
// the database and compare it with the chain the simulator produced (never with the indexer's memory).
import { type Kysely, sql } from 'kysely';
import { decodeGetBlockResponse } from '../src/chain/decode.js';
import { isRfc3339, parseInt4 } from '../src/chain/text.js';
import type { Block } from '../src/chain/types.js';
import type { Database } from '../src/db/schema.js';
import type { ChainView } from './chain.js';
import { LEGACY_SLOT_OFFSET, type LegacyWriter } from './legacy-writer.js';

export interface Violation {
  readonly invariant: string;
  readonly message: string;
}

export const INVARIANTS = [
  'liveness',
  'em-block-sequencing',
  'one-outcome-per-tx',
  'atomic-plays',
  'no-masked-loss',
  'redelivery-idempotence',
  'crash-restart-equivalence',
  'checkpoint-monotonicity',
  'incremental-equals-full',
  'trigger-latency-budget',
] as const;
export type InvariantName = (typeof INVARIANTS)[number];

export interface InvariantContext {
  readonly db: Kysely<Database>;
  readonly chain: ChainView;
  readonly chainId: string;
  /** Heights the run was meant to index: from..through (from defaults to 1; a cutover starts later). */
  readonly through: number;
  readonly from?: number;
  readonly legacy?: LegacyWriter;
}

/** At most this many violations per invariant are reported; the rest are counted. */
const MAX_REPORTED = 20;

function collector(invariant: InvariantName) {
  const out: Violation[] = [];
  let dropped = 0;
  return {
    add(message: string) {
      if (out.length < MAX_REPORTED) out.push({ invariant, message });
      else dropped++;
    },
    done(): Violation[] {
      if (dropped > 0) out.push({ invariant, message: `… and ${dropped} more` });
      return out;
    },
  };
}

function blockAt(chain: ChainView, height: number): Block {
  const d = decodeGetBlockResponse(chain.responseFor(height), height);
  if (d.status !== 'block') throw new Error(`simulated chain has no block ${height}`);
  return d.block;
}

/** em_block: contiguous, increasing with height, exactly the EM blocks, parenthash chained. */
export async function emBlockSequencing(ctx: InvariantContext): Promise<Violation[]> {
  const v = collector('em-block-sequencing');
  const rows = await ctx.db
    .selectFrom('core_indexed_blocks')
    .select(['height', 'em_block', 'blockhash'])
    .where('chain_id', '=', ctx.chainId)
    .orderBy('height')
    .execute();
  const byHeight = new Map(rows.map((r) => [Number(r.height), r]));
  const blocks = await ctx.db.selectFrom('blocks').select(['blockhash', 'parenthash', 'number']).execute();
  const byNumber = new Map(blocks.map((b) => [b.number, b]));
  let previous: number | null = null;
  for (let h = 1; h <= ctx.through; h++) {
    const row = byHeight.get(h);
    if (!row) {
      v.add(`height ${h}: no core_indexed_blocks row`);
      continue;
    }
    const hasEm = blockAt(ctx.chain, h).txs.some((t) => t.kind === 'manage_entity');
    if (hasEm !== (row.em_block !== null)) {
      v.add(
        `height ${h}: em_block ${row.em_block} but the block ${hasEm ? 'has' : 'has no'} ManageEntity txs`,
      );
      continue;
    }
    if (row.em_block === null) continue;
    if (previous !== null && row.em_block !== previous + 1) {
      v.add(`height ${h}: em_block ${row.em_block} does not follow ${previous}`);
    }
    const b = byNumber.get(row.em_block);
    if (!b || b.blockhash !== row.blockhash)
      v.add(`height ${h}: blocks.number ${row.em_block} is not this block's hash`);
    else if (previous !== null && b.parenthash !== byNumber.get(previous)?.blockhash) {
      v.add(`height ${h}: blocks ${row.em_block}.parenthash does not point at blocks ${previous}`);
    }
    previous = row.em_block;
  }
  return v.done();
}

/** Every chain tx has exactly one etl_transactions row, at its position, with its hash. */
export async function oneOutcomePerTx(ctx: InvariantContext): Promise<Violation[]> {
  const v = collector('one-outcome-per-tx');
  const rows = await ctx.db
    .selectFrom('etl_transactions')
    .select(['block_height', 'tx_index', 'tx_hash', 'outcome'])
    .where('block_height', '<=', ctx.through)
    .execute();
  const seen = new Map<string, { hash: string; n: number }>();
  for (const r of rows) {
    const k = `${r.block_height}:${r.tx_index}`;
    const s = seen.get(k);
    seen.set(k, { hash: r.tx_hash, n: (s?.n ?? 0) + 1 });
  }
  let expected = 0;
  for (let h = 1; h <= ctx.through; h++) {
    blockAt(ctx.chain, h).txs.forEach((tx, i) => {
      expected++;
      const s = seen.get(`${h}:${i}`);
      if (!s) v.add(`height ${h} tx ${i} (${tx.hash.slice(0, 12)}…): no outcome recorded`);
      else if (s.n !== 1) v.add(`height ${h} tx ${i}: ${s.n} outcome rows`);
      else if (s.hash !== tx.hash)
        v.add(`height ${h} tx ${i}: recorded hash ${s.hash.slice(0, 12)}… is not the chain's`);
    });
  }
  if (rows.length !== expected) v.add(`etl_transactions has ${rows.length} rows for ${expected} chain txs`);
  return v.done();
}

interface ChainPlay {
  readonly height: number;
  readonly tx: number;
  readonly index: number;
  readonly valid: boolean;
  readonly key: string;
  readonly signature: string;
}

function chainPlays(ctx: InvariantContext): ChainPlay[] {
  const out: ChainPlay[] = [];
  for (let h = ctx.from ?? 1; h <= ctx.through; h++) {
    blockAt(ctx.chain, h).txs.forEach((tx, i) => {
      if (tx.kind !== 'plays') return;
      tx.plays.forEach((p, j) => {
        const track = parseInt4(p.trackId);
        const valid = track !== undefined && isRfc3339(p.timestamp);
        const ts = valid ? new Date(p.timestamp).toISOString() : '';
        out.push({
          height: h,
          tx: i,
          index: j,
          valid,
          key: `${track}|${p.signature}|${parseInt4(p.userId) ?? 'null'}|${ts}`,
          signature: p.signature,
        });
      });
    });
  }
  return out;
}

async function playsByKey(db: Kysely<Database>): Promise<Map<string, { n: number; slots: number[] }>> {
  // Timestamps compared at millisecond precision in UTC; signatures are unique per play in the simulator.
  const rows = await sql<{ k: string; slot: number | null }>`
    SELECT play_item_id || '|' || coalesce(signature, '') || '|' || coalesce(user_id::text, 'null') || '|' ||
           to_char(created_at, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS k, slot
    FROM plays`.execute(db);
  const m = new Map<string, { n: number; slots: number[] }>();
  for (const r of rows.rows) {
    const e = m.get(r.k) ?? { n: 0, slots: [] };
    e.n++;
    e.slots.push(r.slot ?? -1);
    m.set(r.k, e);
  }
  return m;
}

/** All of a block's plays are in etl_plays, and each valid one is in plays exactly once (whoever wrote it). */
export async function atomicPlays(ctx: InvariantContext): Promise<Violation[]> {
  const v = collector('atomic-plays');
  const etl = await ctx.db
    .selectFrom('etl_plays')
    .select(['block_height', 'tx_index', 'play_index', 'skip_reason'])
    .where('block_height', '<=', ctx.through)
    .execute();
  const etlSet = new Map(etl.map((r) => [`${r.block_height}:${r.tx_index}:${r.play_index}`, r.skip_reason]));
  const plays = await playsByKey(ctx.db);
  const cp = chainPlays(ctx);
  for (const p of cp) {
    const at = `height ${p.height} tx ${p.tx} play ${p.index}`;
    if (!etlSet.has(`${p.height}:${p.tx}:${p.index}`)) {
      v.add(`${at}: missing from etl_plays`);
      continue;
    }
    const skipped = etlSet.get(`${p.height}:${p.tx}:${p.index}`) !== null;
    if (skipped === p.valid)
      v.add(`${at}: skip_reason ${skipped ? 'set on a valid play' : 'missing on an invalid play'}`);
    const n = plays.get(p.key)?.n ?? 0;
    if (p.valid && n !== 1) v.add(`${at} (${p.signature.slice(0, 12)}…): ${n} rows in plays, want exactly 1`);
  }
  if (etl.length !== cp.length) v.add(`etl_plays has ${etl.length} rows for ${cp.length} chain plays`);
  return v.done();
}

/**
 * The indexer's own progress, checked apart from anything the legacy writer advanced: its heights are
 * contiguous in etl_blocks (not just MAX(blocks.number) moving), and every valid play the legacy writer
 * did not write was bridged by the indexer itself (its slot is the chain height).
 */
export async function noMaskedLoss(ctx: InvariantContext): Promise<Violation[]> {
  const v = collector('no-masked-loss');
  const heights = await ctx.db
    .selectFrom('etl_blocks')
    .select('block_height')
    .orderBy('block_height')
    .execute();
  const have = new Set(heights.map((r) => Number(r.block_height)));
  for (let h = ctx.from ?? 1; h <= ctx.through; h++)
    if (!have.has(h)) v.add(`height ${h}: not in etl_blocks (the indexer never committed it)`);
  const plays = await playsByKey(ctx.db);
  for (const p of chainPlays(ctx)) {
    if (!p.valid || ctx.legacy?.playsWritten.has(p.signature)) continue;
    const e = plays.get(p.key);
    if (!e?.slots.includes(p.height)) {
      const by = e ? `only the legacy writer's row (slot ${e.slots.join(',')})` : 'no row at all';
      v.add(`height ${p.height} tx ${p.tx} play ${p.index}: the indexer never bridged it — ${by}`);
    }
  }
  // The legacy writer's rows must be told apart: their slots carry its numbering, never a chain height.
  const stray = await sql<{
    n: number;
  }>`SELECT count(*)::int AS n FROM plays WHERE slot > ${ctx.through} AND slot < ${LEGACY_SLOT_OFFSET}`.execute(
    ctx.db,
  );
  if ((stray.rows[0]?.n ?? 0) > 0)
    v.add(
      `${stray.rows[0]!.n} plays rows carry a slot that is neither a chain height nor the legacy numbering`,
    );
  return v.done();
}

export async function checkCoreInvariants(ctx: InvariantContext): Promise<Violation[]> {
  return [
    ...(await emBlockSequencing(ctx)),
    ...(await oneOutcomePerTx(ctx)),
    ...(await atomicPlays(ctx)),
    ...(await noMaskedLoss(ctx)),
  ];
}
