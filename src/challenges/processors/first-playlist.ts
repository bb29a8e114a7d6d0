// fp: first playlist (docs/spec.md#challenge-rules): the owner has a current, non-deleted playlist whose blocknumber is at or
// past starting_block (NULL reads as 0).
import { sql } from 'kysely';
import { hex } from '../catalog.js';
import { oneStep, upsertUserChallenges } from '../upsert.js';
import { type UserDirty, upper, userProcessor } from '../user-processor.js';

export const firstPlaylist = userProcessor({
  name: 'fp',
  challengeId: 'fp',
  checkpoint: { name: 'challenges:fp:last_blocknumber', maxSql: 'SELECT max(blocknumber) FROM playlists' },
  async scan(db, lo, hi, limit) {
    const res = await sql<UserDirty>`
      SELECT playlist_owner_id AS "userId", blocknumber AS bn FROM playlists
      WHERE blocknumber > ${lo} AND blocknumber <= ${upper(hi)}
      ORDER BY blocknumber, playlist_owner_id LIMIT ${limit}`.execute(db);
    return res.rows;
  },
  async recompute(db, challenge, ids) {
    const res = await sql<{ user_id: number; bn: number | null; at: string }>`
      SELECT p.playlist_owner_id AS user_id, max(p.blocknumber) AS bn,
             COALESCE(metronome_em_block_time(max(p.blocknumber)), max(p.updated_at))::text AS at
      FROM unnest(${ids}::int[]) WITH ORDINALITY AS i(user_id, ord)
      JOIN playlists p ON p.playlist_owner_id = i.user_id AND p.is_current
      WHERE NOT p.is_delete AND COALESCE(p.blocknumber, 0) >= ${challenge.startingBlock ?? 0}
      GROUP BY p.playlist_owner_id, i.ord ORDER BY i.ord`.execute(db);
    return upsertUserChallenges(
      db,
      challenge,
      res.rows.map((r) => oneStep(r.user_id, hex(r.user_id), r)),
    );
  },
  async allUsers(db) {
    const res = await sql<{ id: number }>`
      SELECT DISTINCT playlist_owner_id AS id FROM playlists WHERE is_current ORDER BY 1`.execute(db);
    return res.rows.map((r) => r.id);
  },
});
