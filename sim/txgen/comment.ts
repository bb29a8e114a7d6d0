// Comment generators (handlers/comment.ts), plus the fan-club post issue 16's triggers react to.
import { LIMITS, pair } from '../world.js';
import { asUser, signedBy } from './common.js';
import type { Generator } from './types.js';

export const COMMENT: readonly Generator[] = [
  {
    key: 'Comment:Create',
    weight: 4,
    gen: ({ world, rng }) => {
      const u = world.user(rng);
      const t = world.liveTrack(rng);
      if (!u || !t || world.comments.length >= LIMITS.comments) return undefined;
      const id = world.nextCommentId++;
      const parent = world.comments.length > 0 && rng.chance(0.2) ? rng.pick(world.comments) : undefined;
      world.comments.push({ id, user: u.id, track: parent ? parent.track : t.id });
      const mention = world.user(rng);
      return signedBy(u, 'Comment', 'Create', id, {
        entity_type: 'Track',
        entity_id: parent ? parent.track : t.id,
        body: `nice one ${rng.hex(2)}`,
        ...(parent ? { parent_comment_id: parent.id } : {}),
        ...(mention && rng.chance(0.3) ? { mentions: [mention.id] } : {}),
        track_timestamp_s: rng.int(0, 200),
      });
    },
  },
  ...(['Update', 'Delete', 'React', 'Unreact', 'Pin', 'Unpin', 'Report', 'Mute', 'Unmute'] as const).map(
    (action): Generator => ({
      key: `Comment:${action}`,
      weight: action === 'React' ? 2 : 0.3,
      gen: ({ world, rng }) => {
        if (world.comments.length === 0) return undefined;
        const c = rng.pick(world.comments);
        const ownerSide = action === 'Pin' || action === 'Unpin';
        const track = world.tracks.find((t) => t.id === c.track);
        const actor =
          action === 'Update' || action === 'Delete'
            ? world.userById(c.user)
            : ownerSide
              ? track && world.userById(track.owner)
              : world.user(rng);
        if (!actor) return undefined;
        if (action === 'React') world.commentReactions.add(pair(actor.id, c.id));
        if (action === 'Unreact') {
          // Undo a reaction that exists.
          const k = [...world.commentReactions][rng.int(0, Math.max(0, world.commentReactions.size - 1))];
          if (!k) return undefined;
          world.commentReactions.delete(k);
          const [uid, cid] = k.split(':').map(Number);
          const u = world.userById(uid!);
          return u && { entityType: 'Comment', action, entityId: cid!, ...asUser(u) };
        }
        if (action === 'Pin') world.pins.set(c.track, c.id);
        if (action === 'Unpin') {
          const pinned = [...world.pins][0];
          if (!pinned) return undefined;
          world.pins.delete(pinned[0]);
          const t = world.tracks.find((x) => x.id === pinned[0]);
          const owner = t && world.userById(t.owner);
          return (
            owner && {
              entityType: 'Comment',
              action,
              entityId: pinned[1],
              ...asUser(owner),
              metadata: { entity_id: pinned[0] },
            }
          );
        }
        return {
          entityType: 'Comment',
          action,
          entityId: c.id,
          ...asUser(actor),
          metadata: { entity_type: 'Track', entity_id: c.track, body: `edited ${rng.hex(2)}` },
        };
      },
    }),
  ),
];

/** An artist posting in their own fan club (issue 16). */
export const COMMENT_TRIGGERS: readonly Generator[] = [
  {
    key: 'Comment:FanClubPost',
    weight: 0.5,
    gen: ({ world, rng }) => {
      // An artist someone follows posts in their own fan club (not added to world.comments: replies and
      // reactions there assume a track).
      if (world.follows.size === 0) return undefined;
      const followee = [...world.follows][rng.int(0, world.follows.size - 1)]!.split(':')[1];
      const u = world.userById(Number(followee));
      if (!u || world.comments.length >= LIMITS.comments) return undefined;
      const id = world.nextCommentId++;
      return signedBy(u, 'Comment', 'Create', id, {
        entity_type: 'FanClub',
        entity_id: u.id,
        body: `news ${rng.hex(2)}`,
      });
    },
  },
];
