// Tip:Update, a reaction to a tip (handlers/tip.ts).
import { signedBy } from './common.js';
import type { Generator } from './types.js';

export const TIP: readonly Generator[] = [
  {
    key: 'Tip:Update',
    weight: 0.1,
    gen: ({ world, rng }) => {
      const u = world.user(rng);
      return u && signedBy(u, 'Tip', 'Update', 0, { reacted_to: rng.hex(32), reaction_value: rng.int(1, 4) });
    },
  },
];
