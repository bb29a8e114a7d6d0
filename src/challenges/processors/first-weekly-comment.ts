// c: first weekly comment (docs/spec.md#challenge-rules): one complete row per ISO week in which the user has a visible,
// non-deleted comment (all history). Weeks are those of comments.created_at (block time).
import { sql } from 'kysely';
import { hex } from '../catalog.js';
import { oneStep, upsertUserChallenges } from '../upsert.js';
import { type UserDirty, upper, userProcessor } from '../user-processor.js';

export const firstWeeklyComment = userProcessor({
  name: 'c',
  challengeId: 'c',
  checkpoint: { name: 'challenges:c:last_blocknumber', maxSql: 'SELECT max(blocknumber) FROM comments' },
  async scan(db, lo, hi, limit) {
    const res = await sql<UserDirty>`
      SELECT user_id AS "userId", blocknumber AS bn FROM comments
      WHERE blocknumber > ${lo} AND blocknumber <= ${upper(hi)}
      ORDER BY blocknumber, user_id LIMIT ${limit}`.execute(db);
    return res.rows;
  },
  async recompute(db, challenge, ids) {
    const res = await sql<{ user_id: number; week: string; bn: number | null; at: string }>`
      SELECT c.user_id, to_char(c.created_at, 'IYYYIW') AS week, min(c.blocknumber) AS bn,
             COALESCE(metronome_em_block_time(min(c.blocknumber)), min(c.created_at))::text AS at
      FROM unnest(${ids}::int[]) WITH ORDINALITY AS i(user_id, ord)
      JOIN comments c ON c.user_id = i.user_id
      WHERE NOT COALESCE(c.is_delete, false) AND COALESCE(c.is_visible, true)
      GROUP BY c.user_id, i.ord, week ORDER BY i.ord, week`.execute(db);
    return upsertUserChallenges(
      db,
      challenge,
      res.rows.map((r) => oneStep(r.user_id, `${hex(r.user_id)}:${r.week}`, r)),
    );
  },
  async allUsers(db) {
    const res = await sql<{
      user_id: number;
    }>`SELECT DISTINCT user_id FROM comments ORDER BY user_id`.execute(db);
    return res.rows.map((r) => r.user_id);
  },
});
