// Helpers more than one entity's generators use.
import type { Rng } from '../rng.js';
import { pair, type SimUser, type World } from '../world.js';
import type { Draft, GenContext, Generator } from './types.js';

export const GENRES = ['Electronic', 'Hip-Hop/Rap', 'Alternative', 'Ambient', 'Rock', 'Jazz', 'Lo-Fi'];

export const asUser = (u: SimUser) => ({ userId: u.id, signer: u.wallet });

/**
 * A tx signed by u's wallet. The keys keep the order the inline literals had (entityType, action, entityId,
 * userId, signer, metadata), and metadata is absent rather than undefined, so replays stay byte-identical.
 */
export function signedBy(
  u: SimUser,
  entityType: string,
  action: string,
  entityId: number | string,
  metadata?: Draft['metadata'],
): Draft {
  return { entityType, action, entityId, ...asUser(u), ...(metadata === undefined ? {} : { metadata }) };
}

/**
 * Take a random element out of a pending list (invites, manager grants, linked wallets). The index is drawn
 * even when the list is empty (one `txs` draw either way), exactly as the inline splices it replaces did.
 */
export function takeAny<T>(rng: Rng, list: T[]): T | undefined {
  return list.splice(rng.int(0, Math.max(0, list.length - 1)), 1)[0];
}

/** A social action (or its undo) on a pair kept in one of the world's sets. */
export function social(
  action: string,
  set: (w: World) => Set<string>,
  undo: boolean,
  target: (ctx: GenContext) => { type: string; id: number; kind: string } | undefined,
): Generator['gen'] {
  return (ctx) => {
    const s = set(ctx.world);
    if (undo) {
      // Undo something that exists: pick one of the pairs the world holds (insertion order is deterministic).
      if (s.size === 0) return undefined;
      const k = [...s][ctx.rng.int(0, s.size - 1)]!;
      const [actor, id, kind] = k.split(':');
      const u = ctx.world.userById(Number(actor));
      if (!u) return undefined;
      s.delete(k);
      const type = kind === 'user' ? 'User' : kind === 'track' ? 'Track' : 'Playlist';
      return { entityType: type, action, entityId: Number(id), ...asUser(u), metadata: { type: kind! } };
    }
    const u = ctx.world.user(ctx.rng);
    const t = target(ctx);
    if (!u || !t) return undefined;
    const k = pair(u.id, t.id, t.kind);
    if (s.has(k) || (t.type === 'User' && t.id === u.id)) return undefined;
    s.add(k);
    return { entityType: t.type, action, entityId: t.id, ...asUser(u), metadata: { type: t.kind } };
  };
}

export const userTarget = (ctx: GenContext) => {
  const u = ctx.world.user(ctx.rng);
  return u && { type: 'User', id: u.id, kind: 'user' };
};
export const itemTarget = (ctx: GenContext) => {
  if (ctx.rng.chance(0.75)) {
    const t = ctx.world.liveTrack(ctx.rng);
    return t && { type: 'Track', id: t.id, kind: 'track' };
  }
  const p = ctx.world.livePlaylist(ctx.rng);
  return p && { type: 'Playlist', id: p.id, kind: 'playlist' };
};
