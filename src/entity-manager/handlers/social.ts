// The social handlers (docs/spec.md#handlers-social), registered under entity type `*`: the chain tx carries
// the target's entity type. Each keeps exactly one current row per pair (partial unique index + upsert). Step
// order: parse (self-action checks need no database) → authorize (validateSigner) → validate (target
// existence, current state) → write.
import type { Insertable, Kysely, Updateable } from 'kysely';
import { preparedWrite } from '../../db/prepared-write.js';
import type { Database } from '../../db/schema.js';
import type {
  FollowsTable,
  ItemType,
  RepostsTable,
  SavesTable,
  SharesTable,
  SubscriptionsTable,
} from '../../db/tables/social-graph.js';
import { validateSigner } from '../authorize.js';
import { pairKey } from '../block-view/lookups.js';
import { lookup, writeThrough } from '../block-view/view.js';
import { ANY_ENTITY, type EmParams, type Handler, type HandlerRegistration } from '../types.js';
import { reject } from '../validation-error.js';
import { CURRENT_ROW, chainStamp } from './common/stamp.js';

// Existence and current-state reads go through the block view (block-view/lookups.ts holds their WHERE).

/**
 * What every social row shares: one current row per pair, upserted. `currentRow` starts the insert's columns,
 * `onConflictSet` is what the conflict updates on the current row. Plain literals: they are built per tx.
 */
function currentRow(p: EmParams, isDelete: boolean) {
  return {
    blockhash: p.blockHash,
    blocknumber: p.blockNumber,
    txhash: p.txHash,
    is_current: true,
    is_delete: isDelete,
    created_at: p.blockTime,
  };
}

function onConflictSet(p: EmParams, isDelete: boolean) {
  return {
    is_delete: isDelete,
    created_at: p.blockTime,
    blockhash: p.blockHash,
    blocknumber: p.blockNumber,
    txhash: p.txHash,
  };
}

async function userExists(db: Kysely<Database>, id: number): Promise<boolean> {
  return (await lookup(db, 'userWallet', String(id))) !== undefined;
}

// ---- follows (and the implied subscription) ------------------------------------------------------

async function activeFollow(db: Kysely<Database>, p: EmParams): Promise<boolean> {
  const r = await lookup(db, 'follow', pairKey(p.userId, p.entityId));
  return r !== undefined && !r.is_delete;
}

async function upsertFollow(db: Kysely<Database>, p: EmParams, isDelete: boolean) {
  const row: Insertable<FollowsTable> = {
    ...currentRow(p, isDelete),
    slot: null,
    follower_user_id: p.userId,
    followee_user_id: p.entityId,
  };
  const patch = {
    name: 'follow',
    key: pairKey(p.userId, p.entityId),
    value: { is_delete: isDelete },
  } as const;
  await writeThrough(db, [patch], () => writeFollow(db, { row, set: onConflictSet(p, isDelete) }));
}

const writeFollow = preparedWrite((db, $: { row: Insertable<FollowsTable>; set: Updateable<FollowsTable> }) =>
  db
    .insertInto('follows')
    .values($.row)
    .onConflict((oc) =>
      oc
        .columns(['follower_user_id', 'followee_user_id'])
        .where('is_current', '=', CURRENT_ROW)
        .doUpdateSet($.set),
    ),
);

async function upsertSubscription(
  db: Kysely<Database>,
  p: EmParams,
  isDelete: boolean,
  entityType: 'User' | 'Event' = 'User',
) {
  // user_id holds the target (the event id for an Event subscription); entity_id names the canonical
  // target only for Events — a User subscription keeps it NULL, as the reference writes it.
  const row: Insertable<SubscriptionsTable> = {
    ...currentRow(p, isDelete),
    subscriber_id: p.userId,
    user_id: p.entityId,
    entity_type: entityType,
    entity_id: entityType === 'Event' ? p.entityId : null,
  };
  await writeSubscription(db, { row, set: onConflictSet(p, isDelete) });
}

const writeSubscription = preparedWrite(
  (db, $: { row: Insertable<SubscriptionsTable>; set: Updateable<SubscriptionsTable> }) =>
    db
      .insertInto('subscriptions')
      .values($.row)
      .onConflict((oc) =>
        oc
          .columns(['subscriber_id', 'user_id', 'entity_type'])
          .where('is_current', '=', CURRENT_ROW)
          .doUpdateSet($.set),
      ),
);

const follow: Handler = async ({ db }, p) => {
  if (p.userId === p.entityId) reject('self_action', 'a user cannot follow themselves');
  await validateSigner(db, p.userId, p.signer);
  if (!(await userExists(db, p.entityId))) reject('target_not_found', `user ${p.entityId} does not exist`);
  if (await activeFollow(db, p))
    reject('already_following', `user ${p.userId} already follows ${p.entityId}`);
  await upsertFollow(db, p, false);
  // Live follows imply a subscription; genesis-migration follows do not (#473).
  if (!p.migration) await upsertSubscription(db, p, false);
};

const unfollow: Handler = async ({ db }, p) => {
  await validateSigner(db, p.userId, p.signer);
  if (!(await activeFollow(db, p))) reject('not_following', `user ${p.userId} does not follow ${p.entityId}`);
  await upsertFollow(db, p, true);
  await upsertSubscription(db, p, true);
};

// ---- subscriptions -------------------------------------------------------------------------------

async function activeSubscription(db: Kysely<Database>, p: EmParams, entityType: string): Promise<boolean> {
  const r = await db
    .selectFrom('subscriptions')
    .select('is_delete')
    .where('subscriber_id', '=', p.userId)
    .where('user_id', '=', p.entityId)
    .where('entity_type', '=', entityType)
    .where('is_current', '=', true)
    .executeTakeFirst();
  return r !== undefined && !r.is_delete;
}

async function eventExists(db: Kysely<Database>, id: number): Promise<boolean> {
  return (
    (await db
      .selectFrom('events')
      .select('event_id')
      .where('event_id', '=', id)
      .where('is_deleted', '=', false)
      .executeTakeFirst()) !== undefined
  );
}

const subscriptionType = (p: EmParams): 'User' | 'Event' => (p.entityType === 'Event' ? 'Event' : 'User');

const subscribe: Handler = async ({ db }, p) => {
  const type = subscriptionType(p);
  if (type === 'User' && p.userId === p.entityId)
    reject('self_action', 'a user cannot subscribe to themselves');
  await validateSigner(db, p.userId, p.signer);
  if (type === 'User' && !(await userExists(db, p.entityId)))
    reject('target_not_found', `user ${p.entityId} does not exist`);
  if (type === 'Event' && !(await eventExists(db, p.entityId)))
    reject('event_not_found', `subscription target event ${p.entityId} does not exist`);
  if (await activeSubscription(db, p, type))
    reject('already_subscribed', `user ${p.userId} is already subscribed to ${p.entityId}`);
  await upsertSubscription(db, p, false, type);
};

const unsubscribe: Handler = async ({ db }, p) => {
  const type = subscriptionType(p);
  await validateSigner(db, p.userId, p.signer);
  if (!(await activeSubscription(db, p, type)))
    reject('not_subscribed', `user ${p.userId} is not subscribed to ${p.entityId}`);
  await upsertSubscription(db, p, true, type);
};

// ---- saves, reposts, shares ----------------------------------------------------------------------

type Kind = 'save' | 'repost' | 'share';

const fromName = (s: string): ItemType | undefined => {
  const lc = s.toLowerCase();
  return lc === 'track' || lc === 'playlist' || lc === 'album' ? lc : undefined;
};

/**
 * The item type, first match wins: metadata.type, then the tx entity_type, then what exists in the DB.
 * Saves store albums as `playlist` (#428: save_type is in the key and is_album is mutable); reposts turn a
 * Playlist into `album` when the row is an album; shares store `album` as `playlist` (production's enum).
 */
async function resolveType(
  db: Kysely<Database>,
  p: EmParams,
  kind: Kind,
  order: 'metadata-first' | 'entity-first',
): Promise<ItemType> {
  const meta = fromName(p.metadata.str('type'));
  const ent =
    p.entityType === 'Track'
      ? 'track'
      : p.entityType === 'Playlist' || p.entityType === 'Album'
        ? p.entityType === 'Album'
          ? 'album'
          : 'playlist'
        : undefined;
  let t: ItemType | undefined = order === 'metadata-first' ? (meta ?? ent) : (ent ?? meta);
  if (!t) {
    const track = await db
      .selectFrom('tracks')
      .select('track_id')
      .where('track_id', '=', p.entityId)
      .executeTakeFirst();
    if (track) t = 'track';
    else if (
      await db
        .selectFrom('playlists')
        .select('playlist_id')
        .where('playlist_id', '=', p.entityId)
        .executeTakeFirst()
    )
      t = 'playlist';
  }
  if (!t) reject('item_type_unknown', `cannot tell whether ${p.entityId} is a track or a playlist`);
  if (kind === 'save' && t === 'album') return 'playlist';
  if (kind === 'repost' && t === 'playlist') {
    const pl = await lookup(db, 'playlistIsAlbum', String(p.entityId));
    if (pl?.is_album) return 'album';
  }
  return t;
}

/** A current track (deleted allowed), or any playlist row (relaxed existence, newest build). */
async function targetExists(db: Kysely<Database>, id: number, type: ItemType): Promise<boolean> {
  if (type === 'track') return (await lookup(db, 'currentTrack', String(id))) !== undefined;
  return (await lookup(db, 'anyPlaylist', String(id))) !== undefined;
}

// Save and repost share their rules; only the reason codes and the wording differ.
const ITEM_ACTIONS = {
  save: { already: 'already_saved', missing: 'not_saved', done: 'saved' },
  repost: { already: 'already_reposted', missing: 'not_reposted', done: 'reposted' },
} as const;

/** Authorizes and validates a save/repost (or its undo); returns the item type the row is written with. */
async function validateItemAction(
  db: Kysely<Database>,
  p: EmParams,
  verb: keyof typeof ITEM_ACTIONS,
  on: boolean,
): Promise<ItemType> {
  await validateSigner(db, p.userId, p.signer);
  const type = await resolveType(db, p, verb, on ? 'metadata-first' : 'entity-first');
  const codes = ITEM_ACTIONS[verb];
  const active = async () => {
    const current = await lookup(db, verb, pairKey(p.userId, p.entityId, type));
    return current !== undefined && !current.is_delete;
  };
  if (on) {
    if (!(await targetExists(db, p.entityId, type)))
      reject('target_not_found', `${type} ${p.entityId} does not exist`);
    if (await active()) reject(codes.already, `user ${p.userId} already ${codes.done} ${type} ${p.entityId}`);
  } else if (!(await active())) {
    reject(codes.missing, `user ${p.userId} has not ${codes.done} ${type} ${p.entityId}`);
  }
  return type;
}

const writeSave = preparedWrite((db, $: { row: Insertable<SavesTable>; set: Updateable<SavesTable> }) =>
  db
    .insertInto('saves')
    .values($.row)
    .onConflict((oc) =>
      oc
        .columns(['user_id', 'save_item_id', 'save_type'])
        .where('is_current', '=', CURRENT_ROW)
        .doUpdateSet($.set),
    ),
);

const writeRepost = preparedWrite((db, $: { row: Insertable<RepostsTable>; set: Updateable<RepostsTable> }) =>
  db
    .insertInto('reposts')
    .values($.row)
    .onConflict((oc) =>
      oc
        .columns(['user_id', 'repost_item_id', 'repost_type'])
        .where('is_current', '=', CURRENT_ROW)
        .doUpdateSet($.set),
    ),
);

/** A save's or a repost's upsert: the same columns under each verb's names. */
const ITEM_WRITES = {
  save: (db: Kysely<Database>, p: EmParams, type: ItemType, on: boolean, ofRepost: boolean) =>
    writeSave(db, {
      row: {
        ...currentRow(p, !on),
        slot: null,
        user_id: p.userId,
        save_item_id: p.entityId,
        save_type: type,
        is_save_of_repost: ofRepost,
      },
      set: { ...onConflictSet(p, !on), is_save_of_repost: ofRepost },
    }),
  repost: (db: Kysely<Database>, p: EmParams, type: ItemType, on: boolean, ofRepost: boolean) =>
    writeRepost(db, {
      row: {
        ...currentRow(p, !on),
        slot: null,
        user_id: p.userId,
        repost_item_id: p.entityId,
        repost_type: type,
        is_repost_of_repost: ofRepost,
      },
      set: { ...onConflictSet(p, !on), is_repost_of_repost: ofRepost },
    }),
} as const;

/** Save/Unsave (`verb` save) and Repost/Unrepost: validate, then leave one current row with is_delete = !on. */
const setItem =
  (verb: keyof typeof ITEM_WRITES, on: boolean): Handler =>
  async ({ db }, p) => {
    const type = await validateItemAction(db, p, verb, on);
    const ofRepost = p.metadata.boolOr(`is_${verb}_of_repost`, false);
    const patch = {
      name: verb,
      key: pairKey(p.userId, p.entityId, type),
      value: { is_delete: !on },
    } as const;
    await writeThrough(db, [patch], () => ITEM_WRITES[verb](db, p, type, on, ofRepost));
  };

const share: Handler = async ({ db }, p) => {
  await validateSigner(db, p.userId, p.signer);
  const type = await resolveType(db, p, 'share', 'entity-first');
  if (!(await targetExists(db, p.entityId, type)))
    reject('target_not_found', `${type} ${p.entityId} does not exist`);
  const row: Insertable<SharesTable> = {
    ...chainStamp(p),
    user_id: p.userId,
    share_item_id: p.entityId,
    // Production's sharetype has no 'album' (migration 0009): an album share is a playlist share.
    share_type: type === 'album' ? 'playlist' : type,
    created_at: p.blockTime,
  };
  await db
    .insertInto('shares')
    .values(row)
    // The PK includes txhash: a re-delivered tx is a no-op.
    .onConflict((oc) => oc.doNothing())
    .execute();
};

const social = (
  action: string,
  writes: readonly (keyof Database & string)[],
  handle: Handler,
): HandlerRegistration => ({ entityType: ANY_ENTITY, action, gate: null, writes, handle });

// Save/Repost/Share resolve the item type before the existence check, and the type may need the
// database (DB inference, the album flag): that read sits between authorize and validate.
export const socialHandlers: readonly HandlerRegistration[] = [
  social('Follow', ['follows', 'subscriptions'], follow),
  social('Unfollow', ['follows', 'subscriptions'], unfollow),
  social('Save', ['saves'], setItem('save', true)),
  social('Unsave', ['saves'], setItem('save', false)),
  social('Repost', ['reposts'], setItem('repost', true)),
  social('Unrepost', ['reposts'], setItem('repost', false)),
  social('Subscribe', ['subscriptions'], subscribe),
  social('Unsubscribe', ['subscriptions'], unsubscribe),
  social('Share', ['shares'], share),
];
