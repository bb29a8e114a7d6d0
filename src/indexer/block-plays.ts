// A block's plays: every one recorded in etl_plays as sent, the valid ones handed to the plays hook
// (the bridge into `plays`) in the same transaction.
import { sql, type Transaction } from 'kysely';
import { pgText } from '../chain/text.js';
import type { Block } from '../chain/types.js';
import type { Database } from '../db/schema.js';
import type { PlayRecord, PlaysHook } from './plays-bridge.js';

export interface PlaysStats {
  plays: number;
  playsBridged: number;
  playsSkipped: number;
  playCollisions: number;
}

export async function recordPlays(
  trx: Transaction<Database>,
  block: Block,
  records: readonly PlayRecord[],
  hook: PlaysHook,
): Promise<PlaysStats> {
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
