// PlayCount:Reconcile (handlers/play-count.ts).
import { signedBy } from './common.js';
import type { Generator } from './types.js';

export const PLAY_COUNT: readonly Generator[] = [
  {
    key: 'PlayCount:Reconcile',
    weight: 0.05,
    gen: ({ world, rng }) => {
      const t = world.liveTrack(rng);
      const u = t && world.userById(t.owner);
      return t && u && signedBy(u, 'PlayCount', 'Reconcile', t.id, { delta: rng.int(1, 50) });
    },
  },
];
