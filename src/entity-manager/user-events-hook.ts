// user_events from User Create/Update metadata `events` (docs/spec.md#user_events). is_mobile_user is sticky,
// referrer is set-once; a change demotes the current row and appends a new one at the tx's block. Like
// production, a failure here is logged and never fails the User tx: on the careful path the hook runs in its
// own savepoint so a SQL error cannot poison the tx's savepoint. The fast path needs none: any error there
// replays the whole block on the careful path, where the hook runs in its savepoint again.
import { sql } from 'kysely';
import { preparedWrite } from '../db/prepared-write.js';
import { isRetryable } from '../shared/errors.js';
import { KEEP_ALL, lookup, onFastPath, type Patch, writeThrough } from './block-view/view.js';
import type { Handler, PostHookRegistration } from './types.js';

const INT4_MAX = 2_147_483_647;

export interface UserEventsInput {
  readonly isMobileUser: boolean;
  readonly referrer: number | null;
}

/** What the metadata asks for; null when there is nothing relevant (absent, empty or self-referral only). */
export function parseUserEvents(events: unknown, userId: number): UserEventsInput | null {
  if (events === null || typeof events !== 'object' || Array.isArray(events)) return null;
  const obj = events as Record<string, unknown>;
  if (Object.keys(obj).length === 0) return null;
  const isMobileUser = obj.is_mobile_user === true;
  const r = obj.referrer;
  // A referrer must be a positive int4 JSON number other than the user; anything else is ignored.
  const referrer =
    typeof r === 'number' && Number.isInteger(r) && r > 0 && r <= INT4_MAX && r !== userId ? r : null;
  if (!isMobileUser && referrer === null) return null;
  return { isMobileUser, referrer };
}

export const userEventsHook: Handler = async (ctx, params) => {
  const input = parseUserEvents(params.metadata.json('events'), params.userId);
  if (input === null) return;
  // A read of rows the user's own id selects (int4, checked by the envelope): nothing here can fail but
  // the connection, so it needs no savepoint, and an unchanged state costs no statement at all.
  const key = String(params.userId);
  const current = await lookup(ctx.db, 'userEvents', key);
  const isMobileUser = (current?.is_mobile_user ?? false) || input.isMobileUser;
  const referrer = current?.referrer ?? input.referrer;
  if (current && current.is_mobile_user === isMobileUser && current.referrer === referrer) return;
  // Demote and append in one statement (the partial unique index sees the demotion first: it runs in the
  // CTE, and the insert reads nothing back from it). No other table the block view reads is written.
  const patches: Patch[] = [
    ...KEEP_ALL.filter((p) => p.name !== 'userEvents'),
    { name: 'userEvents', key, value: { referrer, is_mobile_user: isMobileUser } },
  ];
  // A builder statement without RETURNING, so the fast path can hold it (db/deferred-statements.ts).
  const append = () =>
    writeThrough(ctx.db, patches, () =>
      appendUserEvents(ctx.db, {
        blockHash: params.blockHash,
        blockNumber: params.blockNumber,
        userId: params.userId,
        referrer,
        isMobileUser,
      }),
    );
  if (onFastPath(ctx.db)) {
    await append();
    return;
  }
  await sql`SAVEPOINT user_events_hook`.execute(ctx.db);
  try {
    await append();
    await sql`RELEASE SAVEPOINT user_events_hook`.execute(ctx.db);
  } catch (e) {
    // Infrastructure trouble (a lost connection, a server restart) is not the hook's to swallow: the
    // block must fail and be retried whole, or the user_events row would be lost for good. Found by the
    // simulator's crash-restart equivalence.
    if (isRetryable(e)) throw e;
    await sql`ROLLBACK TO SAVEPOINT user_events_hook`.execute(ctx.db);
    await sql`RELEASE SAVEPOINT user_events_hook`.execute(ctx.db);
    ctx.logger.warn({ user: params.userId, tx: params.txHash, err: String(e) }, 'user_events hook failed');
  }
};

export const userEventsHooks: readonly PostHookRegistration[] = [
  { entityType: 'User', action: 'Create', hook: userEventsHook },
  { entityType: 'User', action: 'Update', hook: userEventsHook },
];

/** Demotes the user's current row and appends the new one, in one statement. */
const appendUserEvents = preparedWrite(
  (
    db,
    $: {
      blockHash: string;
      blockNumber: number;
      userId: number;
      referrer: number | null;
      isMobileUser: boolean;
    },
  ) =>
    db
      .with('demoted', (db) =>
        db
          .updateTable('user_events')
          .set({ is_current: false })
          .where('user_id', '=', $.userId)
          .where('is_current', '=', true)
          .returning('id'),
      )
      .insertInto('user_events')
      .columns(['blockhash', 'blocknumber', 'is_current', 'user_id', 'referrer', 'is_mobile_user', 'slot'])
      .expression((eb) =>
        eb
          .selectFrom(eb.selectFrom('demoted').select(eb.fn.countAll().as('n')).as('d'))
          .select([
            eb.val($.blockHash).as('blockhash'),
            eb.val($.blockNumber).as('blocknumber'),
            sql<boolean>`true`.as('is_current'),
            eb.val($.userId).as('user_id'),
            eb.val($.referrer).as('referrer'),
            eb.val($.isMobileUser).as('is_mobile_user'),
            sql<null>`NULL`.as('slot'),
          ]),
      ),
);
