// u: upload 3 tracks (docs/spec.md#challenge-rules). Counts the owner's current, listed, non-stem tracks whose (last-mutation)
// blocknumber is at or past starting_block, capped at step_count; a count of 0 writes nothing (never
// downgrades).
import { sql } from 'kysely';
import { hex } from '../catalog.js';
import { upsertUserChallenges } from '../upsert.js';
import { type UserDirty, upper, userProcessor } from '../user-processor.js';

export const trackUpload = userProcessor({
  name: 'u',
  challengeId: 'u',
  usable: (c) => c.stepCount !== null && c.startingBlock !== null,
  checkpoint: { name: 'challenges:u:last_blocknumber', maxSql: 'SELECT max(blocknumber) FROM tracks' },
  async scan(db, lo, hi, limit) {
    const res = await sql<UserDirty>`
      SELECT owner_id AS "userId", blocknumber AS bn FROM tracks
      WHERE blocknumber > ${lo} AND blocknumber <= ${upper(hi)}
      ORDER BY blocknumber, owner_id LIMIT ${limit}`.execute(db);
    return res.rows;
  },
  async recompute(db, challenge, ids) {
    const step = challenge.stepCount!;
    const res = await sql<{ user_id: number; n: number; bn: number | null; at: string }>`
      SELECT t.owner_id AS user_id, least(count(*), ${step})::int AS n, max(t.blocknumber) AS bn,
             COALESCE(metronome_em_block_time(max(t.blocknumber)), max(t.updated_at))::text AS at
      FROM unnest(${ids}::int[]) WITH ORDINALITY AS i(user_id, ord)
      JOIN tracks t ON t.owner_id = i.user_id AND t.is_current
      WHERE NOT t.is_delete AND NOT t.is_unlisted AND (t.stem_of IS NULL OR t.stem_of = 'null'::jsonb)
        AND t.blocknumber >= ${challenge.startingBlock}
      GROUP BY t.owner_id, i.ord ORDER BY i.ord`.execute(db);
    return upsertUserChallenges(
      db,
      challenge,
      res.rows.map((r) => ({
        userId: r.user_id,
        specifier: hex(r.user_id),
        step: r.n,
        target: step,
        blocknumber: r.bn,
        at: r.at,
      })),
    );
  },
  async allUsers(db) {
    const res = await sql<{ owner_id: number }>`
      SELECT DISTINCT owner_id FROM tracks WHERE is_current ORDER BY owner_id`.execute(db);
    return res.rows.map((r) => r.owner_id);
  },
});
