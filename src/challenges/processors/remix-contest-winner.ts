// w: remix contest winner (docs/spec.md#challenge-rules). Full scan of remix_contest events with a current verified host;
// each winner track id in event_data.winners (number or numeric string) pays its current owner.
// Caps: 5 winners per contest, 5 per host within 7 days. Production's host cap decoded the hex event id
// as decimal (docs/challenges.md#processors); here it is decoded as hex, and the window is measured in
// block time.
import { type Kysely, sql } from 'kysely';
import type { Database } from '../../db/schema.js';
import { activeChallenge, hex } from '../catalog.js';
import { type ChallengeProcessor, EMPTY_RESULT, type ProcessorResult, pgTimestampMs } from '../framework.js';
import { type DerivedRow, oneStep, upsertUserChallenges } from '../upsert.js';

const PER_CONTEST = 5;
const PER_HOST_PER_WEEK = 5;
const WEEK_MS = 7 * 24 * 3600 * 1000;

interface Winner {
  event_id: number;
  host: number;
  remixer: number;
  bn: number | null;
  at: string;
}

async function reconcile(db: Kysely<Database>): Promise<ProcessorResult> {
  const challenge = await activeChallenge(db, 'w');
  if (!challenge) return EMPTY_RESULT;
  const winners = await sql<Winner>`
    SELECT e.event_id, e.user_id AS host, t.owner_id AS remixer, e.blocknumber AS bn,
           COALESCE(metronome_em_block_time(e.blocknumber), e.updated_at)::text AS at
    FROM events e
    JOIN users h ON h.user_id = e.user_id AND h.is_current AND h.is_verified
    CROSS JOIN LATERAL jsonb_array_elements(
      CASE WHEN jsonb_typeof(e.event_data -> 'winners') = 'array' THEN e.event_data -> 'winners'
           ELSE '[]'::jsonb END) WITH ORDINALITY AS w(v, ord)
    JOIN tracks t ON t.is_current AND NOT t.is_delete
      AND t.track_id = CASE WHEN (w.v #>> '{}') ~ '^[0-9]{1,9}$' THEN (w.v #>> '{}')::int END
    WHERE e.event_type = 'remix_contest' AND NOT COALESCE(e.is_deleted, false)
    ORDER BY e.blocknumber NULLS LAST, e.event_id, w.ord`.execute(db);
  if (winners.rows.length === 0) return EMPTY_RESULT;
  // Existing rows with their contest's host, to apply both caps across ticks.
  const existing = await sql<{ specifier: string; host: number | null; created: string }>`
    SELECT uc.specifier, e.user_id AS host, (uc.created_at AT TIME ZONE 'UTC')::text AS created
    FROM user_challenges uc
    LEFT JOIN events e ON e.event_id = CASE WHEN split_part(uc.specifier, ':', 1) ~ '^[0-9a-f]{1,8}$'
      THEN ('x' || lpad(split_part(uc.specifier, ':', 1), 8, '0'))::bit(32)::int END
    WHERE uc.challenge_id = 'w'`.execute(db);
  const known = new Set<string>();
  const perContest = new Map<string, number>();
  const hostTimes = new Map<number, number[]>();
  const remember = (specifier: string, host: number | null, atMs: number) => {
    known.add(specifier);
    const contest = specifier.split(':')[0]!;
    perContest.set(contest, (perContest.get(contest) ?? 0) + 1);
    if (host !== null) hostTimes.set(host, [...(hostTimes.get(host) ?? []), atMs]);
  };
  for (const r of existing.rows) remember(r.specifier, r.host, pgTimestampMs(r.created));
  const out: DerivedRow[] = [];
  for (const w of winners.rows) {
    const specifier = `${hex(w.event_id)}:${hex(w.remixer)}`;
    if (known.has(specifier)) continue;
    if ((perContest.get(hex(w.event_id)) ?? 0) >= PER_CONTEST) continue;
    const atMs = pgTimestampMs(w.at);
    const recent = (hostTimes.get(w.host) ?? []).filter((t) => t >= atMs - WEEK_MS && t <= atMs).length;
    if (recent >= PER_HOST_PER_WEEK) continue;
    remember(specifier, w.host, atMs);
    out.push(oneStep(w.remixer, specifier, w));
  }
  const written = await upsertUserChallenges(db, challenge, out);
  return { scanned: winners.rows.length, keys: out.length, written };
}

export const remixContestWinner: ChallengeProcessor = {
  name: 'w',
  challengeIds: ['w'],
  checkpoints: [],
  run: (db) => reconcile(db),
  full: (db) => reconcile(db),
};
