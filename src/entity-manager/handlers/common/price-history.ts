// track_price_history / album_price_history: a row when a create or update carries a USDC purchase gate
// whose price or splits differ from the newest row (docs/schema.md "Price history").
import { type Kysely, sql } from 'kysely';
import type { Database } from '../../../db/schema.js';
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

export async function writeTrackPrice(
  db: Kysely<Database>,
  p: EmParams,
  trackId: number,
  e: PriceEntry | undefined,
): Promise<void> {
  if (!e) return;
  const last = await db
    .selectFrom('track_price_history')
    .select(['total_price_cents', 'access', sql<boolean>`splits = ${e.splits}::jsonb`.as('same_splits')])
    .where('track_id', '=', trackId)
    .orderBy('block_timestamp', 'desc')
    .limit(1)
    .executeTakeFirst();
  // bigint comes back as text on PostgreSQL.
  if (last && Number(last.total_price_cents) === e.cents && last.same_splits && last.access === e.access)
    return;
  await db
    .insertInto('track_price_history')
    .values({
      track_id: trackId,
      splits: e.splits,
      total_price_cents: e.cents,
      access: e.access,
      blocknumber: p.blockNumber,
      block_timestamp: p.blockTime,
      // Production's default is the wall clock; the block time keeps a replay identical.
      created_at: p.blockTime,
    })
    .onConflict((oc) => oc.columns(['track_id', 'block_timestamp']).doNothing())
    .execute();
}

export async function writeAlbumPrice(
  db: Kysely<Database>,
  p: EmParams,
  playlistId: number,
  e: PriceEntry | undefined,
): Promise<void> {
  if (!e) return;
  const last = await db
    .selectFrom('album_price_history')
    .select(['total_price_cents', sql<boolean>`splits = ${e.splits}::jsonb`.as('same_splits')])
    .where('playlist_id', '=', playlistId)
    .orderBy('block_timestamp', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (last && Number(last.total_price_cents) === e.cents && last.same_splits) return;
  await db
    .insertInto('album_price_history')
    .values({
      playlist_id: playlistId,
      splits: e.splits,
      total_price_cents: e.cents,
      blocknumber: p.blockNumber,
      block_timestamp: p.blockTime,
      created_at: p.blockTime,
    })
    .onConflict((oc) => oc.columns(['playlist_id', 'block_timestamp']).doNothing())
    .execute();
}
