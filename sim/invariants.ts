// Invariants over a simulated run, each named, each violation pointing at a block and row. They read
// the database and compare it with the chain the simulator produced (never with the indexer's memory).
import { type Kysely, sql } from 'kysely';
import { decodeGetBlockResponse } from '../src/chain/decode.js';
import { isRfc3339, parseInt4, pgText } from '../src/chain/text.js';
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
  /** Content key as `plays` stores it: track, signature, user (NULL for anonymous), timestamp in µs. */
  readonly key: string;
  readonly signature: string;
}

/** A chain timestamp as PostgreSQL stores it in `timestamp`: UTC, rounded to microseconds. */
function canonicalMicros(ts: string): string {
  const m = /^(.*?:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(ts);
  if (!m) return '';
  let seconds = Date.parse(`${m[1]}${m[3]}`) / 1000;
  let us = Math.round(Number((m[2] ?? '').padEnd(9, '0')) / 1000);
  if (us === 1_000_000) {
    seconds += 1;
    us = 0;
  }
  return `${new Date(seconds * 1000).toISOString().slice(0, 19)}.${String(us).padStart(6, '0')}`;
}

function chainPlays(ctx: InvariantContext): ChainPlay[] {
  const out: ChainPlay[] = [];
  for (let h = ctx.from ?? 1; h <= ctx.through; h++) {
    blockAt(ctx.chain, h).txs.forEach((tx, i) => {
      if (tx.kind !== 'plays') return;
      tx.plays.forEach((p, j) => {
        const track = parseInt4(p.trackId);
        const valid = track !== undefined && isRfc3339(p.timestamp);
        const ts = valid ? canonicalMicros(p.timestamp) : '';
        out.push({
          height: h,
          tx: i,
          index: j,
          valid,
          key: `${track}|${pgText(p.signature)}|${parseInt4(p.userId) ?? 'null'}|${ts}`,
          signature: p.signature,
        });
      });
    });
  }
  return out;
}

/** Valid chain plays grouped by content key, positions in chain order: the multiset plays must equal. */
function chainMultiset(ctx: InvariantContext): Map<string, ChainPlay[]> {
  const m = new Map<string, ChainPlay[]>();
  for (const p of chainPlays(ctx)) {
    if (!p.valid) continue;
    const list = m.get(p.key);
    if (list) list.push(p);
    else m.set(p.key, [p]);
  }
  return m;
}

interface KeyRows {
  n: number;
  /** Rows whose slot is a chain height (the indexer's), by slot. */
  slots: number[];
  legacy: number;
}

async function playsByKey(db: Kysely<Database>): Promise<Map<string, KeyRows>> {
  const rows = await sql<{ k: string; slot: number | null; n: number }>`
    SELECT play_item_id || '|' || coalesce(signature, '') || '|' || coalesce(user_id::text, 'null') || '|' ||
           to_char(created_at, 'YYYY-MM-DD"T"HH24:MI:SS.US') AS k, slot, count(*)::int AS n
    FROM plays GROUP BY 1, 2`.execute(db);
  const m = new Map<string, KeyRows>();
  for (const r of rows.rows) {
    const e = m.get(r.k) ?? { n: 0, slots: [], legacy: 0 };
    e.n += r.n;
    if ((r.slot ?? -1) >= LEGACY_SLOT_OFFSET) e.legacy += r.n;
    else for (let i = 0; i < r.n; i++) e.slots.push(r.slot ?? -1);
    m.set(r.k, e);
  }
  return m;
}

const at = (p: ChainPlay) => `height ${p.height} tx ${p.tx} play ${p.index}`;

/**
 * All of a block's plays are in etl_plays, one row per position; and `plays` holds, for every content key,
 * exactly as many rows as the chain has plays with that content (whoever wrote them): identical plays
 * each count, none is dropped as a "duplicate", none is written twice.
 */
export async function atomicPlays(ctx: InvariantContext): Promise<Violation[]> {
  const v = collector('atomic-plays');
  const etl = await ctx.db
    .selectFrom('etl_plays')
    .select(['block_height', 'tx_index', 'play_index', 'skip_reason'])
    .where('block_height', '<=', ctx.through)
    .where('block_height', '>=', ctx.from ?? 1)
    .execute();
  const etlSet = new Map(etl.map((r) => [`${r.block_height}:${r.tx_index}:${r.play_index}`, r.skip_reason]));
  const cp = chainPlays(ctx);
  for (const p of cp) {
    if (!etlSet.has(`${p.height}:${p.tx}:${p.index}`)) {
      v.add(`${at(p)}: missing from etl_plays`);
      continue;
    }
    const skipped = etlSet.get(`${p.height}:${p.tx}:${p.index}`) !== null;
    if (skipped === p.valid)
      v.add(`${at(p)}: skip_reason ${skipped ? 'set on a valid play' : 'missing on an invalid play'}`);
  }
  if (etl.length !== cp.length) v.add(`etl_plays has ${etl.length} rows for ${cp.length} chain plays`);
  const plays = await playsByKey(ctx.db);
  const multiset = chainMultiset(ctx);
  for (const [key, positions] of multiset) {
    const n = plays.get(key)?.n ?? 0;
    if (n === positions.length) continue;
    const first = positions[0]!;
    const copies = positions.length > 1 ? `, one of ${positions.length} identical chain plays` : '';
    v.add(
      `${at(first)} (${first.signature.slice(0, 12)}…${copies}): ${n} rows in plays, want ${positions.length}`,
    );
  }
  // A full run: every row is some chain play's (a cutover run starts on a clone with rows of its own).
  if ((ctx.from ?? 1) === 1)
    for (const [key, e] of plays)
      if (!multiset.has(key)) v.add(`${e.n} plays rows match no chain play (${key.slice(0, 60)}…)`);
  return v.done();
}

/**
 * The indexer's own progress, checked apart from anything the legacy writer advanced: its heights are
 * contiguous in etl_blocks (not just MAX(blocks.number) moving), and for every content key the indexer's
 * rows (slot = chain height) cover every chain play the legacy writer's rows do not (multiplicity).
 */
export async function noMaskedLoss(ctx: InvariantContext): Promise<Violation[]> {
  const v = collector('no-masked-loss');
  const heights = await ctx.db
    .selectFrom('etl_blocks')
    .select('block_height')
    .orderBy('block_height')
    .execute();
  const have = new Set(heights.map((r) => Number(r.block_height)));
  const from = ctx.from ?? 1;
  for (let h = from; h <= ctx.through; h++)
    if (!have.has(h)) v.add(`height ${h}: not in etl_blocks (the indexer never committed it)`);
  const plays = await playsByKey(ctx.db);
  for (const [key, positions] of chainMultiset(ctx)) {
    const e = plays.get(key);
    const ours = e?.slots.filter((s) => s >= from && s <= ctx.through).length ?? 0;
    const legacy = e?.legacy ?? 0;
    const missing = positions.length - ours - legacy;
    // The last `missing` copies in chain order are the ones nobody wrote.
    for (const p of positions.slice(positions.length - Math.max(0, missing))) {
      const by = legacy > 0 ? `only the legacy writer's rows (${legacy})` : 'no row at all';
      v.add(`${at(p)}: the indexer never bridged it — ${by}`);
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
