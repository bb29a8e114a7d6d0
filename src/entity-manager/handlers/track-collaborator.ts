// TrackCollaborator/Approve and /Reject (#345/#349): entity_id = track, user_id = the invited collaborator.
// Step order: authorize (validateSigner) → validate (a pending invite) → write; no metadata is read.
import type { Updateable } from 'kysely';
import type { TrackCollaboratorsTable } from '../../db/tables/social-graph.js';
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
    const set: Updateable<TrackCollaboratorsTable> = {
      status,
      updated_at: p.blockTime,
      txhash: p.txHash,
      blocknumber: p.blockNumber,
    };
    await db
      .updateTable('track_collaborators')
      .set(set)
      .where('track_id', '=', p.entityId)
      .where('collaborator_user_id', '=', p.userId)
      .execute();
  };

export const trackCollaboratorHandlers: readonly HandlerRegistration[] = [
  {
    entityType: 'TrackCollaborator',
    action: 'Approve',
    gate: 'Track',
    writes: ['track_collaborators'],
    handle: answer('accepted'),
  },
  {
    entityType: 'TrackCollaborator',
    action: 'Reject',
    gate: 'Track',
    writes: ['track_collaborators'],
    handle: answer('rejected'),
  },
];
