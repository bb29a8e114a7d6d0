// DeveloperApp generators (handlers/developer-app.ts).
import { LIMITS } from '../world.js';
import { signedBy } from './common.js';
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
      return signedBy(u, 'DeveloperApp', 'Create', 0, {
        address,
        name: `app ${rng.hex(3)}`,
        description: 'a sim app',
        image_url: 'https://example.com/a.png',
        redirect_uris: ['https://example.com/cb'],
      });
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
        u &&
        signedBy(u, 'DeveloperApp', 'Update', 0, {
          address: a.address,
          name: `app ${rng.hex(3)}`,
          description: 'updated',
        })
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
      return u && signedBy(u, 'DeveloperApp', 'Delete', 0, { address: a.address });
    },
  },
];
