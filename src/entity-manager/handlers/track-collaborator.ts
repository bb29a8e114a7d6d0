// TrackCollaborator/Approve and /Reject (#345/#349): entity_id = track, user_id = the invited collaborator.
import { validateSigner } from '../authorize.js';
import type { Handler, HandlerRegistration } from '../types.js';
import { reject } from '../validation-error.js';

const answer =
  (status: 'accepted' | 'rejected'): Handler =>
  async ({ db }, p) => {
    await validateSigner(db, p.userId, p.signer);
    const invite = await db
      .selectFrom('track_collaborators')
      .select('status')
      .where('track_id', '=', p.entityId)
      .where('collaborator_user_id', '=', p.userId)
      .executeTakeFirst();
    if (invite?.status !== 'pending')
      reject('invite_not_pending', `no pending invite of user ${p.userId} on track ${p.entityId}`);
    await db
      .updateTable('track_collaborators')
      .set({ status, updated_at: p.blockTime, txhash: p.txHash, blocknumber: p.blockNumber })
      .where('track_id', '=', p.entityId)
      .where('collaborator_user_id', '=', p.userId)
      .execute();
  };

export const trackCollaboratorHandlers: readonly HandlerRegistration[] = [
  { entityType: 'TrackCollaborator', action: 'Approve', gate: 'Track', handle: answer('accepted') },
  { entityType: 'TrackCollaborator', action: 'Reject', gate: 'Track', handle: answer('rejected') },
];
