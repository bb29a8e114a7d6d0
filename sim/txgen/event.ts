// Event generators (handlers/event.ts): remix contests.
import { asUser, signedBy } from './common.js';
import type { Generator } from './types.js';

export const EVENT: readonly Generator[] = [
  {
    key: 'Event:Create',
    weight: 0.4,
    gen: ({ world, rng, time }) => {
      const u = world.user(rng);
      const t = u && world.tracks.find((x) => x.owner === u.id && !x.deleted);
      if (!u || !t) return undefined;
      const id = world.nextEventId++;
      world.events.push({ id, owner: u.id, track: t.id });
      const end = new Date(Date.parse(time) + 7 * 86_400_000).toISOString();
      return signedBy(u, 'Event', 'Create', id, {
        event_type: 'remix_contest',
        entity_type: 'track',
        entity_id: t.id,
        end_date: end,
        event_data: { description: 'contest' },
      });
    },
  },
  {
    key: 'Event:Update',
    weight: 0.4,
    gen: ({ world, rng, time }) => {
      if (world.events.length === 0) return undefined;
      const e = rng.pick(world.events);
      const u = world.userById(e.owner);
      const end = new Date(Date.parse(time) + 14 * 86_400_000).toISOString();
      return (
        u && signedBy(u, 'Event', 'Update', e.id, { end_date: end, event_data: { description: 'extended' } })
      );
    },
  },
  {
    key: 'Event:Delete',
    weight: 0.05,
    gen: ({ world, rng }) => {
      if (world.events.length === 0) return undefined;
      const e = world.events.splice(rng.int(0, world.events.length - 1), 1)[0]!;
      const u = world.userById(e.owner);
      return u && { entityType: 'Event', action: 'Delete', entityId: e.id, ...asUser(u) };
    },
  },
];
