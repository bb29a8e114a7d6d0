// track_price_history / album_price_history: a row when a create or update carries a USDC purchase gate
// whose price or splits differ from the newest row (docs/schema.md "Price history").
import { type Kysely, sql } from 'kysely';
import type { Database } from '../../../db/schema.js';
import { lookup, writeThrough } from '../../block-view/view.js';
import { isObject, type Metadata } from '../../metadata.js';
import type { EmParams } from '../../types.js';
import { reject } from '../../validation-error.js';
import { jsonbText } from './jsonb.js';
import { MAX_JSON_CHARS } from './production-fields.js';

export interface PriceEntry {
  readonly access: 'stream' | 'download';
  readonly cents: number;
  /** jsonb text of usdc_purchase.splits, as sent. */
  readonly splits: string;
}

function purchaseOf(conditions: unknown, access: PriceEntry['access']): PriceEntry | undefined {
  const usdc = isObject(conditions) ? conditions.usdc_purchase : undefined;
  if (!isObject(usdc)) return undefined;
  const price = usdc.price;
  if (typeof price !== 'number' || !Number.isSafeInteger(price))
    reject('metadata_value_invalid', `usdc_purchase.price ${String(price).slice(0, 32)} is not an integer`);
  if (usdc.splits === undefined || usdc.splits === null)
    reject('usdc_splits_required', 'usdc_purchase needs splits');
  const splits = jsonbText(usdc.splits) ?? 'null';
  if (splits.length > MAX_JSON_CHARS)
    reject('metadata_value_invalid', `usdc_purchase.splits is longer than ${MAX_JSON_CHARS} characters`);
  return { access, cents: price, splits };
}

/** A track's price: the stream gate when stream-gated, else the download gate when download-gated. */
export function trackPrice(m: Metadata): PriceEntry | undefined {
  if (m.boolOr('is_stream_gated', false) && isObject(m.json('stream_conditions')))
    return purchaseOf(m.json('stream_conditions'), 'stream');
  if (m.boolOr('is_download_gated', false) && isObject(m.json('download_conditions')))
    return purchaseOf(m.json('download_conditions'), 'download');
  return undefined;
}

/** An album's (any playlist's) price: only a stream gate prices it. */
export function albumPrice(m: Metadata): PriceEntry | undefined {
  if (!m.boolOr('is_stream_gated', false)) return undefined;
  return purchaseOf(m.json('stream_conditions'), 'stream');
}

// The two histories differ in table and key column (the branches on kind below, which Kysely's types need
// spelled out) and in whether the row records the access kind.
const HISTORIES = {
  track: { withAccess: true, lookup: 'trackPrice' },
  album: { withAccess: false, lookup: 'albumPrice' },
} as const;

/** Appends a price row unless the newest row already says the same (an item without one needs no read). */
export async function writePrice(
  db: Kysely<Database>,
  p: EmParams,
  kind: keyof typeof HISTORIES,
  id: number,
  e: PriceEntry | undefined,
): Promise<void> {
  if (!e) return;
  const h = HISTORIES[kind];
  if (await lookup(db, h.lookup, String(id))) {
    const last = await newestPrice(db, kind, id, e.splits);
    // bigint comes back as text on PostgreSQL.
    if (
      last &&
      Number(last.total_price_cents) === e.cents &&
      last.same_splits &&
      (!h.withAccess || last.access === e.access)
    )
      return;
  }
  const common = {
    splits: e.splits,
    total_price_cents: e.cents,
    blocknumber: p.blockNumber,
    block_timestamp: p.blockTime,
    // Production's default is the wall clock; the block time keeps a replay identical.
    created_at: p.blockTime,
  };
  const patch = [{ name: h.lookup, key: String(id), value: true as const }];
  await writeThrough(db, patch, () =>
    kind === 'track'
      ? db
          .insertInto('track_price_history')
          .values({ ...common, track_id: id, access: e.access })
          .onConflict((oc) => oc.columns(['track_id', 'block_timestamp']).doNothing())
          .execute()
      : db
          .insertInto('album_price_history')
          .values({ ...common, playlist_id: id })
          .onConflict((oc) => oc.columns(['playlist_id', 'block_timestamp']).doNothing())
          .execute(),
  );
}

/** The newest row of an item's history; its splits compare as jsonb (key order, spacing), so in SQL. */
async function newestPrice(db: Kysely<Database>, kind: keyof typeof HISTORIES, id: number, splits: string) {
  const same = sql<boolean>`splits = ${splits}::jsonb`.as('same_splits');
  return kind === 'track'
    ? db
        .selectFrom('track_price_history')
        .select(['total_price_cents', 'access', same])
        .where('track_id', '=', id)
        .orderBy('block_timestamp', 'desc')
        .limit(1)
        .executeTakeFirst()
    : db
        .selectFrom('album_price_history')
        .select(['total_price_cents', sql<null>`NULL`.as('access'), same])
        .where('playlist_id', '=', id)
        .orderBy('block_timestamp', 'desc')
        .limit(1)
        .executeTakeFirst();
}
