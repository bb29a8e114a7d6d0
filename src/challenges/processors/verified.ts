// v: connect verified (docs/spec.md#challenge-rules): the current users row is verified and not deactivated. Production
// full-scans users every tick; a verification writes a new users row at its block, so this keys on
// users.blocknumber instead (same result, no scan).
import { sql } from 'kysely';
import { hex } from '../catalog.js';
import { oneStep, upsertUserChallenges } from '../upsert.js';
import { type UserDirty, upper, userProcessor } from '../user-processor.js';

export const verified = userProcessor({
  name: 'v',
  challengeId: 'v',
  checkpoint: { name: 'challenges:v:last_blocknumber', maxSql: 'SELECT max(blocknumber) FROM users' },
  async scan(db, lo, hi, limit) {
    const res = await sql<UserDirty>`
      SELECT user_id AS "userId", blocknumber AS bn FROM users
      WHERE blocknumber > ${lo} AND blocknumber <= ${upper(hi)}
      ORDER BY blocknumber, user_id LIMIT ${limit}`.execute(db);
    return res.rows;
  },
  async recompute(db, challenge, ids) {
    const res = await sql<{ user_id: number; bn: number | null; at: string }>`
      SELECT u.user_id, u.blocknumber AS bn,
             COALESCE(metronome_em_block_time(u.blocknumber), u.updated_at)::text AS at
      FROM unnest(${ids}::int[]) WITH ORDINALITY AS i(user_id, ord)
      JOIN users u ON u.user_id = i.user_id AND u.is_current
      WHERE u.is_verified AND NOT u.is_deactivated
      ORDER BY i.ord`.execute(db);
    return upsertUserChallenges(
      db,
      challenge,
      res.rows.map((r) => oneStep(r.user_id, hex(r.user_id), r)),
    );
  },
  async allUsers(db) {
    const res = await sql<{ user_id: number }>`
      SELECT user_id FROM users WHERE is_current AND is_verified ORDER BY user_id`.execute(db);
    return res.rows.map((r) => r.user_id);
  },
});
