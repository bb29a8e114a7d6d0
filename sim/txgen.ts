// ManageEntity tx generators, one per (entity_type, action) the spec lists, plus hostile mutations.
// Generators draw from the `txs` stream and update the World optimistically for txs meant to apply.
import { ethKey, personalSign } from './keys.js';
import type { Rng } from './rng.js';
import { LIMITS, pair, type SimUser, type World } from './world.js';

export interface Draft {
  entityType: string;
  action: string;
  userId: number | string;
  entityId: number | string;
  signer: string;
  /** An object is sent in the `{"cid","data"}` envelope; a string is sent as is. */
  metadata?: Record<string, unknown> | string;
}

export interface GenContext {
  readonly world: World;
  readonly rng: Rng;
  readonly height: number;
  /** Block time as RFC 3339, for metadata that carries dates. */
  readonly time: string;
}

export interface Generator {
  readonly key: string;
  readonly weight: number;
  readonly gen: (ctx: GenContext) => Draft | undefined;
}

const VERIFIER = '0xbeef8E42e8B5964fDD2b7ca8efA0d9aef38AA996';
const GENRES = ['Electronic', 'Hip-Hop/Rap', 'Alternative', 'Ambient', 'Rock', 'Jazz', 'Lo-Fi'];

const asUser = (u: SimUser) => ({ userId: u.id, signer: u.wallet });

function asMutedUser(gen: Generator['gen']): Generator['gen'] {
  return (ctx) => {
    const d = gen(ctx);
    return d && { ...d, entityType: 'MutedUser' };
  };
}

function social(
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

const userTarget = (ctx: GenContext) => {
  const u = ctx.world.user(ctx.rng);
  return u && { type: 'User', id: u.id, kind: 'user' };
};
const itemTarget = (ctx: GenContext) => {
  if (ctx.rng.chance(0.75)) {
    const t = ctx.world.liveTrack(ctx.rng);
    return t && { type: 'Track', id: t.id, kind: 'track' };
  }
  const p = ctx.world.livePlaylist(ctx.rng);
  return p && { type: 'Playlist', id: p.id, kind: 'playlist' };
};

export const GENERATORS: readonly Generator[] = [
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
      return {
        entityType: 'User',
        action: 'Update',
        entityId: u.id,
        ...asUser(u),
        metadata: {
          name: `Renamed ${rng.int(0, 999)}`,
          bio: rng.chance(0.3) ? '' : 'new bio',
          location: 'Denver',
        },
      };
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
  {
    key: 'User:Mute',
    weight: 0.5,
    gen: social('Mute', (w) => w.mutes, false, userTarget),
  },
  { key: 'User:Unmute', weight: 0.3, gen: social('Unmute', (w) => w.mutes, true, userTarget) },
  // The newest upstream spelling of the same mutes (handlers/muted-user.ts); both share the world's set.
  { key: 'MutedUser:Mute', weight: 0.3, gen: asMutedUser(social('Mute', (w) => w.mutes, false, userTarget)) },
  {
    key: 'MutedUser:Unmute',
    weight: 0.2,
    gen: asMutedUser(social('Unmute', (w) => w.mutes, true, userTarget)),
  },
  {
    key: 'Track:Create',
    weight: 8,
    gen: ({ world, rng }) => {
      const u = world.user(rng);
      if (!u || world.tracks.length >= LIMITS.tracks) return undefined;
      const id = world.nextTrackId++;
      world.tracks.push({ id, owner: u.id, deleted: false });
      const collaborator = rng.chance(0.1) ? world.user(rng) : undefined;
      if (collaborator && collaborator.id !== u.id) world.invites.push({ track: id, user: collaborator.id });
      return {
        entityType: 'Track',
        action: 'Create',
        entityId: id,
        ...asUser(u),
        metadata: {
          owner_id: u.id,
          title: `Track ${id} ${rng.pick(['Night Drive', 'Sunrise', 'Loop', 'Échappée', '夜'])}`,
          genre: rng.pick(GENRES),
          track_cid: `bafy${rng.hex(16)}`,
          duration: rng.int(30, 600),
          track_segments: [],
          ...(collaborator && collaborator.id !== u.id
            ? { collaborators: [{ user_id: collaborator.id }] }
            : {}),
        },
      };
    },
  },
  {
    key: 'Track:Update',
    weight: 2,
    gen: ({ world, rng }) => {
      const t = world.liveTrack(rng);
      const u = t && world.userById(t.owner);
      return (
        t &&
        u && {
          entityType: 'Track',
          action: 'Update',
          entityId: t.id,
          ...asUser(u),
          metadata: { owner_id: u.id, title: `Retitled ${rng.int(0, 99)}`, genre: rng.pick(GENRES) },
        }
      );
    },
  },
  {
    key: 'Track:Delete',
    weight: 0.5,
    gen: ({ world, rng }) => {
      const t = world.liveTrack(rng);
      const u = t && world.userById(t.owner);
      if (!t || !u) return undefined;
      t.deleted = true;
      return { entityType: 'Track', action: 'Delete', entityId: t.id, ...asUser(u) };
    },
  },
  {
    key: 'Track:Download',
    weight: 1,
    gen: ({ world, rng }) => {
      const t = world.tracks.length > 0 ? world.tracks[rng.powerLaw(world.tracks.length)] : undefined;
      const u = world.user(rng);
      return (
        t &&
        u && {
          entityType: 'Track',
          action: 'Download',
          entityId: t.id,
          ...asUser(u),
          metadata: { city: 'Berlin', region: 'BE', country: 'DE' },
        }
      );
    },
  },
  {
    key: 'Track:Mute',
    weight: 0.3,
    gen: ({ world, rng }) => {
      const t = world.liveTrack(rng);
      const u = t && world.userById(t.owner);
      return t && u && { entityType: 'Track', action: 'Mute', entityId: t.id, ...asUser(u) };
    },
  },
  {
    key: 'Track:Unmute',
    weight: 0.2,
    gen: ({ world, rng }) => {
      const t = world.liveTrack(rng);
      const u = t && world.userById(t.owner);
      return t && u && { entityType: 'Track', action: 'Unmute', entityId: t.id, ...asUser(u) };
    },
  },
  {
    key: 'Playlist:Create',
    weight: 2,
    gen: ({ world, rng, time }) => {
      const u = world.user(rng);
      if (!u || world.playlists.length >= LIMITS.playlists) return undefined;
      const id = world.nextPlaylistId++;
      world.playlists.push({ id, owner: u.id, deleted: false });
      const ids = [0, 1, 2].map(() => world.liveTrack(rng)?.id).filter((x): x is number => x !== undefined);
      const ts = Math.floor(Date.parse(time) / 1000);
      return {
        entityType: 'Playlist',
        action: 'Create',
        entityId: id,
        ...asUser(u),
        metadata: {
          playlist_name: `Mix ${id}`,
          is_album: rng.chance(0.2),
          is_private: false,
          playlist_contents: { track_ids: ids.map((track) => ({ track, time: ts })) },
        },
      };
    },
  },
  {
    key: 'Playlist:Update',
    weight: 1,
    gen: ({ world, rng }) => {
      const p = world.livePlaylist(rng);
      const u = p && world.userById(p.owner);
      return (
        p &&
        u && {
          entityType: 'Playlist',
          action: 'Update',
          entityId: p.id,
          ...asUser(u),
          metadata: { playlist_name: `Mix ${p.id} v${rng.int(2, 9)}` },
        }
      );
    },
  },
  {
    key: 'Playlist:Delete',
    weight: 0.3,
    gen: ({ world, rng }) => {
      const p = world.livePlaylist(rng);
      const u = p && world.userById(p.owner);
      if (!p || !u) return undefined;
      p.deleted = true;
      return { entityType: 'Playlist', action: 'Delete', entityId: p.id, ...asUser(u) };
    },
  },
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
        return {
          entityType: 'Grant',
          action: 'Create',
          entityId: 0,
          ...asUser(u),
          metadata: { grantee_address: a.address },
        };
      }
      const m = world.user(rng);
      if (!m || m.id === u.id || world.grants.has(pair(m.wallet, u.id))) return undefined;
      world.grants.add(pair(m.wallet, u.id));
      world.managerGrants.push({ grantor: u.id, grantee: m.id });
      return {
        entityType: 'Grant',
        action: 'Create',
        entityId: 0,
        ...asUser(u),
        metadata: { grantee_address: m.wallet },
      };
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
      return {
        entityType: 'Grant',
        action: 'Delete',
        entityId: 0,
        ...asUser(u),
        metadata: { grantee_address: grantee! },
      };
    },
  },
  {
    key: 'Grant:Approve',
    weight: 0.2,
    gen: ({ world, rng }) => {
      // The grantee-side user answers a pending manager grant.
      const g = world.managerGrants.splice(rng.int(0, Math.max(0, world.managerGrants.length - 1)), 1)[0];
      const grantee = g && world.userById(g.grantee);
      return (
        grantee && {
          entityType: 'Grant',
          action: 'Approve',
          entityId: 0,
          ...asUser(grantee),
          metadata: { grantee_address: grantee.wallet, grantor_user_id: g.grantor },
        }
      );
    },
  },
  {
    key: 'Grant:Reject',
    weight: 0.2,
    gen: ({ world, rng }) => {
      // The grantee-side user answers a pending manager grant.
      const g = world.managerGrants.splice(rng.int(0, Math.max(0, world.managerGrants.length - 1)), 1)[0];
      const grantee = g && world.userById(g.grantee);
      return (
        grantee && {
          entityType: 'Grant',
          action: 'Reject',
          entityId: 0,
          ...asUser(grantee),
          metadata: { grantee_address: grantee.wallet, grantor_user_id: g.grantor },
        }
      );
    },
  },
  {
    key: 'Notification:Create',
    weight: 0.2,
    gen: ({ world, rng }) => {
      const u = world.user(rng);
      return (
        u && {
          entityType: 'Notification',
          action: 'Create',
          entityId: rng.int(1, 1000),
          ...asUser(u),
          metadata: {
            title: 'Announcement',
            short_description: 'hello',
            group_id: `announcement:${rng.hex(4)}`,
          },
        }
      );
    },
  },
  {
    key: 'Notification:View',
    weight: 1,
    gen: ({ world, rng }) => {
      const u = world.user(rng);
      return u && { entityType: 'Notification', action: 'View', entityId: u.id, ...asUser(u) };
    },
  },
  {
    key: 'Notification:ViewPlaylist',
    weight: 0.3,
    gen: ({ world, rng }) => {
      const u = world.user(rng);
      const p = world.livePlaylist(rng);
      return u && p && { entityType: 'Notification', action: 'ViewPlaylist', entityId: p.id, ...asUser(u) };
    },
  },
  {
    key: 'PlaylistSeen:View',
    weight: 0.1,
    gen: ({ world, rng }) => {
      const u = world.user(rng);
      const p = world.livePlaylist(rng);
      return u && p && { entityType: 'PlaylistSeen', action: 'View', entityId: p.id, ...asUser(u) };
    },
  },
  {
    key: 'Comment:Create',
    weight: 4,
    gen: ({ world, rng }) => {
      const u = world.user(rng);
      const t = world.liveTrack(rng);
      if (!u || !t || world.comments.length >= LIMITS.comments) return undefined;
      const id = world.nextCommentId++;
      const parent = world.comments.length > 0 && rng.chance(0.2) ? rng.pick(world.comments) : undefined;
      world.comments.push({ id, user: u.id, track: parent ? parent.track : t.id });
      const mention = world.user(rng);
      return {
        entityType: 'Comment',
        action: 'Create',
        entityId: id,
        ...asUser(u),
        metadata: {
          entity_type: 'Track',
          entity_id: parent ? parent.track : t.id,
          body: `nice one ${rng.hex(2)}`,
          ...(parent ? { parent_comment_id: parent.id } : {}),
          ...(mention && rng.chance(0.3) ? { mentions: [mention.id] } : {}),
          track_timestamp_s: rng.int(0, 200),
        },
      };
    },
  },
  ...(['Update', 'Delete', 'React', 'Unreact', 'Pin', 'Unpin', 'Report', 'Mute', 'Unmute'] as const).map(
    (action): Generator => ({
      key: `Comment:${action}`,
      weight: action === 'React' ? 2 : 0.3,
      gen: ({ world, rng }) => {
        if (world.comments.length === 0) return undefined;
        const c = rng.pick(world.comments);
        const ownerSide = action === 'Pin' || action === 'Unpin';
        const track = world.tracks.find((t) => t.id === c.track);
        const actor =
          action === 'Update' || action === 'Delete'
            ? world.userById(c.user)
            : ownerSide
              ? track && world.userById(track.owner)
              : world.user(rng);
        if (!actor) return undefined;
        if (action === 'React') world.commentReactions.add(pair(actor.id, c.id));
        if (action === 'Unreact') {
          // Undo a reaction that exists.
          const k = [...world.commentReactions][rng.int(0, Math.max(0, world.commentReactions.size - 1))];
          if (!k) return undefined;
          world.commentReactions.delete(k);
          const [uid, cid] = k.split(':').map(Number);
          const u = world.userById(uid!);
          return u && { entityType: 'Comment', action, entityId: cid!, ...asUser(u) };
        }
        if (action === 'Pin') world.pins.set(c.track, c.id);
        if (action === 'Unpin') {
          const pinned = [...world.pins][0];
          if (!pinned) return undefined;
          world.pins.delete(pinned[0]);
          const t = world.tracks.find((x) => x.id === pinned[0]);
          const owner = t && world.userById(t.owner);
          return (
            owner && {
              entityType: 'Comment',
              action,
              entityId: pinned[1],
              ...asUser(owner),
              metadata: { entity_id: pinned[0] },
            }
          );
        }
        return {
          entityType: 'Comment',
          action,
          entityId: c.id,
          ...asUser(actor),
          metadata: { entity_type: 'Track', entity_id: c.track, body: `edited ${rng.hex(2)}` },
        };
      },
    }),
  ),
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
      return {
        entityType: 'Event',
        action: 'Create',
        entityId: id,
        ...asUser(u),
        metadata: {
          event_type: 'remix_contest',
          entity_type: 'track',
          entity_id: t.id,
          end_date: end,
          event_data: { description: 'contest' },
        },
      };
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
        u && {
          entityType: 'Event',
          action: 'Update',
          entityId: e.id,
          ...asUser(u),
          metadata: { end_date: end, event_data: { description: 'extended' } },
        }
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
  {
    key: 'EncryptedEmail:AddEmail',
    weight: 0.2,
    gen: ({ world, rng }) => {
      const u = world.user(rng);
      const r = world.user(rng);
      return (
        u &&
        r && {
          entityType: 'EncryptedEmail',
          action: 'AddEmail',
          entityId: 0,
          ...asUser(u),
          metadata: {
            email_owner_user_id: u.id,
            encrypted_email: rng.hex(24),
            access_grants: [
              {
                receiving_user_id: r.id,
                grantor_user_id: u.id,
                encrypted_key: rng.hex(16),
                is_initial: true,
              },
            ],
          },
        }
      );
    },
  },
  {
    key: 'EmailAccess:Update',
    weight: 0.1,
    gen: ({ world, rng }) => {
      const [u, r] = [world.user(rng), world.user(rng)];
      return (
        u &&
        r && {
          entityType: 'EmailAccess',
          action: 'Update',
          entityId: 0,
          ...asUser(u),
          metadata: {
            email_owner_user_id: u.id,
            access_grants: [{ receiving_user_id: r.id, grantor_user_id: u.id, encrypted_key: rng.hex(16) }],
          },
        }
      );
    },
  },
  {
    key: 'AssociatedWallet:Create',
    weight: 0.2,
    gen: ({ world, rng }) => {
      const u = world.user(rng);
      if (!u) return undefined;
      const key = ethKey(rng);
      const message = `link ${key.address} to user ${u.id}`;
      world.linkedWallets.push({ user: u.id, address: key.address });
      return {
        entityType: 'AssociatedWallet',
        action: 'Create',
        entityId: 0,
        ...asUser(u),
        metadata: {
          wallet: key.address,
          chain: 'eth',
          wallet_signature: { message, signature: personalSign(key, message) },
        },
      };
    },
  },
  {
    key: 'AssociatedWallet:Delete',
    weight: 0.3,
    gen: ({ world, rng }) => {
      const l = world.linkedWallets.splice(rng.int(0, Math.max(0, world.linkedWallets.length - 1)), 1)[0];
      const u = l && world.userById(l.user);
      return (
        u && {
          entityType: 'AssociatedWallet',
          action: 'Delete',
          entityId: 0,
          ...asUser(u),
          metadata: { wallet: l.address, chain: 'eth' },
        }
      );
    },
  },
  {
    key: 'DashboardWalletUser:Create',
    weight: 0.1,
    gen: ({ world, rng }) => {
      const u = world.user(rng);
      if (!u) return undefined;
      const key = ethKey(rng);
      const message = `dashboard ${key.address} for user ${u.id}`;
      world.dashboardWallets.push({ user: u.id, address: key.address });
      return {
        entityType: 'DashboardWalletUser',
        action: 'Create',
        entityId: 0,
        ...asUser(u),
        metadata: {
          wallet: key.address,
          wallet_signature: { message, signature: personalSign(key, message) },
        },
      };
    },
  },
  {
    key: 'DashboardWalletUser:Delete',
    weight: 0.3,
    gen: ({ world, rng }) => {
      const d = world.dashboardWallets.splice(
        rng.int(0, Math.max(0, world.dashboardWallets.length - 1)),
        1,
      )[0];
      const u = d && world.userById(d.user);
      return (
        u && {
          entityType: 'DashboardWalletUser',
          action: 'Delete',
          entityId: 0,
          ...asUser(u),
          metadata: { wallet: d.address },
        }
      );
    },
  },
  {
    key: 'Tip:Update',
    weight: 0.1,
    gen: ({ world, rng }) => {
      const u = world.user(rng);
      return (
        u && {
          entityType: 'Tip',
          action: 'Update',
          entityId: 0,
          ...asUser(u),
          metadata: { reacted_to: rng.hex(32), reaction_value: rng.int(1, 4) },
        }
      );
    },
  },
  ...(['Approve', 'Reject'] as const).map(
    (action): Generator => ({
      key: `TrackCollaborator:${action}`,
      weight: 0.1,
      gen: ({ world, rng }) => {
        // The invited collaborator answers a pending invite.
        const inv = world.invites.splice(rng.int(0, Math.max(0, world.invites.length - 1)), 1)[0];
        const u = inv && world.userById(inv.user);
        return u && { entityType: 'TrackCollaborator', action, entityId: inv.track, ...asUser(u) };
      },
    }),
  ),
  {
    key: 'PlayCount:Reconcile',
    weight: 0.05,
    gen: ({ world, rng }) => {
      const t = world.liveTrack(rng);
      const u = t && world.userById(t.owner);
      return (
        t &&
        u && {
          entityType: 'PlayCount',
          action: 'Reconcile',
          entityId: t.id,
          ...asUser(u),
          metadata: { delta: rng.int(1, 50) },
        }
      );
    },
  },
  // The actions production's notification triggers react to (issue 16): remixes (remix, contest
  // submissions), the parent's owner acting on a remix (cosign), a repost or save of what a followee
  // reposted (repost_of_repost, save_of_repost), and an artist posting in their own fan club.
  {
    key: 'Track:Remix',
    weight: 1.5,
    gen: ({ world, rng }) => {
      const u = world.user(rng);
      if (!u || world.tracks.length >= LIMITS.tracks) return undefined;
      // Half of the remixes answer a remix contest, when there is one.
      const contest = world.events.length > 0 && rng.chance(0.5) ? rng.pick(world.events) : undefined;
      const parent = contest ? world.tracks.find((t) => t.id === contest.track) : world.liveTrack(rng);
      if (!parent || parent.deleted) return undefined;
      const id = world.nextTrackId++;
      // Kept on the track (hostile drafts see a copy of tracks, so a rejected remix is never cosigned).
      world.tracks.push({ id, owner: u.id, deleted: false, parentOwner: parent.owner });
      return {
        entityType: 'Track',
        action: 'Create',
        entityId: id,
        ...asUser(u),
        metadata: {
          owner_id: u.id,
          title: `Remix ${id}`,
          genre: rng.pick(GENRES),
          track_cid: `bafy${rng.hex(16)}`,
          duration: rng.int(30, 600),
          track_segments: [],
          remix_of: { tracks: [{ parent_track_id: parent.id }] },
        },
      };
    },
  },
  {
    key: 'Track:Cosign',
    weight: 0.8,
    gen: ({ world, rng }) => {
      const remixes = world.tracks.filter((t) => t.parentOwner !== undefined && !t.deleted);
      if (remixes.length === 0) return undefined;
      const r = rng.pick(remixes);
      const u = world.userById(r.parentOwner!);
      const set = rng.chance(0.5) ? world.saves : world.reposts;
      if (!u || u.id === r.owner || set.has(pair(u.id, r.id, 'track'))) return undefined;
      set.add(pair(u.id, r.id, 'track'));
      const action = set === world.saves ? 'Save' : 'Repost';
      return { entityType: 'Track', action, entityId: r.id, ...asUser(u), metadata: { type: 'track' } };
    },
  },
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
  {
    key: 'Comment:FanClubPost',
    weight: 0.5,
    gen: ({ world, rng }) => {
      // An artist someone follows posts in their own fan club (not added to world.comments: replies and
      // reactions there assume a track).
      if (world.follows.size === 0) return undefined;
      const followee = [...world.follows][rng.int(0, world.follows.size - 1)]!.split(':')[1];
      const u = world.userById(Number(followee));
      if (!u || world.comments.length >= LIMITS.comments) return undefined;
      const id = world.nextCommentId++;
      return {
        entityType: 'Comment',
        action: 'Create',
        entityId: id,
        ...asUser(u),
        metadata: { entity_type: 'FanClub', entity_id: u.id, body: `news ${rng.hex(2)}` },
      };
    },
  },
];

/**
 * Coverage drafts: one per handler or rejection reason the weighted generators reach too rarely for the
 * corpus seeds (sim/seeds.json, test/sim/coverage.test.ts). SimChain appends one now and then, taken in
 * turn (world.coverageCursor) and drawn from the `coverage` stream only, so these never shift the `txs`
 * stream the weighted generators share. Valid ones update the world like the others; the rest read it.
 */
export const COVERAGE: readonly Generator[] = [
  {
    key: 'DeveloperApp:Delete',
    weight: 1,
    gen: ({ world }) => {
      // The oldest live app. It stays in world.apps: later Updates and Grants on it are rejected, as on chain.
      const a = world.apps.find((x) => !world.deletedApps.has(x.address));
      const u = a && world.userById(a.owner);
      if (!a || !u) return undefined;
      world.deletedApps.add(a.address);
      return {
        entityType: 'DeveloperApp',
        action: 'Delete',
        entityId: 0,
        ...asUser(u),
        metadata: { address: a.address },
      };
    },
  },
  {
    key: 'Event:Delete',
    weight: 1,
    gen: ({ world }) => {
      const e = world.events.shift();
      const u = e && world.userById(e.owner);
      return u && { entityType: 'Event', action: 'Delete', entityId: e.id, ...asUser(u) };
    },
  },
  {
    key: 'app_not_found',
    weight: 1,
    gen: ({ world, rng }) => {
      const u = world.user(rng);
      return (
        u && {
          entityType: 'DeveloperApp',
          action: 'Update',
          entityId: 0,
          ...asUser(u),
          metadata: { address: `0x${rng.hex(20)}`, name: 'no such app', description: 'updated' },
        }
      );
    },
  },
  {
    key: 'grantee_invalid',
    weight: 1,
    gen: ({ world, rng }) => {
      const u = world.user(rng);
      return (
        u && {
          entityType: 'Grant',
          action: 'Create',
          entityId: 0,
          ...asUser(u),
          metadata: { grantee_address: `0x${rng.hex(20)}` },
        }
      );
    },
  },
  {
    key: 'handle_taken',
    weight: 1,
    gen: ({ world, rng }) => {
      const u = world.user(rng);
      const other = world.users.find((x) => x !== u);
      return (
        u &&
        other && {
          entityType: 'User',
          action: 'Update',
          entityId: u.id,
          ...asUser(u),
          metadata: { handle: other.handle },
        }
      );
    },
  },
  {
    key: 'wallet_taken',
    weight: 1,
    gen: ({ world, rng }) => {
      const taken = world.user(rng);
      const id = 3_980_000 + world.coverageCursor;
      return (
        taken && {
          entityType: 'User',
          action: 'Create',
          userId: id,
          entityId: id,
          signer: taken.wallet,
          metadata: { handle: `cov${id}` },
        }
      );
    },
  },
  {
    key: 'not_reposted',
    weight: 1,
    gen: ({ world, rng }) => {
      const u = world.user(rng);
      const t = world.liveTrack(rng);
      if (!u || !t || world.reposts.has(pair(u.id, t.id, 'track'))) return undefined;
      return {
        entityType: 'Track',
        action: 'Unrepost',
        entityId: t.id,
        ...asUser(u),
        metadata: { type: 'track' },
      };
    },
  },
  ...([false, true] as const).map(
    (otherTrack): Generator => ({
      key: otherTrack ? 'parent_comment_mismatch' : 'parent_comment_not_found',
      weight: 1,
      gen: ({ world, rng }) => {
        const u = world.user(rng);
        const parent = world.comments[0];
        const t = otherTrack
          ? world.tracks.find((x) => !x.deleted && x.id !== parent?.track)
          : world.liveTrack(rng);
        if (!u || !t || (otherTrack && !parent)) return undefined;
        return {
          entityType: 'Comment',
          action: 'Create',
          entityId: 4_900_000 + world.coverageCursor,
          ...asUser(u),
          metadata: {
            entity_type: 'Track',
            entity_id: t.id,
            body: 'a reply',
            parent_comment_id: otherTrack && parent ? parent.id : 4_999_999,
          },
        };
      },
    }),
  ),
  {
    key: 'playlist_exists',
    weight: 1,
    gen: ({ world, rng }) => {
      const p = world.livePlaylist(rng);
      const u = p && world.userById(p.owner);
      return (
        p &&
        u && {
          entityType: 'Playlist',
          action: 'Create',
          entityId: p.id,
          ...asUser(u),
          metadata: { playlist_name: 'again' },
        }
      );
    },
  },
  {
    key: 'track_id_below_offset',
    weight: 1,
    gen: ({ world, rng }) => {
      const u = world.user(rng);
      return (
        u && {
          entityType: 'Track',
          action: 'Create',
          entityId: 1_999_999,
          ...asUser(u),
          metadata: { owner_id: u.id, title: 'low id', genre: rng.pick(GENRES) },
        }
      );
    },
  },
  ...(
    [
      ['stem_cannot_be_gated', { stem_of: { parent_track_id: 2_000_000 }, is_stream_gated: true }],
      [
        'stream_gated_not_download_gated',
        { is_stream_gated: true, stream_conditions: { follow_user_id: 1 } },
      ],
    ] as const
  ).map(
    ([key, gating]): Generator => ({
      key,
      weight: 1,
      gen: ({ world, rng }) => {
        const u = world.user(rng);
        return (
          u && {
            entityType: 'Track',
            action: 'Create',
            entityId: 3_500_000 + world.coverageCursor,
            ...asUser(u),
            metadata: { owner_id: u.id, title: 'gated probe', genre: rng.pick(GENRES), ...gating },
          }
        );
      },
    }),
  ),
];

/** The next coverage draft in turn (skipping those the world cannot make yet), or none. */
export function coverageDraft(ctx: GenContext): { key: string; draft: Draft } | undefined {
  const w = ctx.world;
  for (let i = 0; i < COVERAGE.length; i++) {
    const g = COVERAGE[(w.coverageCursor + i) % COVERAGE.length]!;
    const draft = g.gen(ctx);
    if (draft) {
      w.coverageCursor += i + 1;
      return { key: g.key, draft };
    }
  }
  return undefined;
}

/** How a valid draft is made hostile. Each is a rejection the indexer must record, never a crash. */
export const HOSTILE: Record<string, (d: Draft, ctx: GenContext) => Draft> = {
  unknown_user: (d, { rng }) => ({ ...d, userId: 2_900_000 - rng.int(1, 1000) }),
  wrong_signer: (d, { world }) => ({ ...d, signer: world.newWallet() }),
  missing_entity: (d, { rng }) => ({ ...d, entityId: 1_000_000_000 + rng.int(0, 1000) }),
  malformed_json: (d) => ({ ...d, metadata: '{"cid":"bafy","data":{"title":"unterminated' }),
  wrong_json_types: (d) => ({
    ...d,
    metadata: { owner_id: 'not-a-number', title: 42, handle: ['x'], body: { a: 1 }, name: true },
  }),
  non_integer_id: (d, { rng }) => ({
    ...d,
    userId: rng.pick(['abc', '1.5', '', '0x10', '-']),
    entityId: rng.pick(['NaN', '1e9', ' 7']),
  }),
  oversized_string: (d, { rng }) => ({
    ...d,
    metadata: {
      ...(typeof d.metadata === 'object' ? d.metadata : {}),
      name: 'n'.repeat(rng.int(40, 5000)),
      bio: 'b'.repeat(rng.int(300, 20_000)),
      body: 'c'.repeat(600),
    },
  }),
  sql_metacharacters: (d) => ({
    ...d,
    metadata: {
      ...(typeof d.metadata === 'object' ? d.metadata : {}),
      name: "Robert'); DROP TABLE users; --",
      handle: "x' OR '1'='1",
      title: '$$; SELECT pg_sleep(10); $$',
    },
  }),
  nul_byte: (d) => ({
    ...d,
    metadata: { ...(typeof d.metadata === 'object' ? d.metadata : {}), name: 'nul\u0000byte' },
  }),
  int4_overflow: (d, { rng }) => ({
    ...d,
    entityId: String(2_147_483_648 + rng.int(0, 1e6)),
    userId: rng.chance(0.5) ? '9223372036854775808' : d.userId,
  }),
  unknown_pair: (d, { rng }) => ({
    ...d,
    entityType: rng.pick(['Spaceship', 'User', 'Track']),
    action: rng.pick(['Launch', 'Teleport', 'Frobnicate']),
  }),
  duplicate_entity: (d, { world, rng }) => {
    const u = world.users.length > 0 ? world.users[rng.int(0, world.users.length - 1)]! : undefined;
    return u
      ? {
          ...d,
          entityType: 'User',
          action: 'Create',
          userId: u.id,
          entityId: u.id,
          signer: u.wallet,
          metadata: { handle: u.handle },
        }
      : d;
  },
};

/**
 * Txs that break exactly one validation rule of a handler, so every rejection reason is reachable by a
 * seed (coverage marks). Each reads the world; none changes it.
 */
const RULE_VIOLATIONS: readonly ((ctx: GenContext) => Draft | undefined)[] = [
  ({ world, rng }) => {
    const u = world.user(rng);
    return u && { entityType: 'User', action: 'Follow', userId: u.id, entityId: u.id, signer: u.wallet };
  },
  ({ world }) => {
    const k = [...world.follows][0];
    const [a, b] = (k ?? '').split(':').map(Number);
    const u = a ? world.userById(a) : undefined;
    return (
      u && ({ entityType: 'User', action: 'Follow', userId: u.id, entityId: b!, signer: u.wallet } as Draft)
    );
  },
  ({ world, rng }) => {
    const u = world.user(rng);
    return (
      u && {
        entityType: 'User',
        action: rng.pick(['Unsubscribe', 'Unmute', 'Unsave']),
        userId: u.id,
        entityId: 3_999_000,
        signer: u.wallet,
      }
    );
  },
  ({ world, rng }) => {
    const id = 3_990_000 + rng.int(0, 9_999);
    const taken = world.user(rng);
    const kind = rng.int(0, 3);
    const handle =
      kind === 0 ? 'admin' : kind === 1 ? (taken?.handle ?? 'x') : kind === 2 ? 'h'.repeat(31) : `ok${id}`;
    const signer =
      kind === 3 && taken
        ? taken.wallet
        : kind === 3 && world.apps[0]
          ? world.apps[0].address
          : world.newWallet();
    return { entityType: 'User', action: 'Create', userId: id, entityId: id, signer, metadata: { handle } };
  },
  ({ world, rng }) => {
    const u = world.user(rng);
    if (!u) return undefined;
    const usdc = { usdc_purchase: { price: 100, splits: [{ user_id: u.id, percentage: 100 }] } };
    const variants: Record<string, unknown>[] = [
      { genre: 'Polka Metal' },
      { owner_id: u.id + 1 },
      { stem_of: { parent_track_id: 2_000_000 }, is_download_gated: true, download_conditions: usdc },
      { is_stream_gated: true, stream_conditions: { usdc_purchase: { price: 1, splits: [] } } },
      { is_stream_gated: true, stream_conditions: usdc },
      {
        is_stream_gated: true,
        stream_conditions: usdc,
        is_download_gated: true,
        download_conditions: { follow_user_id: u.id },
      },
      { is_stream_gated: true, stream_conditions: { a: 1, b: 2 }, is_download_gated: true },
      { is_download_gated: true, download_conditions: { a: 1, b: 2 } },
    ];
    const id = rng.chance(0.1) ? 1_999_999 : world.nextTrackId + 1_000_000 + rng.int(0, 9999);
    return {
      entityType: 'Track',
      action: 'Create',
      userId: u.id,
      entityId: id,
      signer: u.wallet,
      metadata: { owner_id: u.id, title: 'probe', ...rng.pick(variants) },
    };
  },
  ({ world, rng }) => {
    const u = world.user(rng);
    const v = rng.int(0, 4);
    if (!u) return undefined;
    if (v === 0)
      return {
        entityType: 'Playlist',
        action: 'Create',
        userId: u.id,
        entityId: 399_999,
        signer: u.wallet,
        metadata: { playlist_name: 'low' },
      };
    if (v === 1)
      return {
        entityType: 'Playlist',
        action: 'Update',
        userId: u.id,
        entityId: 499_999,
        signer: u.wallet,
        metadata: { playlist_name: 'gone' },
      };
    if (v === 2)
      return {
        entityType: 'User',
        action: 'Verify',
        userId: u.id,
        entityId: u.id,
        signer: u.wallet,
        metadata: { is_verified: true },
      };
    if (v === 3)
      return { entityType: 'Comment', action: 'Save', userId: u.id, entityId: 123, signer: u.wallet };
    const other = world.tracks.find((t) => t.owner !== u.id && !t.deleted);
    return (
      other && {
        entityType: 'User',
        action: 'Update',
        userId: u.id,
        entityId: u.id,
        signer: u.wallet,
        metadata: { artist_pick_track_id: other.id },
      }
    );
  },
];

HOSTILE.rule_violation = (d, ctx) => ctx.rng.pick(RULE_VIOLATIONS)(ctx) ?? d;

export const HOSTILE_KINDS = Object.keys(HOSTILE);
