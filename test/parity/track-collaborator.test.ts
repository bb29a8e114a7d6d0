// Track collaborators: invites on Track Create/Update and TrackCollaborator Approve/Reject, translated
// from track_collaborator_test.go.

import { type EmStep, type ParityCase, parityCases, userCreate } from './support.js';
import { T, trackCreate, trackTx, U } from './support-content.js';

const C = 'go:track_collaborator_test.go';
const owner = U(1);
const c1 = U(2);
const c2 = U(3);
const tid = T(1);
const people = [[userCreate(owner), userCreate(c1), userCreate(c2)]];
const invited = [...people, trackCreate(owner, tid, { title: 'Song', collaborators: [c1, c2] })];
const answer = (user: number, action: 'Approve' | 'Reject'): EmStep => ({
  user,
  type: 'TrackCollaborator',
  id: tid,
  action,
});
const status = (user: number, s: string) => ({
  table: 'track_collaborators' as const,
  where: { track_id: tid, collaborator_user_id: user },
  equals: { status: s },
});
const none = (user: number) => ({
  table: 'track_collaborators' as const,
  where: { track_id: tid, collaborator_user_id: user },
  count: 0,
});

const cases: ParityCase[] = [
  {
    name: 'a create invites its collaborators as pending, never the owner',
    from: `${C} TestTrackCollaborators_CreateInsertsPending`,
    setup: people,
    block: trackCreate(owner, tid, { title: 'Song', collaborators: [c1, c2] }),
    outcomes: ['applied'],
    rows: [status(c1, 'pending'), status(c2, 'pending'), none(owner)],
  },
  {
    name: 'one collaborator accepts and another declines',
    from: `${C} TestTrackCollaborator_ApproveAndReject`,
    setup: invited,
    block: [answer(c1, 'Approve'), answer(c2, 'Reject')],
    outcomes: ['applied', 'applied'],
    rows: [status(c1, 'accepted'), status(c2, 'rejected')],
  },
  {
    name: 'approving without an invite is rejected',
    from: `${C} TestTrackCollaborator_ApproveWithoutInviteRejected`,
    setup: [[userCreate(owner), userCreate(U(9))], trackCreate(owner, tid, { title: 'Song' })],
    block: answer(U(9), 'Approve'),
    outcomes: ['invite_not_pending'],
  },
  {
    name: 'rejecting without an invite is rejected',
    from: `${C} TestTrackCollaborator_ApproveWithoutInviteRejected (Reject)`,
    setup: [[userCreate(owner), userCreate(U(9))], trackCreate(owner, tid, { title: 'Song' })],
    block: answer(U(9), 'Reject'),
    outcomes: ['invite_not_pending'],
  },
  {
    name: 'a second approval is rejected: the invite is no longer pending',
    from: `${C} TestTrackCollaborator_AlreadyAcceptedNotPending`,
    setup: [...invited, answer(c1, 'Approve')],
    block: answer(c1, 'Approve'),
    outcomes: ['invite_not_pending'],
  },
  {
    name: 'a declined invite cannot be accepted later',
    from: `${C} TestTrackCollaborator_AlreadyAcceptedNotPending (after Reject)`,
    setup: [...invited, answer(c2, 'Reject')],
    block: answer(c2, 'Approve'),
    outcomes: ['invite_not_pending'],
  },
  {
    name: 'an answer signed by another wallet is rejected',
    from: 'go:track_collaborator_approve.go (ValidateSigner)',
    setup: invited,
    block: { ...answer(c1, 'Approve'), signer: owner },
    outcomes: ['signer_not_authorized'],
  },
  {
    name: 'an update reconciles: the accepted invite stays accepted, a dropped one goes',
    from: `${C} TestTrackCollaborators_UpdateReconciles`,
    setup: [...invited, answer(c1, 'Approve')],
    block: trackTx(owner, tid, 'Update', { owner_id: owner, collaborators: [c1] }),
    outcomes: ['applied'],
    rows: [status(c1, 'accepted'), none(c2)],
  },
  {
    name: 'an update that adds a collaborator invites them as pending',
    from: `${C} TestTrackCollaborators_UpdateReconciles (new invite)`,
    setup: [...people, trackCreate(owner, tid, { title: 'Song', collaborators: [c1] })],
    block: trackTx(owner, tid, 'Update', { collaborators: [c1, c2] }),
    outcomes: ['applied'],
    rows: [status(c1, 'pending'), status(c2, 'pending')],
  },
  {
    name: 'an update with an empty list removes every invite',
    from: `${C} TestTrackCollaborators_UpdateReconciles (empty list)`,
    setup: invited,
    block: trackTx(owner, tid, 'Update', { collaborators: [] }),
    outcomes: ['applied'],
    rows: [{ table: 'track_collaborators', where: { track_id: tid }, count: 0 }],
  },
  {
    name: 'an update without the collaborators key leaves the invites alone',
    from: `${C} TestTrackCollaborators_UpdateWithoutKeyLeavesRowsUntouched`,
    setup: [...people, trackCreate(owner, tid, { title: 'Song', collaborators: [c1] })],
    block: trackTx(owner, tid, 'Update', { owner_id: owner, mood: 'Energizing' }),
    outcomes: ['applied'],
    rows: [status(c1, 'pending')],
  },
  {
    name: 'numeric ids: the owner is excluded and duplicates collapse',
    from: `${C} TestGetCollaboratorUserIDs/numeric ids, excludes owner + dedups`,
    setup: people,
    block: trackCreate(owner, tid, { collaborators: [owner, c1, c1, c2] }),
    outcomes: ['applied'],
    rows: [{ table: 'track_collaborators', where: { track_id: tid }, count: 2 }, none(owner)],
  },
  {
    name: 'object entries with user_id',
    from: `${C} TestGetCollaboratorUserIDs/object entries with user_id`,
    setup: people,
    block: trackCreate(owner, tid, { collaborators: [{ user_id: c1 }, { user_id: c2 }] }),
    outcomes: ['applied'],
    rows: [status(c1, 'pending'), status(c2, 'pending')],
  },
  {
    name: 'collaborators that is not an array invites nobody',
    from: `${C} TestGetCollaboratorUserIDs/not an array`,
    setup: people,
    block: trackCreate(owner, tid, { collaborators: 'nope' }),
    outcomes: ['applied'],
    rows: [{ table: 'track_collaborators', where: { track_id: tid }, count: 0 }],
  },
  {
    name: 'invites are capped at 50',
    from: `${C} TestGetCollaboratorUserIDs_Capped`,
    setup: [userCreate(owner)],
    block: trackCreate(owner, tid, { collaborators: Array.from({ length: 60 }, (_, i) => U(100 + i)) }),
    outcomes: ['applied'],
    rows: [{ table: 'track_collaborators', where: { track_id: tid }, count: 50 }],
  },
  {
    name: 'a collaborator id past int4 is a reasoned rejection',
    from: 'go:track_collaborators.go getCollaboratorUserIDs (issue 18: metadata ids past int4)',
    setup: [userCreate(owner)],
    block: trackCreate(owner, tid, { collaborators: [4_294_967_296] }),
    outcomes: ['metadata_id_invalid'],
  },
];

parityCases('track-collaborator', cases);
