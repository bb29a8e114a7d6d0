// A block's plays: every one recorded in etl_plays as sent, the valid ones handed to the plays hook
// (the bridge into `plays`) in the same transaction.
import { sql, type Transaction } from 'kysely';
import { pgText } from '../chain/text.js';
import type { Block } from '../chain/types.js';
import type { Database } from '../db/schema.js';
import { type Statement, sendTogether } from '../db/send-together.js';
import { bridgePlaysOfBlocks, type PlayRecord, type PlaysHook, type PlaysHookInput } from './plays-bridge.js';

export interface PlaysStats {
  plays: number;
  playsBridged: number;
  playsSkipped: number;
  playCollisions: number;
}

/** One block's plays: its etl_plays rows, then the bridge. */
export async function recordPlays(
  trx: Transaction<Database>,
  block: Block,
  records: readonly PlayRecord[],
  hook: PlaysHook | undefined,
  before: readonly Statement[] = [],
): Promise<PlaysStats> {
  return (await recordPlaysOfBlocks(trx, [{ block, records }], hook, before))[0]!;
}

/**
 * Consecutive blocks' plays: every block's etl_plays rows in one statement, then each block's bridge in
 * order. The bridge counts our own chain plays in *earlier* blocks only (plays-bridge.ts), so the later
 * blocks' etl_plays rows written first change nothing it reads.
 */
export async function recordPlaysOfBlocks(
  trx: Transaction<Database>,
  blocks: readonly { readonly block: Block; readonly records: readonly PlayRecord[] }[],
  /** undefined: the production bridge (bridgePlaysOfBlocks). */
  hook: PlaysHook | undefined,
  /** Statements to run first, in the same round trip when there are plays. */
  before: readonly Statement[] = [],
): Promise<PlaysStats[]> {
  const n = blocks.reduce((t, b) => t + b.records.length, 0);
  if (n === 0) {
    if (before.length > 0) await sendTogether(trx, before);
    return blocks.map(() => ({ plays: 0, playsBridged: 0, playsSkipped: 0, playCollisions: 0 }));
  }
  const cols = {
    address: new Array<string>(n),
    track: new Array<string>(n),
    city: new Array<string>(n),
    region: new Array<string>(n),
    country: new Array<string>(n),
    played: new Array<string | null>(n),
    height: new Array<number>(n),
    recorded: new Array<string>(n),
    txHash: new Array<string>(n),
    txIndex: new Array<number>(n),
    playIndex: new Array<number>(n),
    signature: new Array<string>(n),
    skip: new Array<string | null>(n),
  };
  let i = 0;
  for (const { block, records } of blocks) {
    for (const r of records) {
      cols.address[i] = pgText(r.play.userId);
      cols.track[i] = pgText(r.play.trackId);
      cols.city[i] = pgText(r.play.city);
      cols.region[i] = pgText(r.play.region);
      cols.country[i] = pgText(r.play.country);
      cols.played[i] = r.skipReason === 'invalid_timestamp' ? null : r.play.timestamp;
      cols.height[i] = block.height;
      cols.recorded[i] = block.timestamp;
      cols.txHash[i] = r.txHash;
      cols.txIndex[i] = r.txIndex;
      cols.playIndex[i] = r.playIndex;
      cols.signature[i] = pgText(r.play.signature);
      cols.skip[i] = r.skipReason ?? null;
      i++;
    }
  }
  const etlPlays = sql`
    INSERT INTO etl_plays (address, track_id, city, region, country, played_at, block_height, tx_hash, tx_index,
                           play_index, signature, listened_at, recorded_at, skip_reason)
    SELECT a, t, ci, re, co, pl AT TIME ZONE 'UTC', bh, h, ti, pi, s, pl AT TIME ZONE 'UTC', ra AT TIME ZONE 'UTC', sk
    FROM unnest(${cols.address}::text[], ${cols.track}::text[], ${cols.city}::text[], ${cols.region}::text[],
                ${cols.country}::text[], ${cols.played}::timestamptz[], ${cols.height}::bigint[],
                ${cols.recorded}::timestamptz[], ${cols.txHash}::text[], ${cols.txIndex}::int[],
                ${cols.playIndex}::int[], ${cols.signature}::text[], ${cols.skip}::text[])
         AS p(a, t, ci, re, co, pl, bh, ra, h, ti, pi, s, sk)`;

  // Bridged rows use pgText'd strings too, so a NUL in a city cannot fail the whole block.
  const inputs: PlaysHookInput[] = blocks.map(({ block, records }) => ({
    blockHeight: block.height,
    blockTime: block.timestamp,
    blockHash: block.hash,
    plays: records
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
      })),
  }));
  // The production bridge sends the etl_plays rows and every block's statement in one round trip; another
  // hook (a scenario's) runs block by block after the etl_plays rows.
  const inserted: number[] = [];
  if (hook === undefined) inserted.push(...(await bridgePlaysOfBlocks(trx, inputs, [...before, etlPlays])));
  else {
    await sendTogether(trx, [...before, etlPlays]);
    for (const [i, input] of inputs.entries())
      inserted.push(blocks[i]!.records.length === 0 ? 0 : (await hook(trx, input)).inserted);
  }
  return blocks.map(({ records }, i) => ({
    plays: records.length,
    playsBridged: inserted[i]!,
    playsSkipped: records.length - inputs[i]!.plays.length,
    playCollisions: inputs[i]!.plays.length - inserted[i]!,
  }));
}
