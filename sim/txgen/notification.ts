// Notification and PlaylistSeen generators (handlers/notification.ts registers both).
import { asUser } from './common.js';
import type { Generator } from './types.js';

export const NOTIFICATION: readonly Generator[] = [
  {
    key: 'Notification:Create',
    weight: 0.2,
    gen: ({ world, rng }) => {
      const u = world.user(rng);
      return (
        u && {
          entityType: 'Notification',
          action: 'Create',
          entityId: rng.int(1, 1000),
          ...asUser(u),
          metadata: {
            title: 'Announcement',
            short_description: 'hello',
            group_id: `announcement:${rng.hex(4)}`,
          },
        }
      );
    },
  },
  {
    key: 'Notification:View',
    weight: 1,
    gen: ({ world, rng }) => {
      const u = world.user(rng);
      return u && { entityType: 'Notification', action: 'View', entityId: u.id, ...asUser(u) };
    },
  },
  {
    key: 'Notification:ViewPlaylist',
    weight: 0.3,
    gen: ({ world, rng }) => {
      const u = world.user(rng);
      const p = world.livePlaylist(rng);
      return u && p && { entityType: 'Notification', action: 'ViewPlaylist', entityId: p.id, ...asUser(u) };
    },
  },
  {
    key: 'PlaylistSeen:View',
    weight: 0.1,
    gen: ({ world, rng }) => {
      const u = world.user(rng);
      const p = world.livePlaylist(rng);
      return u && p && { entityType: 'PlaylistSeen', action: 'View', entityId: p.id, ...asUser(u) };
    },
  },
];
