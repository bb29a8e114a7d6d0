// p1/p2/p3: play-count milestones for verified artists (docs/spec.md#challenge-rules, the merged processor). Dirty owners come
// from new plays (`challenges:play_count_milestones:last_play_id`, a page of 5,000 ids per tick) and — not in
// production — from users/tracks rows past `challenges:play_count_milestones:last_blocknumber`, so a later
// verification or a deleted track is re-derived too (otherwise incremental and full recompute disagree).
// total = SUM(aggregate_monthly_plays.count) since 2025-01-01 over the owner's current tracks; each active
// tier in ascending order is written only if total reached the previous tier's step_count.
import { type Kysely, sql } from 'kysely';
import type { Database } from '../../db/schema.js';
import { type Challenge, hex, loadChallenges } from '../catalog.js';
import { advanceCheckpoint, readCheckpoint } from '../checkpoints.js';
import {
  type ChallengeProcessor,
  DIRTY_SCAN_BATCH,
  EMPTY_RESULT,
  type ProcessorResult,
  reconcileIncremental,
} from '../framework.js';
import { type DerivedRow, upsertUserChallenges } from '../upsert.js';
import { type UserDirty, upper } from '../user-processor.js';

const TIERS = ['p1', 'p2', 'p3'] as const;
const PLAY_CP = 'challenges:play_count_milestones:last_play_id';
const BLOCK_CP = 'challenges:play_count_milestones:last_blocknumber';
const SINCE = '2025-01-01';

interface Owner {
  readonly owner: number;
  /** Time of the owner's latest play (by id): when a tier completes, it completed then. */
  readonly at: string;
}

async function activeTiers(db: Kysely<Database>): Promise<Challenge[]> {
  const all = await loadChallenges(db, TIERS);
  return [...all.values()]
    .filter((c) => c.active && c.stepCount !== null)
    .sort((a, b) => a.stepCount! - b.stepCount!);
}

async function recompute(db: Kysely<Database>, tiers: readonly Challenge[], owners: readonly Owner[]) {
  if (owners.length === 0) return 0;
  const res = await sql<{ owner_id: number; total: number }>`
    SELECT t.owner_id, sum(a.count)::bigint AS total
    FROM tracks t JOIN aggregate_monthly_plays a ON a.play_item_id = t.track_id AND a."timestamp" >= ${SINCE}::date
    WHERE t.owner_id = ANY(${owners.map((o) => o.owner)}::int[]) AND t.is_current AND NOT t.is_delete
    GROUP BY t.owner_id`.execute(db);
  const totals = new Map(res.rows.map((r) => [r.owner_id, Number(r.total)]));
  const byTier = new Map<string, DerivedRow[]>(tiers.map((t) => [t.id, []]));
  for (const o of owners) {
    const total = totals.get(o.owner) ?? 0;
    if (total <= 0) continue;
    let previous = 0;
    for (const tier of tiers) {
      const step = tier.stepCount!;
      if (total < previous) break;
      byTier.get(tier.id)!.push({
        userId: o.owner,
        specifier: `${hex(o.owner)}:${step}`,
        step: Math.min(total, step),
        target: step,
        blocknumber: null,
        at: o.at,
      });
      previous = step;
    }
  }
  let written = 0;
  for (const tier of tiers) written += await upsertUserChallenges(db, tier, byTier.get(tier.id)!);
  return written;
}

/** Owners (verified, current) with the time of their latest play, for owners chosen by the caller. */
async function withLatestPlay(db: Kysely<Database>, ids: readonly number[] | null): Promise<Owner[]> {
  const res = await sql<Owner>`
    SELECT u.user_id AS owner, lp.at
    FROM users u
    CROSS JOIN LATERAL (
      SELECT p.created_at::text AS at FROM tracks t JOIN plays p ON p.play_item_id = t.track_id
      WHERE t.owner_id = u.user_id AND t.is_current AND NOT t.is_delete
      ORDER BY p.id DESC LIMIT 1) lp
    WHERE u.is_current AND u.is_verified AND NOT u.is_deactivated
      AND (${ids === null}::bool OR u.user_id = ANY(${ids ?? []}::int[]))
    ORDER BY u.user_id`.execute(db);
  return res.rows;
}

async function scanOwnerRows(
  db: Kysely<Database>,
  lo: number,
  hi: number | null,
  limit: number | null,
): Promise<UserDirty[]> {
  const res = await sql<UserDirty>`
    SELECT "userId", bn FROM (
      (SELECT user_id AS "userId", blocknumber AS bn FROM users
       WHERE blocknumber > ${lo} AND blocknumber <= ${upper(hi)} ORDER BY blocknumber LIMIT ${limit})
      UNION ALL
      (SELECT owner_id, blocknumber FROM tracks
       WHERE blocknumber > ${lo} AND blocknumber <= ${upper(hi)} ORDER BY blocknumber LIMIT ${limit})
    ) d ORDER BY bn, "userId" LIMIT ${limit}`.execute(db);
  return res.rows;
}

export const playCountMilestones: ChallengeProcessor = {
  name: 'play_count_milestones',
  challengeIds: TIERS,
  checkpoints: [
    { name: PLAY_CP, maxSql: 'SELECT max(id) FROM plays' },
    {
      name: BLOCK_CP,
      maxSql: 'SELECT GREATEST((SELECT max(blocknumber) FROM users), (SELECT max(blocknumber) FROM tracks))',
    },
  ],
  async run(db, ctx): Promise<ProcessorResult> {
    const tiers = await activeTiers(db);
    if (tiers.length === 0) return EMPTY_RESULT;
    const prev = await readCheckpoint(db, PLAY_CP);
    // One statement, so the page and the owners it names are read from one snapshot.
    const page = await sql<{ last_id: number | null; owners: Owner[] }>`
      WITH page AS (SELECT id, play_item_id, created_at FROM plays WHERE id > ${prev} ORDER BY id LIMIT ${ctx.batch})
      SELECT (SELECT max(id) FROM page) AS last_id,
             COALESCE((SELECT json_agg(json_build_object('owner', o.owner_id, 'at', o.at) ORDER BY o.first_id)
                       FROM (SELECT t.owner_id, min(p.id) AS first_id,
                                    (array_agg(p.created_at::text ORDER BY p.id DESC))[1] AS at
                             FROM page p
                             JOIN tracks t ON t.track_id = p.play_item_id AND t.is_current AND NOT t.is_delete
                             JOIN users u ON u.user_id = t.owner_id AND u.is_current AND u.is_verified
                               AND NOT u.is_deactivated
                             GROUP BY t.owner_id) o), '[]'::json) AS owners`.execute(db);
    const { last_id: lastId, owners } = page.rows[0]!;
    let written = 0;
    if (lastId !== null) {
      written += await recompute(db, tiers, owners);
      await advanceCheckpoint(db, PLAY_CP, lastId);
    }
    const byBlock = await reconcileIncremental(db, ctx, BLOCK_CP, scanOwnerRows, async (trx, rows) => {
      const found = await withLatestPlay(trx, [...new Set(rows.map((r) => r.userId))]);
      return { keys: found.length, written: await recompute(trx, tiers, found) };
    });
    return {
      scanned: (lastId === null ? 0 : owners.length) + byBlock.scanned,
      keys: owners.length + byBlock.keys,
      written: written + byBlock.written,
    };
  },
  async full(db): Promise<ProcessorResult> {
    const tiers = await activeTiers(db);
    if (tiers.length === 0) return EMPTY_RESULT;
    const owners = await withLatestPlay(db, null);
    let written = 0;
    for (let i = 0; i < owners.length; i += DIRTY_SCAN_BATCH) {
      written += await recompute(db, tiers, owners.slice(i, i + DIRTY_SCAN_BATCH));
    }
    return { scanned: owners.length, keys: owners.length, written };
  },
};
