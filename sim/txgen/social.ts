// The `*` social actions (handlers/social.ts): the draft carries the target's entity type.
import { pair } from '../world.js';
import { asUser, itemTarget, social, userTarget } from './common.js';
import type { Generator } from './types.js';

export const SOCIAL: readonly Generator[] = [
  { key: '*:Follow', weight: 8, gen: social('Follow', (w) => w.follows, false, userTarget) },
  { key: '*:Unfollow', weight: 2, gen: social('Unfollow', (w) => w.follows, true, userTarget) },
  { key: '*:Save', weight: 6, gen: social('Save', (w) => w.saves, false, itemTarget) },
  { key: '*:Unsave', weight: 1.5, gen: social('Unsave', (w) => w.saves, true, itemTarget) },
  { key: '*:Repost', weight: 4, gen: social('Repost', (w) => w.reposts, false, itemTarget) },
  { key: '*:Unrepost', weight: 1, gen: social('Unrepost', (w) => w.reposts, true, itemTarget) },
  { key: '*:Subscribe', weight: 1, gen: social('Subscribe', (w) => w.subscriptions, false, userTarget) },
  { key: '*:Unsubscribe', weight: 0.4, gen: social('Unsubscribe', (w) => w.subscriptions, true, userTarget) },
  {
    key: '*:Share',
    weight: 1,
    gen: (ctx) => {
      const u = ctx.world.user(ctx.rng);
      const t = itemTarget(ctx);
      return (
        u &&
        t && { entityType: t.type, action: 'Share', entityId: t.id, ...asUser(u), metadata: { type: t.kind } }
      );
    },
  },
];

/** A repost or save of what a followee reposted (repost_of_repost, save_of_repost; issue 16). */
export const SOCIAL_TRIGGERS: readonly Generator[] = [
  ...(['Repost', 'Save'] as const).map(
    (action): Generator => ({
      key: `*:${action}OfRepost`,
      weight: 1.2,
      gen: ({ world, rng }) => {
        // A follow u → f, then something f reposted that u has not yet reposted/saved.
        if (world.follows.size === 0 || world.reposts.size === 0) return undefined;
        const [follower, followee] = [...world.follows][rng.int(0, world.follows.size - 1)]!.split(':');
        const theirs = [...world.reposts].filter((k) => k.startsWith(`${followee}:`));
        if (theirs.length === 0) return undefined;
        const [, item, kind] = rng.pick(theirs).split(':');
        const u = world.userById(Number(follower));
        const set = action === 'Repost' ? world.reposts : world.saves;
        const k = pair(follower!, item!, kind!);
        if (!u || set.has(k)) return undefined;
        set.add(k);
        return {
          entityType: kind === 'track' ? 'Track' : 'Playlist',
          action,
          entityId: Number(item),
          ...asUser(u),
          metadata: {
            type: kind!,
            ...(action === 'Repost' ? { is_repost_of_repost: true } : { is_save_of_repost: true }),
          },
        };
      },
    }),
  ),
];
