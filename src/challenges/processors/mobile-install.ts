// m: mobile install (docs/spec.md#challenge-rules): a current user_events row with is_mobile_user (sticky).
import { sql } from 'kysely';
import { hex } from '../catalog.js';
import { oneStep, upsertUserChallenges } from '../upsert.js';
import { type UserDirty, upper, userProcessor } from '../user-processor.js';
import { USER_EVENTS_MAX } from './user-events-scan.js';

export const mobileInstall = userProcessor({
  name: 'm',
  challengeId: 'm',
  checkpoint: { name: 'challenges:m:last_blocknumber', maxSql: USER_EVENTS_MAX },
  async scan(db, lo, hi, limit) {
    const res = await sql<UserDirty>`
      SELECT user_id AS "userId", blocknumber AS bn FROM user_events
      WHERE blocknumber > ${lo} AND blocknumber <= ${upper(hi)} AND is_current AND is_mobile_user
      ORDER BY blocknumber, user_id LIMIT ${limit}`.execute(db);
    return res.rows;
  },
  async recompute(db, challenge, ids) {
    // Completed at the first row that carried the flag (it is sticky from there on).
    const res = await sql<{ user_id: number; bn: number | null; at: string }>`
      SELECT ue.user_id, first.bn,
             COALESCE(metronome_em_block_time(first.bn), u.updated_at, 'epoch'::timestamp)::text AS at
      FROM unnest(${ids}::int[]) WITH ORDINALITY AS i(user_id, ord)
      JOIN user_events ue ON ue.user_id = i.user_id AND ue.is_current AND ue.is_mobile_user
      LEFT JOIN users u ON u.user_id = ue.user_id AND u.is_current
      CROSS JOIN LATERAL (SELECT min(x.blocknumber) AS bn FROM user_events x
                          WHERE x.user_id = ue.user_id AND x.is_mobile_user) first
      ORDER BY i.ord`.execute(db);
    return upsertUserChallenges(
      db,
      challenge,
      res.rows.map((r) => oneStep(r.user_id, hex(r.user_id), r)),
    );
  },
  async allUsers(db) {
    const res = await sql<{ user_id: number }>`
      SELECT user_id FROM user_events WHERE is_current AND is_mobile_user ORDER BY user_id`.execute(db);
    return res.rows.map((r) => r.user_id);
  },
});
