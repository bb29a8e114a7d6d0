// cs: remix cosign (docs/spec.md#challenge-rules; inactive in the catalog). A verified parent-track owner reposting or saving
// a remix of their track pays the remixer, at most 5 per parent owner within 30 days (block time).
// Every scanned repost/save advances the high-water mark, cosign or not.
import { type Kysely, sql } from 'kysely';
import type { Database } from '../../db/schema.js';
import { activeChallenge, type Challenge, hex } from '../catalog.js';
import {
  type ChallengeProcessor,
  type DirtyRow,
  EMPTY_RESULT,
  pgTimestampMs,
  reconcileIncremental,
} from '../framework.js';
import { type DerivedRow, oneStep, upsertUserChallenges } from '../upsert.js';
import { upper } from '../user-processor.js';

const PER_OWNER_PER_30_DAYS = 5;
const DAYS_30_MS = 30 * 24 * 3600 * 1000;

interface Action extends DirtyRow {
  readonly item: number;
  /** Set only when the action is a cosign. */
  readonly remixer: number | null;
  readonly parentOwner: number | null;
  readonly at: string;
}

async function scan(
  db: Kysely<Database>,
  lo: number,
  hi: number | null,
  limit: number | null,
): Promise<Action[]> {
  const res = await sql<Action>`
    SELECT a.bn, a.item, cs.remixer, cs.parent_owner AS "parentOwner",
           COALESCE(metronome_em_block_time(a.bn), a.created_at)::text AS at
    FROM (
      (SELECT user_id AS actor, repost_item_id AS item, blocknumber AS bn, created_at FROM reposts
       WHERE blocknumber > ${lo} AND blocknumber <= ${upper(hi)} AND repost_type = 'track' AND is_current
         AND NOT is_delete
       ORDER BY blocknumber LIMIT ${limit})
      UNION ALL
      (SELECT user_id, save_item_id, blocknumber, created_at FROM saves
       WHERE blocknumber > ${lo} AND blocknumber <= ${upper(hi)} AND save_type = 'track' AND is_current
         AND NOT is_delete
       ORDER BY blocknumber LIMIT ${limit})
    ) a
    LEFT JOIN LATERAL (
      SELECT child.owner_id AS remixer, parent.owner_id AS parent_owner
      FROM remixes rm
      JOIN tracks parent ON parent.track_id = rm.parent_track_id AND parent.is_current AND parent.owner_id = a.actor
      JOIN tracks child ON child.track_id = a.item AND child.is_current
      JOIN users actor ON actor.user_id = a.actor AND actor.is_current AND actor.is_verified
      WHERE rm.child_track_id = a.item
      LIMIT 1
    ) cs ON true
    ORDER BY a.bn, a.actor, a.item LIMIT ${limit}`.execute(db);
  return res.rows;
}

async function recompute(db: Kysely<Database>, challenge: Challenge, actions: readonly Action[]) {
  const cosigns = actions.filter((a) => a.remixer !== null && a.parentOwner !== null);
  if (cosigns.length === 0) return { keys: 0, written: 0 };
  const owners = [...new Set(cosigns.map((a) => a.parentOwner!))];
  const existing = await sql<{ specifier: string; created: string }>`
    SELECT specifier, (created_at AT TIME ZONE 'UTC')::text AS created FROM user_challenges
    WHERE challenge_id = 'cs'
      AND split_part(specifier, ':', 1) = ANY(${owners.map(hex)}::text[])`.execute(db);
  const known = new Set(existing.rows.map((r) => r.specifier));
  const times = new Map<string, number[]>();
  const note = (owner: string, ms: number) => times.set(owner, [...(times.get(owner) ?? []), ms]);
  for (const r of existing.rows) note(r.specifier.split(':')[0]!, pgTimestampMs(r.created));
  const out: DerivedRow[] = [];
  for (const a of cosigns) {
    const owner = hex(a.parentOwner!);
    const specifier = `${owner}:${hex(a.item)}`;
    if (known.has(specifier)) continue;
    const ms = pgTimestampMs(a.at);
    const recent = (times.get(owner) ?? []).filter((t) => t >= ms - DAYS_30_MS && t <= ms).length;
    if (recent >= PER_OWNER_PER_30_DAYS) continue;
    known.add(specifier);
    note(owner, ms);
    out.push(oneStep(a.remixer!, specifier, a));
  }
  return { keys: cosigns.length, written: await upsertUserChallenges(db, challenge, out) };
}

export const cosign: ChallengeProcessor = {
  name: 'cs',
  challengeIds: ['cs'],
  checkpoints: [
    {
      name: 'challenges:cs:last_blocknumber',
      maxSql: 'SELECT GREATEST((SELECT max(blocknumber) FROM reposts), (SELECT max(blocknumber) FROM saves))',
    },
  ],
  async run(db, ctx) {
    const challenge = await activeChallenge(db, 'cs');
    if (!challenge) return EMPTY_RESULT;
    return reconcileIncremental(db, ctx, 'challenges:cs:last_blocknumber', scan, (trx, rows) =>
      recompute(trx, challenge, rows),
    );
  },
  async full(db) {
    const challenge = await activeChallenge(db, 'cs');
    if (!challenge) return EMPTY_RESULT;
    const rows = await scan(db, -1, null, null);
    const r = await recompute(db, challenge, rows);
    return { scanned: rows.length, ...r };
  },
};
