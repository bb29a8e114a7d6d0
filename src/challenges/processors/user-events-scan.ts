// Dirty scans over user_events (m, r, rv, rd): range reads on ix_user_events_blocknumber (#877).
import { type Kysely, sql } from 'kysely';
import type { Database } from '../../db/schema.js';
import { type UserDirty, upper } from '../user-processor.js';

export const USER_EVENTS_MAX = 'SELECT max(blocknumber) FROM user_events';

/** Referred users whose current user_events row (with a referrer) changed. */
export async function scanReferred(
  db: Kysely<Database>,
  lo: number,
  hi: number | null,
  limit: number | null,
): Promise<UserDirty[]> {
  const res = await sql<UserDirty>`
    SELECT user_id AS "userId", blocknumber AS bn FROM user_events
    WHERE blocknumber > ${lo} AND blocknumber <= ${upper(hi)} AND is_current AND referrer IS NOT NULL
    ORDER BY blocknumber, user_id LIMIT ${limit}`.execute(db);
  return res.rows;
}

/**
 * scanReferred plus the referees of every referrer whose users row changed: production keys r/rv on
 * user_events alone, so a referrer's later verification never re-classified r → rv
 * (docs/spec.md#incremental-dirty-scans).
 */
export async function scanReferredOrReferrer(
  db: Kysely<Database>,
  lo: number,
  hi: number | null,
  limit: number | null,
): Promise<UserDirty[]> {
  const res = await sql<UserDirty>`
    SELECT "userId", bn FROM (
      (SELECT user_id AS "userId", blocknumber AS bn FROM user_events
       WHERE blocknumber > ${lo} AND blocknumber <= ${upper(hi)} AND is_current AND referrer IS NOT NULL
       ORDER BY blocknumber LIMIT ${limit})
      UNION ALL
      (SELECT ue.user_id, u.blocknumber FROM users u
       JOIN user_events ue ON ue.referrer = u.user_id AND ue.is_current AND ue.referrer IS NOT NULL
       WHERE u.blocknumber > ${lo} AND u.blocknumber <= ${upper(hi)} AND u.is_current
       ORDER BY u.blocknumber LIMIT ${limit})
    ) d ORDER BY bn, "userId" LIMIT ${limit}`.execute(db);
  return res.rows;
}
