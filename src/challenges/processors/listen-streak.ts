// e: endless listen streak (docs/spec.md#challenge-rules; inactive in the catalog). Walks plays in id order from the
// `challenges:e:last_play_id` checkpoint, 50,000 per tick, carrying per-user state in
// challenge_listen_streak: first play → 1; a gap under 16 h changes nothing; 48 h or more resets to 1;
// otherwise +1. Every change of streak writes a row keyed by the play's UTC hour: 7-step numeric up to 7,
// then one complete 1/1 row per further day.
import { type Kysely, sql } from 'kysely';
import type { Database } from '../../db/schema.js';
import { activeChallenge, type Challenge, hex } from '../catalog.js';
import { advanceCheckpoint, readCheckpoint } from '../checkpoints.js';
import { type ChallengeProcessor, EMPTY_RESULT, type ProcessorResult, pgTimestampMs } from '../framework.js';
import { type DerivedRow, upsertUserChallenges } from '../upsert.js';

export const LISTEN_STREAK_BATCH = 50_000;
const CHECKPOINT = 'challenges:e:last_play_id';
const HOUR = 3600 * 1000;
const IGNORE_BELOW = 16 * HOUR;
const RESET_FROM = 48 * HOUR;
const STREAK_STEPS = 7;

interface State {
  streak: number;
  lastMs: number | null;
  lastText: string | null;
  dirty: boolean;
}

function hourKey(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}`;
}

/** Walks one page of plays (id order) from `after`; returns the last id read, or null when none. */
async function walk(db: Kysely<Database>, challenge: Challenge, after: number, limit: number) {
  const plays = await sql<{ id: number; user_id: number; at: string }>`
    SELECT id, user_id, created_at::text AS at FROM plays
    WHERE id > ${after} AND user_id IS NOT NULL ORDER BY id LIMIT ${limit}`.execute(db);
  if (plays.rows.length === 0) return null;
  const users = [...new Set(plays.rows.map((p) => p.user_id))];
  const stored = await sql<{ user_id: number; listen_streak: number; last: string | null }>`
    SELECT user_id, listen_streak, last_listen_date::text AS last FROM challenge_listen_streak
    WHERE user_id = ANY(${users}::int[])`.execute(db);
  const state = new Map<number, State>(
    stored.rows.map((r) => [
      r.user_id,
      {
        streak: r.listen_streak,
        lastMs: r.last === null ? null : pgTimestampMs(r.last),
        lastText: r.last,
        dirty: false,
      },
    ]),
  );
  const rows: DerivedRow[] = [];
  for (const p of plays.rows) {
    const ms = pgTimestampMs(p.at);
    const s = state.get(p.user_id);
    let streak: number;
    if (!s || s.lastMs === null) streak = 1;
    else {
      const gap = ms - s.lastMs;
      if (gap < IGNORE_BELOW) continue;
      streak = gap >= RESET_FROM ? 1 : s.streak + 1;
    }
    state.set(p.user_id, { streak, lastMs: ms, lastText: p.at, dirty: true });
    const long = streak > STREAK_STEPS;
    rows.push({
      userId: p.user_id,
      specifier: `${hex(p.user_id)}${hourKey(ms)}`,
      step: long ? 1 : streak,
      target: long ? 1 : STREAK_STEPS,
      blocknumber: null,
      at: p.at,
    });
  }
  const changed = [...state.entries()].filter(([, s]) => s.dirty);
  if (changed.length > 0) {
    // The state must be stored before the upsert: on_user_challenge reads listen_streak for `e`.
    await sql`
      INSERT INTO challenge_listen_streak AS s (user_id, listen_streak, last_listen_date)
      SELECT * FROM unnest(${changed.map(([u]) => u)}::int[], ${changed.map(([, s]) => s.streak)}::int[],
                           ${changed.map(([, s]) => s.lastText)}::timestamp[])
      ON CONFLICT (user_id) DO UPDATE SET listen_streak = excluded.listen_streak,
                                          last_listen_date = excluded.last_listen_date
      WHERE (s.listen_streak, s.last_listen_date) IS DISTINCT FROM (excluded.listen_streak, excluded.last_listen_date)`.execute(
      db,
    );
  }
  const written = await upsertUserChallenges(db, challenge, rows);
  return {
    lastId: plays.rows[plays.rows.length - 1]!.id,
    scanned: plays.rows.length,
    keys: users.length,
    written,
  };
}

export const listenStreak: ChallengeProcessor = {
  name: 'e',
  challengeIds: ['e'],
  checkpoints: [{ name: CHECKPOINT, maxSql: 'SELECT max(id) FROM plays' }],
  async run(db): Promise<ProcessorResult> {
    const challenge = await activeChallenge(db, 'e');
    if (!challenge) return EMPTY_RESULT;
    const prev = await readCheckpoint(db, CHECKPOINT);
    const r = await walk(db, challenge, prev, LISTEN_STREAK_BATCH);
    if (!r) return EMPTY_RESULT;
    await advanceCheckpoint(db, CHECKPOINT, r.lastId);
    return { scanned: r.scanned, keys: r.keys, written: r.written };
  },
  /** The streak is a fold over every play: the full recompute clears the state and walks from the start. */
  async full(db): Promise<ProcessorResult> {
    const challenge = await activeChallenge(db, 'e');
    if (!challenge) return EMPTY_RESULT;
    await sql`DELETE FROM challenge_listen_streak`.execute(db);
    const total = { scanned: 0, keys: 0, written: 0 };
    let after = 0;
    for (;;) {
      const r = await walk(db, challenge, after, LISTEN_STREAK_BATCH);
      if (!r) return total;
      after = r.lastId;
      total.scanned += r.scanned;
      total.keys += r.keys;
      total.written += r.written;
    }
  },
};
