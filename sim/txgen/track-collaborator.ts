// TrackCollaborator:Approve/Reject (handlers/track-collaborator.ts): the invitee answers an invite.
import { asUser, takeAny } from './common.js';
import type { Generator } from './types.js';

export const TRACK_COLLABORATOR: readonly Generator[] = [
  ...(['Approve', 'Reject'] as const).map(
    (action): Generator => ({
      key: `TrackCollaborator:${action}`,
      weight: 0.1,
      gen: ({ world, rng }) => {
        // The invited collaborator answers a pending invite.
        const inv = takeAny(rng, world.invites);
        const u = inv && world.userById(inv.user);
        return u && { entityType: 'TrackCollaborator', action, entityId: inv.track, ...asUser(u) };
      },
    }),
  ),
];
