// A block's plays: every one recorded in etl_plays as sent, the valid ones handed to the plays hook
// (the bridge into `plays`) in the same transaction.
import { sql, type Transaction } from 'kysely';
import { pgText } from '../chain/text.js';
import type { Block } from '../chain/types.js';
import type { Database } from '../db/schema.js';
import { type Statement, sendTogether } from '../db/send-together.js';
import { bridgeStatements, type PlayRecord, type PlaysHook, type PlaysHookInput } from './plays-bridge.js';

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
  blocks: readonly PlaysOfBlock[],
  /** undefined: the production bridge (plays-bridge.ts bridgeStatements). */
  hook: PlaysHook | undefined,
  /** Statements to run first, in the same round trip when there are plays. */
  before: readonly Statement[] = [],
): Promise<PlaysStats[]> {
  // sendTogether of nothing sends nothing.
  if (hook === undefined) {
    const line = playsStatements(trx, blocks);
    await sendTogether(trx, [...before, ...line.statements]);
    return line.stats();
  }
  const parts = playsParts(blocks);
  if (parts === null) {
    await sendTogether(trx, before);
    return blocks.map(() => NO_PLAYS);
  }
  // Another hook (a scenario's) runs block by block after the etl_plays rows.
  await sendTogether(trx, [...before, parts.etlPlays]);
  const inserted: number[] = [];
  for (const [i, input] of parts.inputs.entries())
    inserted.push(blocks[i]!.records.length === 0 ? 0 : (await hook(trx, input)).inserted);
  return statsOf(blocks, parts.inputs, inserted);
}

/**
 * The production bridge's statements for consecutive blocks' plays (their etl_plays rows, then each
 * block's bridge), to be sent in order by whoever sends the line; `stats` reads their answers once they
 * have run (a group's plain blocks let them wait for the group's next round trip).
 */
export function playsStatements(
  trx: Transaction<Database>,
  blocks: readonly PlaysOfBlock[],
): { readonly statements: readonly Statement[]; stats(): PlaysStats[] } {
  const parts = playsParts(blocks);
  if (parts === null) return { statements: [], stats: () => blocks.map(() => NO_PLAYS) };
  const bridge = bridgeStatements(trx, parts.inputs);
  return {
    statements: [parts.etlPlays, ...bridge.statements],
    stats: () => statsOf(blocks, parts.inputs, bridge.counts()),
  };
}

type PlaysOfBlock = { readonly block: Block; readonly records: readonly PlayRecord[] };

export const NO_PLAYS: PlaysStats = { plays: 0, playsBridged: 0, playsSkipped: 0, playCollisions: 0 };

function statsOf(
  blocks: readonly PlaysOfBlock[],
  inputs: readonly PlaysHookInput[],
  inserted: readonly number[],
): PlaysStats[] {
  return blocks.map(({ records }, i) => ({
    plays: records.length,
    playsBridged: inserted[i]!,
    playsSkipped: records.length - inputs[i]!.plays.length,
    playCollisions: inputs[i]!.plays.length - inserted[i]!,
  }));
}

/** The blocks' etl_plays statement and the bridge's inputs; null when the blocks have no plays. */
function playsParts(
  blocks: readonly PlaysOfBlock[],
): { readonly etlPlays: Statement; readonly inputs: PlaysHookInput[] } | null {
  const n = blocks.reduce((t, b) => t + b.records.length, 0);
  if (n === 0) return null;
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
  return { etlPlays, inputs };
}
