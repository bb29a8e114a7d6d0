// User mutes (muted_users). The newest upstream addresses them as `MutedUser:Mute/Unmute` (muted_user.go); the
// legacy indexer and older clients send `User:Mute/Unmute`. Both route to the same handlers.
// Step order: parse → authorize → validate → write.
import type { Insertable, Updateable } from 'kysely';
import type { MutedUsersTable } from '../../db/tables/social-graph.js';
import { validateSigner } from '../authorize.js';
import type { Handler, HandlerRegistration } from '../types.js';
import { reject } from '../validation-error.js';
import { chainStamp, times } from './common/stamp.js';

const setMute =
  (mute: boolean): Handler =>
  async ({ db }, p) => {
    await validateSigner(db, p.userId, p.signer);
    const existing = await db
      .selectFrom('muted_users')
      .select('is_delete')
      .where('muted_user_id', '=', p.entityId)
      .where('user_id', '=', p.userId)
      .executeTakeFirst();
    const active = existing !== undefined && !existing.is_delete;
    if (mute) {
      if (p.entityId === p.userId) reject('self_action', 'a user cannot mute themselves');
      const target = await db
        .selectFrom('users')
        .select('user_id')
        .where('user_id', '=', p.entityId)
        .where('is_current', '=', true)
        .executeTakeFirst();
      if (!target) reject('target_not_found', `user ${p.entityId} does not exist`);
      if (active) reject('already_muted', `user ${p.userId} already mutes ${p.entityId}`);
    } else if (!active) {
      reject('not_muted', `user ${p.userId} does not mute ${p.entityId}`);
    }
    const row: Insertable<MutedUsersTable> = {
      muted_user_id: p.entityId,
      user_id: p.userId,
      is_delete: !mute,
      ...times(p),
      ...chainStamp(p),
    };
    const toggle: Updateable<MutedUsersTable> = {
      is_delete: !mute,
      updated_at: p.blockTime,
      txhash: p.txHash,
      blocknumber: p.blockNumber,
      blockhash: p.blockHash,
    };
    await db
      .insertInto('muted_users')
      .values(row)
      .onConflict((oc) => oc.columns(['muted_user_id', 'user_id']).doUpdateSet(toggle))
      .execute();
  };

const mute = setMute(true);
const unmute = setMute(false);

export const mutedUserHandlers: readonly HandlerRegistration[] = [
  { entityType: 'MutedUser', action: 'Mute', gate: 'MutedUser', writes: ['muted_users'], handle: mute },
  { entityType: 'MutedUser', action: 'Unmute', gate: 'MutedUser', writes: ['muted_users'], handle: unmute },
  // The legacy spelling; gated with the User data type as before.
  { entityType: 'User', action: 'Mute', gate: 'User', writes: ['muted_users'], handle: mute },
  { entityType: 'User', action: 'Unmute', gate: 'User', writes: ['muted_users'], handle: unmute },
];
