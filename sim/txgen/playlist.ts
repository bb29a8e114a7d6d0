// Playlist generators (handlers/playlist.ts).
import { LIMITS } from '../world.js';
import { asUser, signedBy } from './common.js';
import type { Generator } from './types.js';

export const PLAYLIST: readonly Generator[] = [
  {
    key: 'Playlist:Create',
    weight: 2,
    gen: ({ world, rng, time }) => {
      const u = world.user(rng);
      if (!u || world.playlists.length >= LIMITS.playlists) return undefined;
      const id = world.nextPlaylistId++;
      world.playlists.push({ id, owner: u.id, deleted: false });
      const ids = [0, 1, 2].map(() => world.liveTrack(rng)?.id).filter((x): x is number => x !== undefined);
      const ts = Math.floor(Date.parse(time) / 1000);
      return signedBy(u, 'Playlist', 'Create', id, {
        playlist_name: `Mix ${id}`,
        is_album: rng.chance(0.2),
        is_private: false,
        playlist_contents: { track_ids: ids.map((track) => ({ track, time: ts })) },
      });
    },
  },
  {
    key: 'Playlist:Update',
    weight: 1,
    gen: ({ world, rng }) => {
      const p = world.livePlaylist(rng);
      const u = p && world.userById(p.owner);
      return (
        p && u && signedBy(u, 'Playlist', 'Update', p.id, { playlist_name: `Mix ${p.id} v${rng.int(2, 9)}` })
      );
    },
  },
  {
    key: 'Playlist:Delete',
    weight: 0.3,
    gen: ({ world, rng }) => {
      const p = world.livePlaylist(rng);
      const u = p && world.userById(p.owner);
      if (!p || !u) return undefined;
      p.deleted = true;
      return { entityType: 'Playlist', action: 'Delete', entityId: p.id, ...asUser(u) };
    },
  },
];
