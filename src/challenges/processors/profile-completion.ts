// p: profile completion (docs/spec.md#challenge-rules). Seven flags from the user's own users/follows/saves/reposts rows;
// dirty on any of them (the follower side of follows), which covers every input.
import { sql } from 'kysely';
import { hex } from '../catalog.js';
import type { DerivedRow } from '../upsert.js';
import { upsertUserChallenges } from '../upsert.js';
import { type UserDirty, upper, userProcessor } from '../user-processor.js';

interface Flags {
  user_id: number;
  profile_description: boolean;
  profile_name: boolean;
  profile_picture: boolean;
  profile_cover_photo: boolean;
  follows: boolean;
  favorites: boolean;
  reposts: boolean;
  bn: number | null;
  at: string;
}

export const profileCompletion = userProcessor({
  name: 'p',
  challengeId: 'p',
  usable: (c) => c.stepCount !== null,
  checkpoint: {
    name: 'challenges:p:last_blocknumber',
    maxSql: `SELECT GREATEST((SELECT max(blocknumber) FROM follows), (SELECT max(blocknumber) FROM reposts),
                             (SELECT max(blocknumber) FROM saves), (SELECT max(blocknumber) FROM users))`,
  },
  async scan(db, lo, hi, limit) {
    const res = await sql<UserDirty>`
      SELECT "userId", bn FROM (
        (SELECT follower_user_id AS "userId", blocknumber AS bn FROM follows
         WHERE blocknumber > ${lo} AND blocknumber <= ${upper(hi)} ORDER BY blocknumber LIMIT ${limit})
        UNION ALL
        (SELECT user_id, blocknumber FROM reposts
         WHERE blocknumber > ${lo} AND blocknumber <= ${upper(hi)} ORDER BY blocknumber LIMIT ${limit})
        UNION ALL
        (SELECT user_id, blocknumber FROM saves
         WHERE blocknumber > ${lo} AND blocknumber <= ${upper(hi)} ORDER BY blocknumber LIMIT ${limit})
        UNION ALL
        (SELECT user_id, blocknumber FROM users
         WHERE blocknumber > ${lo} AND blocknumber <= ${upper(hi)} ORDER BY blocknumber LIMIT ${limit})
      ) d ORDER BY bn, "userId" LIMIT ${limit}`.execute(db);
    return res.rows;
  },
  async recompute(db, challenge, ids) {
    const res = await sql<Flags>`
      SELECT u.user_id,
             u.bio IS NOT NULL AS profile_description,
             u.name IS NOT NULL AS profile_name,
             (u.profile_picture IS NOT NULL OR u.profile_picture_sizes IS NOT NULL) AS profile_picture,
             (u.cover_photo IS NOT NULL OR u.cover_photo_sizes IS NOT NULL) AS profile_cover_photo,
             (SELECT count(*) FROM (SELECT 1 FROM follows f WHERE f.follower_user_id = u.user_id AND f.is_current
                                    AND NOT f.is_delete LIMIT 5) five) >= 5 AS follows,
             EXISTS (SELECT 1 FROM saves s WHERE s.user_id = u.user_id AND s.is_current AND NOT s.is_delete) AS favorites,
             EXISTS (SELECT 1 FROM reposts r WHERE r.user_id = u.user_id AND r.is_current AND NOT r.is_delete) AS reposts,
             b.bn,
             COALESCE(metronome_em_block_time(b.bn), u.updated_at)::text AS at
      FROM unnest(${ids}::int[]) WITH ORDINALITY AS i(user_id, ord)
      JOIN users u ON u.user_id = i.user_id AND u.is_current
      CROSS JOIN LATERAL (SELECT GREATEST(u.blocknumber,
        (SELECT max(blocknumber) FROM follows WHERE follower_user_id = u.user_id),
        (SELECT max(blocknumber) FROM saves WHERE user_id = u.user_id),
        (SELECT max(blocknumber) FROM reposts WHERE user_id = u.user_id)) AS bn) b
      WHERE u.handle_lc IS NOT NULL AND NOT u.is_deactivated
      ORDER BY i.ord`.execute(db);
    if (res.rows.length === 0) return 0;
    const f = res.rows;
    // The state table is written only where a flag changed, like user_challenges.
    await sql`
      INSERT INTO challenge_profile_completion AS c (user_id, profile_description, profile_name, profile_picture,
                                                    profile_cover_photo, follows, favorites, reposts)
      SELECT * FROM unnest(${f.map((r) => r.user_id)}::int[], ${f.map((r) => r.profile_description)}::bool[],
                           ${f.map((r) => r.profile_name)}::bool[], ${f.map((r) => r.profile_picture)}::bool[],
                           ${f.map((r) => r.profile_cover_photo)}::bool[], ${f.map((r) => r.follows)}::bool[],
                           ${f.map((r) => r.favorites)}::bool[], ${f.map((r) => r.reposts)}::bool[])
      ON CONFLICT (user_id) DO UPDATE SET
        profile_description = excluded.profile_description, profile_name = excluded.profile_name,
        profile_picture = excluded.profile_picture, profile_cover_photo = excluded.profile_cover_photo,
        follows = excluded.follows, favorites = excluded.favorites, reposts = excluded.reposts
      WHERE (c.profile_description, c.profile_name, c.profile_picture, c.profile_cover_photo, c.follows,
             c.favorites, c.reposts)
        IS DISTINCT FROM (excluded.profile_description, excluded.profile_name, excluded.profile_picture,
                          excluded.profile_cover_photo, excluded.follows, excluded.favorites, excluded.reposts)`.execute(
      db,
    );
    const rows: DerivedRow[] = f.map((r) => ({
      userId: r.user_id,
      specifier: hex(r.user_id),
      step: [
        r.profile_description,
        r.profile_name,
        r.profile_picture,
        r.profile_cover_photo,
        r.follows,
        r.favorites,
        r.reposts,
      ].filter(Boolean).length,
      target: challenge.stepCount!,
      blocknumber: r.bn,
      at: r.at,
    }));
    return upsertUserChallenges(db, challenge, rows);
  },
  async allUsers(db) {
    const res = await sql<{ user_id: number }>`
      SELECT user_id FROM users WHERE is_current AND handle_lc IS NOT NULL AND NOT is_deactivated
      ORDER BY user_id`.execute(db);
    return res.rows.map((r) => r.user_id);
  },
});
