// cp: comment pinned by a verified artist (docs/spec.md#challenge-rules). Production full-scans; so does this one (the set
// of pinned tracks is small and served by ix_tracks_pinned_comment), but since unchanged rows are no
// longer re-upserted a tick writes nothing — and fires no trigger — unless a pin is new.
import { type Kysely, sql } from 'kysely';
import type { Database } from '../../db/schema.js';
import { activeChallenge, hex } from '../catalog.js';
import { type ChallengeProcessor, EMPTY_RESULT, type ProcessorResult } from '../framework.js';
import { oneStep, upsertUserChallenges } from '../upsert.js';

async function reconcile(db: Kysely<Database>): Promise<ProcessorResult> {
  const challenge = await activeChallenge(db, 'cp');
  if (!challenge) return EMPTY_RESULT;
  const res = await sql<{ commenter: number; track_id: number; bn: number | null; at: string }>`
    SELECT c.user_id AS commenter, t.track_id, x.bn,
           COALESCE(metronome_em_block_time(x.bn), t.updated_at)::text AS at
    FROM tracks t
    JOIN users o ON o.user_id = t.owner_id AND o.is_current AND o.is_verified
    JOIN comments c ON c.comment_id = t.pinned_comment_id AND NOT COALESCE(c.is_delete, false)
    CROSS JOIN LATERAL (SELECT GREATEST(t.blocknumber, o.blocknumber, c.blocknumber) AS bn) x
    WHERE t.is_current AND t.pinned_comment_id IS NOT NULL AND NOT t.is_delete AND c.user_id <> t.owner_id
    ORDER BY x.bn NULLS LAST, t.track_id`.execute(db);
  const written = await upsertUserChallenges(
    db,
    challenge,
    res.rows.map((r) => oneStep(r.commenter, `${hex(r.commenter)}:${hex(r.track_id)}`, r)),
  );
  return { scanned: res.rows.length, keys: res.rows.length, written };
}

export const pinnedComment: ChallengeProcessor = {
  name: 'cp',
  challengeIds: ['cp'],
  checkpoints: [],
  run: (db) => reconcile(db),
  full: (db) => reconcile(db),
};
