// Plays: every on-chain play goes to etl_plays as sent; each valid one is bridged into `plays` in the
// same transaction. The bridge is the production plays hook (scenarios can swap in a broken one).
import { type Kysely, sql } from 'kysely';
import { isRfc3339, parseInt4 } from '../chain/text.js';
import type { Play } from '../chain/types.js';
import type { Database } from '../db/schema.js';
import { answered, type Statement } from '../db/send-together.js';

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
  /** Rows this writer inserted; the rest of the block's valid plays were already there (another writer's). */
  readonly inserted: number;
}

export type PlaysHook = (db: Kysely<Database>, input: PlaysHookInput) => Promise<PlaysHookResult>;

/**
 * The one lock both writers of `plays` need (bigint key; the migrator uses 7361827). The bridge takes it
 * itself; the other writer, which we cannot change, gets it from the `plays_other_writer` trigger
 * (migrations/0008_plays_multiset.sql) on its first insert. Transaction-scoped: released at commit.
 */
export const PLAYS_LOCK_KEY = 7361828;

/**
 * Serialise against the other writer and mark this transaction as the bridge, whose rows the guard
 * trigger lets through (they are counted here). Must be its own statement: under READ COMMITTED the next
 * statement's snapshot is taken after the lock is granted, so it sees everything the other writer
 * committed before releasing it.
 */
export async function lockPlaysForBridge(db: Kysely<Database>): Promise<void> {
  await lockStatement().execute(db);
}

const lockStatement = () =>
  sql`SELECT pg_advisory_xact_lock(${PLAYS_LOCK_KEY}::bigint),
             set_config('metronome.plays_bridge', 'on', true), set_config('jit', 'off', true)`;

/**
 * Transaction handles that already took the lock. It is held until commit, so the plays blocks of a group
 * transaction after the first skip the lock statement (one round trip each). Safe because the bridge never
 * runs inside a savepoint that is later rolled back (which would release a lock taken after it): the
 * ManageEntity savepoints close before a block's plays are bridged. A new transaction is a new handle.
 */
const bridgeLocked = new WeakSet<Kysely<Database>>();

/**
 * The bridge, with multiset semantics: every valid chain play lands in `plays` once, including plays
 * identical in every column. Per content key k = (track, timestamp, signature, user) of the block:
 *   theirs(k) = rows of k already in plays − chain plays of k we indexed in earlier blocks (etl_plays)
 * i.e. the rows the other writer wrote for this block's copies of k; the block's first theirs(k) copies
 * are collisions, the rest are inserted. One INSERT … SELECT for the block, after the lock statement (once per
 * transaction).
 */
export const bridgePlays: PlaysHook = async (db, input) => {
  if (input.plays.length === 0) return { inserted: 0 };
  if (!bridgeLocked.has(db)) {
    await lockPlaysForBridge(db);
    bridgeLocked.add(db);
  }
  const res = await bridgeStatement(input).execute(db);
  return { inserted: Number(res.rows[0]?.n ?? 0) };
};

/**
 * The bridge for consecutive blocks: each block its own statement, as `bridgePlays` runs it (the statement
 * is the unit `on_play` sees, and production's visibility quirk makes it part of the result), to be sent in
 * order in one round trip, the lock statement first when this transaction has not taken it. Each answers
 * its block's inserted rows; `counts` reads them once they have run, in the order of `inputs`.
 */
export function bridgeStatements(
  db: Kysely<Database>,
  inputs: readonly PlaysHookInput[],
): { readonly statements: readonly Statement[]; counts(): number[] } {
  const busy = inputs.filter((i) => i.plays.length > 0);
  const lock = busy.length > 0 && !bridgeLocked.has(db);
  // Marked now: the lock statement is first in this line, and if it does not run the transaction is lost.
  if (lock) bridgeLocked.add(db);
  const counts = new Map<PlaysHookInput, number>();
  const statements = [
    ...(lock ? [lockStatement()] : []),
    ...busy.map((input) =>
      answered(bridgeStatement(input), (rows) =>
        counts.set(input, Number((rows[0] as { n: string } | undefined)?.n ?? 0)),
      ),
    ),
  ];
  return {
    statements,
    counts: () =>
      inputs.map((input) => {
        if (input.plays.length === 0) return 0;
        const n = counts.get(input);
        if (n === undefined) throw new Error(`block ${input.blockHeight}: its bridge statement has not run`);
        return n;
      }),
  };
}

/** One block's bridge statement: its inserted row count as `n`. */
function bridgeStatement(input: PlaysHookInput) {
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
  // The statement lives in metronome_bridge_plays (migration 0015), where its plan is kept for the session.
  return sql<{ n: string }>`
    SELECT metronome_bridge_plays(${userIds}::int[], ${trackIds}::int[], ${createdAt}::timestamptz[],
      ${signatures}::text[], ${cities}::text[], ${regions}::text[], ${countries}::text[],
      ${input.blockHeight}::bigint, ${input.blockTime}::timestamptz) AS n`;
}
