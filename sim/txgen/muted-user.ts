// User:Mute/Unmute and their newer MutedUser spelling (handlers/muted-user.ts routes both).
import { social, userTarget } from './common.js';
import type { Generator } from './types.js';

function asMutedUser(gen: Generator['gen']): Generator['gen'] {
  return (ctx) => {
    const d = gen(ctx);
    return d && { ...d, entityType: 'MutedUser' };
  };
}

export const MUTED_USER: readonly Generator[] = [
  {
    key: 'User:Mute',
    weight: 0.5,
    gen: social('Mute', (w) => w.mutes, false, userTarget),
  },
  { key: 'User:Unmute', weight: 0.3, gen: social('Unmute', (w) => w.mutes, true, userTarget) },
  // The newest upstream spelling of the same mutes; both share the world's set.
  { key: 'MutedUser:Mute', weight: 0.3, gen: asMutedUser(social('Mute', (w) => w.mutes, false, userTarget)) },
  {
    key: 'MutedUser:Unmute',
    weight: 0.2,
    gen: asMutedUser(social('Unmute', (w) => w.mutes, true, userTarget)),
  },
];
