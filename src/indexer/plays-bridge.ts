// Plays: every on-chain play goes to etl_plays as sent; each valid one is bridged into `plays` in the
// same transaction. The bridge is the production plays hook (scenarios can swap in a broken one).
import { type Kysely, sql } from 'kysely';
import { isRfc3339, parseInt4 } from '../chain/text.js';
import type { Play } from '../chain/types.js';
import type { Database } from '../db/schema.js';

export interface PlayRecord {
  readonly play: Play;
  readonly txHash: string;
  readonly txIndex: number;
  readonly playIndex: number;
  /** Why the play cannot be bridged; undefined = it must land in `plays` exactly once. */
  readonly skipReason: string | undefined;
  readonly trackId: number | undefined;
  /** NULL for anonymous (non-integer) listeners. */
  readonly userId: number | null;
}

export function classifyPlay(play: Play, txHash: string, txIndex: number, playIndex: number): PlayRecord {
  const trackId = parseInt4(play.trackId);
  let skipReason: string | undefined;
  if (trackId === undefined) skipReason = 'track_id_not_integer';
  else if (!isRfc3339(play.timestamp)) skipReason = 'invalid_timestamp';
  return { play, txHash, txIndex, playIndex, skipReason, trackId, userId: parseInt4(play.userId) ?? null };
}

export interface PlaysHookInput {
  readonly blockHeight: number;
  readonly blockTime: string;
  readonly blockHash: string;
  /** Only the plays that passed classification. */
  readonly plays: readonly PlayRecord[];
}

export interface PlaysHookResult {
  /** Rows this writer inserted; the rest collided with rows already there. */
  readonly inserted: number;
}

export type PlaysHook = (db: Kysely<Database>, input: PlaysHookInput) => Promise<PlaysHookResult>;

/**
 * The bridge: one INSERT … SELECT unnest per block, ON CONFLICT on the play's natural key
 * (track, timestamp, signature, user) so rows the legacy writer inserted first are counted, not duplicated.
 */
export const bridgePlays: PlaysHook = async (db, input) => {
  if (input.plays.length === 0) return { inserted: 0 };
  const n = input.plays.length;
  const userIds = new Array<number | null>(n);
  const trackIds = new Array<number>(n);
  const createdAt = new Array<string>(n);
  const signatures = new Array<string>(n);
  const cities = new Array<string>(n);
  const regions = new Array<string>(n);
  const countries = new Array<string>(n);
  input.plays.forEach((r, i) => {
    userIds[i] = r.userId;
    trackIds[i] = r.trackId!;
    createdAt[i] = r.play.timestamp;
    signatures[i] = r.play.signature;
    cities[i] = r.play.city;
    regions[i] = r.play.region;
    countries[i] = r.play.country;
  });
  const res = await sql<{ n: string }>`
    WITH ins AS (
      INSERT INTO plays (user_id, source, play_item_id, created_at, updated_at, slot, signature, city, region, country)
      SELECT u, 'relay', t, c AT TIME ZONE 'UTC', ${input.blockTime}::timestamptz AT TIME ZONE 'UTC', ${input.blockHeight}, s, ci, re, co
      FROM unnest(${userIds}::int[], ${trackIds}::int[], ${createdAt}::timestamptz[], ${signatures}::text[],
                  ${cities}::text[], ${regions}::text[], ${countries}::text[]) AS p(u, t, c, s, ci, re, co)
      ON CONFLICT (play_item_id, created_at, signature, user_id) DO NOTHING
      RETURNING 1
    )
    SELECT count(*) AS n FROM ins`.execute(db);
  return { inserted: Number(res.rows[0]?.n ?? 0) };
};
