// r / rv: referral rewards to the referrer, split on the referrer's current verification (docs/spec.md#challenge-rules).
// Aggregate challenges: r caps a referrer at step_count (5) AUDIO, rv at 5000; candidates are capped in
// the order the referrals happened (first block carrying the referrer, then referee id), so an
// incremental run and a full recompute hand out the same capped slots.
import { type Kysely, sql } from 'kysely';
import type { Database } from '../../db/schema.js';
import { type Challenge, hex } from '../catalog.js';
import type { ChallengeProcessor } from '../framework.js';
import { oneStep, upsertUserChallenges } from '../upsert.js';
import { userProcessor } from '../user-processor.js';
import { scanReferredOrReferrer } from './user-events-scan.js';

interface Referral {
  referrer: number;
  referred: number;
  bn: number | null;
  at: string;
}

/** Current referrals of these referred users, in referral order. */
export async function referrals(
  db: Kysely<Database>,
  ids: readonly number[],
  referrerVerified: boolean | null,
): Promise<Referral[]> {
  const res = await sql<Referral>`
    SELECT ue.referrer, ue.user_id AS referred, x.bn,
           COALESCE(metronome_em_block_time(x.bn), ref.updated_at, 'epoch'::timestamp)::text AS at
    FROM unnest(${ids}::int[]) AS i(user_id)
    JOIN user_events ue ON ue.user_id = i.user_id AND ue.is_current AND ue.referrer IS NOT NULL
    LEFT JOIN users ref ON ref.user_id = ue.user_id AND ref.is_current
    LEFT JOIN users r ON r.user_id = ue.referrer AND r.is_current
    CROSS JOIN LATERAL (
      SELECT min(y.blocknumber) AS first_bn FROM user_events y
      WHERE y.user_id = ue.user_id AND y.referrer = ue.referrer) f
    -- A referral completes when both the referral and the referrer's current state are known.
    CROSS JOIN LATERAL (SELECT GREATEST(f.first_bn, CASE WHEN ${referrerVerified}::bool IS NULL THEN NULL
                                                         ELSE r.blocknumber END) AS bn) x
    WHERE ${referrerVerified}::bool IS NULL
       OR (r.user_id IS NOT NULL AND COALESCE(r.is_verified, false) = ${referrerVerified}::bool)
    ORDER BY f.first_bn NULLS LAST, ue.user_id`.execute(db);
  return res.rows;
}

/** Every referred user, in referral order. */
export async function allReferred(db: Kysely<Database>): Promise<number[]> {
  const res = await sql<{ user_id: number }>`
    SELECT ue.user_id FROM user_events ue
    CROSS JOIN LATERAL (SELECT min(y.blocknumber) AS first_bn FROM user_events y
                        WHERE y.user_id = ue.user_id AND y.referrer = ue.referrer) f
    WHERE ue.is_current AND ue.referrer IS NOT NULL
    ORDER BY f.first_bn NULLS LAST, ue.user_id`.execute(db);
  return res.rows.map((r) => r.user_id);
}

function referralProcessor(id: 'r' | 'rv', verifiedReferrer: boolean): ChallengeProcessor {
  return userProcessor({
    name: id,
    challengeId: id,
    checkpoint: {
      name: `challenges:${id}:last_blocknumber`,
      maxSql:
        'SELECT GREATEST((SELECT max(blocknumber) FROM user_events), (SELECT max(blocknumber) FROM users))',
    },
    scan: scanReferredOrReferrer,
    async recompute(db, challenge: Challenge, ids) {
      const rows = await referrals(db, ids, verifiedReferrer);
      return upsertUserChallenges(
        db,
        challenge,
        rows.map((r) => oneStep(r.referrer, `${hex(r.referrer)}:${hex(r.referred)}`, r)),
      );
    },
    allUsers: allReferred,
  });
}

export const referral = referralProcessor('r', false);
export const referralVerified = referralProcessor('rv', true);
