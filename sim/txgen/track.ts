// Track generators (handlers/track.ts), plus the remix and cosign drafts issue 16's triggers react to.
import { LIMITS, pair } from '../world.js';
import { asUser, GENRES, signedBy } from './common.js';
import type { Generator } from './types.js';

export const TRACK: readonly Generator[] = [
  {
    key: 'Track:Create',
    weight: 8,
    gen: ({ world, rng }) => {
      const u = world.user(rng);
      if (!u || world.tracks.length >= LIMITS.tracks) return undefined;
      const id = world.nextTrackId++;
      world.tracks.push({ id, owner: u.id, deleted: false });
      const collaborator = rng.chance(0.1) ? world.user(rng) : undefined;
      if (collaborator && collaborator.id !== u.id) world.invites.push({ track: id, user: collaborator.id });
      return signedBy(u, 'Track', 'Create', id, {
        owner_id: u.id,
        title: `Track ${id} ${rng.pick(['Night Drive', 'Sunrise', 'Loop', 'Échappée', '夜'])}`,
        genre: rng.pick(GENRES),
        track_cid: `bafy${rng.hex(16)}`,
        duration: rng.int(30, 600),
        track_segments: [],
        ...(collaborator && collaborator.id !== u.id
          ? { collaborators: [{ user_id: collaborator.id }] }
          : {}),
      });
    },
  },
  {
    key: 'Track:Update',
    weight: 2,
    gen: ({ world, rng }) => {
      const t = world.liveTrack(rng);
      const u = t && world.userById(t.owner);
      return (
        t &&
        u &&
        signedBy(u, 'Track', 'Update', t.id, {
          owner_id: u.id,
          title: `Retitled ${rng.int(0, 99)}`,
          genre: rng.pick(GENRES),
        })
      );
    },
  },
  {
    key: 'Track:Delete',
    weight: 0.5,
    gen: ({ world, rng }) => {
      const t = world.liveTrack(rng);
      const u = t && world.userById(t.owner);
      if (!t || !u) return undefined;
      t.deleted = true;
      return { entityType: 'Track', action: 'Delete', entityId: t.id, ...asUser(u) };
    },
  },
  {
    key: 'Track:Download',
    weight: 1,
    gen: ({ world, rng }) => {
      const t = world.tracks.length > 0 ? world.tracks[rng.powerLaw(world.tracks.length)] : undefined;
      const u = world.user(rng);
      return (
        t && u && signedBy(u, 'Track', 'Download', t.id, { city: 'Berlin', region: 'BE', country: 'DE' })
      );
    },
  },
  // Mute and Unmute differ only in the action and weight: one generator each, in that order, same draws.
  ...(
    [
      ['Mute', 0.3],
      ['Unmute', 0.2],
    ] as const
  ).map(
    ([action, weight]): Generator => ({
      key: `Track:${action}`,
      weight,
      gen: ({ world, rng }) => {
        const t = world.liveTrack(rng);
        const u = t && world.userById(t.owner);
        return t && u && { entityType: 'Track', action, entityId: t.id, ...asUser(u) };
      },
    }),
  ),
];

/** Remixes (remix, contest submissions) and the parent's owner acting on a remix (cosign). */
export const TRACK_TRIGGERS: readonly Generator[] = [
  {
    key: 'Track:Remix',
    weight: 1.5,
    gen: ({ world, rng }) => {
      const u = world.user(rng);
      if (!u || world.tracks.length >= LIMITS.tracks) return undefined;
      // Half of the remixes answer a remix contest, when there is one.
      const contest = world.events.length > 0 && rng.chance(0.5) ? rng.pick(world.events) : undefined;
      const parent = contest ? world.tracks.find((t) => t.id === contest.track) : world.liveTrack(rng);
      if (!parent || parent.deleted) return undefined;
      const id = world.nextTrackId++;
      // Kept on the track (hostile drafts see a copy of tracks, so a rejected remix is never cosigned).
      world.tracks.push({ id, owner: u.id, deleted: false, parentOwner: parent.owner });
      return signedBy(u, 'Track', 'Create', id, {
        owner_id: u.id,
        title: `Remix ${id}`,
        genre: rng.pick(GENRES),
        track_cid: `bafy${rng.hex(16)}`,
        duration: rng.int(30, 600),
        track_segments: [],
        remix_of: { tracks: [{ parent_track_id: parent.id }] },
      });
    },
  },
  {
    key: 'Track:Cosign',
    weight: 0.8,
    gen: ({ world, rng }) => {
      const remixes = world.tracks.filter((t) => t.parentOwner !== undefined && !t.deleted);
      if (remixes.length === 0) return undefined;
      const r = rng.pick(remixes);
      const u = world.userById(r.parentOwner!);
      const set = rng.chance(0.5) ? world.saves : world.reposts;
      if (!u || u.id === r.owner || set.has(pair(u.id, r.id, 'track'))) return undefined;
      set.add(pair(u.id, r.id, 'track'));
      const action = set === world.saves ? 'Save' : 'Repost';
      return { entityType: 'Track', action, entityId: r.id, ...asUser(u), metadata: { type: 'track' } };
    },
  },
];
