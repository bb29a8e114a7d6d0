// Grant generators (handlers/grant.ts): app grants, manager grants and their answers.
import { pair } from '../world.js';
import { asUser, signedBy, takeAny } from './common.js';
import type { Generator } from './types.js';

export const GRANT: readonly Generator[] = [
  {
    key: 'Grant:Create',
    weight: 0.6,
    gen: ({ world, rng }) => {
      const u = world.user(rng);
      if (!u) return undefined;
      // Mostly to an app (approved at once); sometimes to another user (a manager grant that waits).
      if (world.apps.length > 0 && rng.chance(0.7)) {
        const a = rng.pick(world.apps);
        if (world.grants.has(pair(a.address, u.id))) return undefined;
        world.grants.add(pair(a.address, u.id));
        return signedBy(u, 'Grant', 'Create', 0, { grantee_address: a.address });
      }
      const m = world.user(rng);
      if (!m || m.id === u.id || world.grants.has(pair(m.wallet, u.id))) return undefined;
      world.grants.add(pair(m.wallet, u.id));
      world.managerGrants.push({ grantor: u.id, grantee: m.id });
      return signedBy(u, 'Grant', 'Create', 0, { grantee_address: m.wallet });
    },
  },
  {
    key: 'Grant:Delete',
    weight: 0.1,
    gen: ({ world, rng }) => {
      if (world.grants.size === 0) return undefined;
      const k = [...world.grants][rng.int(0, world.grants.size - 1)]!;
      const [grantee, uid] = k.split(':');
      const u = world.userById(Number(uid));
      if (!u) return undefined;
      world.grants.delete(k);
      return signedBy(u, 'Grant', 'Delete', 0, { grantee_address: grantee! });
    },
  },
  // Approve and Reject differ only in the action: one generator each, in that order, same draws.
  ...(['Approve', 'Reject'] as const).map(
    (action): Generator => ({
      key: `Grant:${action}`,
      weight: 0.2,
      gen: ({ world, rng }) => {
        // The grantee-side user answers a pending manager grant.
        const g = takeAny(rng, world.managerGrants);
        const grantee = g && world.userById(g.grantee);
        return (
          grantee && {
            entityType: 'Grant',
            action,
            entityId: 0,
            ...asUser(grantee),
            metadata: { grantee_address: grantee.wallet, grantor_user_id: g.grantor },
          }
        );
      },
    }),
  ),
];
