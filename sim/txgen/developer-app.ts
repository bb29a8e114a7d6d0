// DeveloperApp generators (handlers/developer-app.ts).
import { LIMITS } from '../world.js';
import { asUser } from './common.js';
import type { Generator } from './types.js';

export const DEVELOPER_APP: readonly Generator[] = [
  {
    key: 'DeveloperApp:Create',
    weight: 0.5,
    gen: ({ world, rng }) => {
      const u = world.user(rng);
      if (!u || world.apps.length >= LIMITS.apps) return undefined;
      const address = world.newWallet();
      world.apps.push({ address, owner: u.id });
      return {
        entityType: 'DeveloperApp',
        action: 'Create',
        entityId: 0,
        ...asUser(u),
        metadata: {
          address,
          name: `app ${rng.hex(3)}`,
          description: 'a sim app',
          image_url: 'https://example.com/a.png',
          redirect_uris: ['https://example.com/cb'],
        },
      };
    },
  },
  {
    key: 'DeveloperApp:Update',
    weight: 0.2,
    gen: ({ world, rng }) => {
      if (world.apps.length === 0) return undefined;
      const a = rng.pick(world.apps);
      const u = world.userById(a.owner);
      return (
        u && {
          entityType: 'DeveloperApp',
          action: 'Update',
          entityId: 0,
          ...asUser(u),
          metadata: { address: a.address, name: `app ${rng.hex(3)}`, description: 'updated' },
        }
      );
    },
  },
  {
    key: 'DeveloperApp:Delete',
    weight: 0.05,
    gen: ({ world, rng }) => {
      if (world.apps.length === 0) return undefined;
      const a = rng.pick(world.apps);
      const u = world.userById(a.owner);
      return (
        u && {
          entityType: 'DeveloperApp',
          action: 'Delete',
          entityId: 0,
          ...asUser(u),
          metadata: { address: a.address },
        }
      );
    },
  },
];
