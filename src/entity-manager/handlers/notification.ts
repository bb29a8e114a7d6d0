// Notification handlers (docs/spec.md#handlers-notification).
import { validateSigner } from '../authorize.js';
import type { Handler, HandlerRegistration } from '../types.js';
import { reject } from '../validation-error.js';
import { hasLoneSurrogate, jsonbText } from './common/jsonb.js';

/**
 * An announcement: the raw metadata (not the unwrapped envelope) is the data; no signer check
 * (docs/spec.md#handlers-notification).
 */
const createAnnouncement: Handler = async ({ db }, p) => {
  if (p.metadata.raw === '' || p.metadata.parseError !== null)
    reject('metadata_required', p.metadata.parseError ?? 'metadata is required');
  // The raw text is the data (jsonb keeps numbers exactly); only a lone surrogate, which jsonb refuses,
  // makes us write the re-encoded value instead. parseError is null, so the raw text parses.
  const parsed: unknown = JSON.parse(p.metadata.raw);
  const data = hasLoneSurrogate(parsed) ? (jsonbText(parsed) ?? 'null') : p.metadata.raw;
  await db
    .insertInto('notification')
    .values({
      specifier: '',
      group_id: `announcement:blocknumber:${p.blockNumber}`,
      type: 'announcement',
      blocknumber: p.blockNumber,
      slot: null,
      timestamp: p.blockTime,
      data,
      user_ids: [],
      type_v2: null,
    })
    .onConflict((oc) => oc.constraint('uq_notification').doNothing())
    .execute();
};

const viewNotifications: Handler = async ({ db }, p) => {
  await validateSigner(db, p.userId, p.signer);
  await db
    .insertInto('notification_seen')
    .values({
      user_id: p.userId,
      seen_at: p.blockTime,
      blocknumber: p.blockNumber,
      blockhash: p.blockHash,
      txhash: p.txHash,
    })
    .onConflict((oc) => oc.doNothing())
    .execute();
};

const viewPlaylist: Handler = async ({ db }, p) => {
  await validateSigner(db, p.userId, p.signer);
  const pl = await db
    .selectFrom('playlists')
    .select('playlist_id')
    .where('playlist_id', '=', p.entityId)
    .where('is_current', '=', true)
    .executeTakeFirst();
  if (!pl) reject('playlist_not_found', `playlist ${p.entityId} does not exist`);
  await db
    .insertInto('playlist_seen')
    .values({
      user_id: p.userId,
      playlist_id: p.entityId,
      seen_at: p.blockTime,
      is_current: true,
      blocknumber: p.blockNumber,
      blockhash: p.blockHash,
      txhash: p.txHash,
    })
    .onConflict((oc) => oc.doNothing())
    .execute();
};

export const notificationHandlers: readonly HandlerRegistration[] = [
  // Exception: no authorize step (the reference's announcement has no admin gate).
  {
    entityType: 'Notification',
    action: 'Create',
    gate: 'Notification',
    writes: ['notification'],
    handle: createAnnouncement,
  },
  {
    entityType: 'Notification',
    action: 'View',
    gate: 'Notification',
    writes: ['notification_seen'],
    handle: viewNotifications,
  },
  {
    entityType: 'Notification',
    action: 'ViewPlaylist',
    gate: 'Notification',
    writes: ['playlist_seen'],
    handle: viewPlaylist,
  },
  // The same action under its other spelling, PlaylistSeen/View (docs/spec.md#handlers-notification).
  {
    entityType: 'PlaylistSeen',
    action: 'View',
    gate: 'Notification',
    writes: ['playlist_seen'],
    handle: viewPlaylist,
  },
];
