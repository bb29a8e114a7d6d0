// User:Create, Update and Verify (handlers/user.ts). Mutes live in muted-user.ts, as in the handlers.
import { LIMITS } from '../world.js';
import { signedBy } from './common.js';
import type { Generator } from './types.js';

const VERIFIER = '0xbeef8E42e8B5964fDD2b7ca8efA0d9aef38AA996';

export const USER: readonly Generator[] = [
  {
    key: 'User:Create',
    weight: 6,
    gen: ({ world, rng }) => {
      if (world.users.length >= LIMITS.users) return undefined;
      const id = world.nextUserId++;
      const wallet = world.newWallet();
      const handle = `u${id.toString(36)}${rng.hex(2)}`;
      world.users.push({ id, wallet, handle });
      const referrer = world.users.length > 1 && rng.chance(0.3) ? world.user(rng)?.id : undefined;
      return {
        entityType: 'User',
        action: 'Create',
        userId: id,
        entityId: id,
        signer: wallet,
        metadata: {
          handle,
          name: `User ${id}`,
          bio: rng.chance(0.5) ? 'making sounds' : '',
          events: { is_mobile_user: rng.chance(0.4), ...(referrer && referrer !== id ? { referrer } : {}) },
        },
      };
    },
  },
  {
    key: 'User:Update',
    weight: 3,
    gen: ({ world, rng }) => {
      const u = world.user(rng);
      if (!u) return undefined;
      return signedBy(u, 'User', 'Update', u.id, {
        name: `Renamed ${rng.int(0, 999)}`,
        bio: rng.chance(0.3) ? '' : 'new bio',
        location: 'Denver',
      });
    },
  },
  {
    key: 'User:Verify',
    weight: 0.5,
    gen: ({ world, rng }) => {
      const u = world.user(rng);
      return (
        u && {
          entityType: 'User',
          action: 'Verify',
          userId: u.id,
          entityId: u.id,
          signer: VERIFIER,
          metadata: { is_verified: true, twitter_handle: u.handle },
        }
      );
    },
  },
];
