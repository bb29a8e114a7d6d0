// Comment handlers (docs/spec.md#handlers-comment); a comment may target a Track or a FanClub.
import type { Insertable, Kysely, Updateable } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { CommentsTable } from '../../db/tables/apps-comments-events.js';
import { validateSigner } from '../authorize.js';
import { readId, runeLength } from '../metadata.js';
import type { EmParams, Handler, HandlerRegistration } from '../types.js';
import { reject } from '../validation-error.js';
import { LIMITS } from './common/limits.js';

const MAX_MENTIONS = 10;
/** The reference's cap, counted in characters (runes), not bytes (parked_findings_test.go). */
const MAX_VIDEO_URL = 2000;
const audit = (p: EmParams) => ({
  txhash: p.txHash,
  blockhash: p.blockHash,
  blocknumber: p.blockNumber,
  updated_at: p.blockTime,
});

async function comment(db: Kysely<Database>, id: number) {
  return db.selectFrom('comments').selectAll().where('comment_id', '=', id).executeTakeFirst();
}

/** validateCommentWrite: entity type, target, body. */
async function validateWrite(
  db: Kysely<Database>,
  p: EmParams,
): Promise<{ entityType: string; entityId: number; body: string; videoUrl: string | undefined }> {
  const m = p.metadata;
  const t = m.str('entity_type');
  if (t !== '' && t !== 'Track' && t !== 'FanClub')
    reject('comment_entity_type_invalid', `entity_type ${t.slice(0, 30)} is not Track or FanClub`);
  const entityId = m.id('entity_id');
  if (entityId === undefined) reject('comment_entity_required', 'metadata.entity_id is required');
  const entityType = t === '' ? 'Track' : t;
  if (entityType === 'Track') {
    const track = await db
      .selectFrom('tracks')
      .select('track_id')
      .where('track_id', '=', entityId)
      .where('is_current', '=', true)
      .executeTakeFirst();
    if (!track) reject('track_not_found', `track ${entityId} does not exist`);
  }
  const body = m.str('body');
  if (body === '') reject('comment_body_required', 'body is required');
  if (runeLength(body) > LIMITS.commentBody)
    reject('comment_body_too_long', `body is longer than ${LIMITS.commentBody} characters`);
  // Members-only posts exist on fan clubs only (comment_fan_club_test.go).
  if (m.bool('is_members_only') === true && entityType !== 'FanClub')
    reject('comment_members_only', `is_members_only is allowed on FanClub comments only, not ${entityType}`);
  const videoUrl = m.strOrUndefined('video_url');
  if (videoUrl !== undefined && runeLength(videoUrl) > MAX_VIDEO_URL)
    reject('video_url_too_long', `video_url is longer than ${MAX_VIDEO_URL} characters`);
  return { entityType, entityId, body, videoUrl };
}

function mentions(p: EmParams): number[] | undefined {
  const v = p.metadata.json('mentions');
  if (!Array.isArray(v)) return undefined;
  return [
    ...new Set(
      v.flatMap((x) => {
        const id = readId(x, 'mentions[]');
        return id !== undefined && id > 0 ? [id] : [];
      }),
    ),
  ].slice(0, MAX_MENTIONS);
}

async function upsertMentions(db: Kysely<Database>, p: EmParams, commentId: number, ids: readonly number[]) {
  if (ids.length === 0) return;
  await db
    .insertInto('comment_mentions')
    .values(
      ids.map((user_id) => ({
        comment_id: commentId,
        user_id,
        is_delete: false,
        created_at: p.blockTime,
        ...audit(p),
      })),
    )
    .onConflict((oc) => oc.columns(['comment_id', 'user_id']).doUpdateSet({ is_delete: false, ...audit(p) }))
    .execute();
}

const createComment: Handler = async ({ db }, p) => {
  await validateSigner(db, p.userId, p.signer);
  if (await comment(db, p.entityId)) reject('comment_exists', `comment ${p.entityId} already exists`);
  const w = await validateWrite(db, p);
  const m = p.metadata;
  const parent = m.id('parent_comment_id') ?? m.id('parent_id');
  if (parent !== undefined && parent > 0) {
    const pc = await comment(db, parent);
    if (!pc) reject('parent_comment_not_found', `parent comment ${parent} does not exist`);
    if (pc.entity_type !== w.entityType || pc.entity_id !== w.entityId)
      reject('parent_comment_mismatch', `parent comment ${parent} is on another entity`);
  }
  const row: Insertable<CommentsTable> = {
    comment_id: p.entityId,
    text: w.body,
    user_id: p.userId,
    entity_id: w.entityId,
    entity_type: w.entityType,
    track_timestamp_s: m.int4('track_timestamp_s') ?? null,
    is_members_only: m.boolOr('is_members_only', false),
    video_url: w.videoUrl ?? null,
    // A live comment has not been edited or deleted whatever the metadata says; a genesis replay is one
    // Create per comment, so it carries both flags (comment_is_edited_test.go, migration.go).
    is_edited: p.migration && m.bool('is_edited') === true,
    is_delete: p.migration && m.bool('is_delete') === true,
    created_at: p.blockTime,
    ...audit(p),
    blocknumber: p.blockNumber,
  };
  await db.insertInto('comments').values(row).execute();
  await upsertMentions(db, p, p.entityId, mentions(p) ?? []);
  if (parent !== undefined && parent > 0) {
    await db
      .insertInto('comment_threads')
      .values({ parent_comment_id: parent, comment_id: p.entityId })
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
};

const updateComment: Handler = async ({ db }, p) => {
  await validateSigner(db, p.userId, p.signer);
  const c = await comment(db, p.entityId);
  if (!c || c.is_delete) reject('comment_not_found', `comment ${p.entityId} is not active`);
  const w = await validateWrite(db, p);
  // A text-only edit keeps the video (dropped_fields_test.go); a new one replaces it.
  const edit: Updateable<CommentsTable> = { text: w.body, is_edited: true, ...audit(p) };
  if (w.videoUrl !== undefined) edit.video_url = w.videoUrl;
  await db.updateTable('comments').set(edit).where('comment_id', '=', p.entityId).execute();
  const ids = mentions(p);
  if (ids && ids.length > 0) {
    await db
      .updateTable('comment_mentions')
      .set({ is_delete: true, ...audit(p) })
      .where('comment_id', '=', p.entityId)
      .where('is_delete', '=', false)
      .execute();
    await upsertMentions(db, p, p.entityId, ids);
  }
};

const deleteComment: Handler = async ({ db }, p) => {
  await validateSigner(db, p.userId, p.signer);
  const c = await comment(db, p.entityId);
  if (!c || c.is_delete) reject('comment_not_found', `comment ${p.entityId} is not active`);
  if (c.user_id !== p.userId) {
    const track = await db
      .selectFrom('tracks')
      .select('owner_id')
      .where('track_id', '=', c.entity_id)
      .where('is_current', '=', true)
      .executeTakeFirst();
    if (track?.owner_id !== p.userId)
      reject('not_owner', `user ${p.userId} owns neither comment ${p.entityId} nor its track`);
  }
  await db
    .updateTable('comments')
    .set({ is_delete: true, ...audit(p) })
    .where('comment_id', '=', p.entityId)
    .execute();
};

const react =
  (on: boolean): Handler =>
  async ({ db }, p) => {
    await validateSigner(db, p.userId, p.signer);
    const existing = await db
      .selectFrom('comment_reactions')
      .select('is_delete')
      .where('comment_id', '=', p.entityId)
      .where('user_id', '=', p.userId)
      .executeTakeFirst();
    const active = existing !== undefined && !existing.is_delete;
    if (on) {
      const c = await comment(db, p.entityId);
      if (!c || c.is_delete) reject('comment_not_found', `comment ${p.entityId} is not active`);
      if (active) reject('already_reacted', `user ${p.userId} already reacted to comment ${p.entityId}`);
    } else if (!active) {
      reject('not_reacted', `user ${p.userId} has not reacted to comment ${p.entityId}`);
    }
    await db
      .insertInto('comment_reactions')
      .values({
        comment_id: p.entityId,
        user_id: p.userId,
        is_delete: !on,
        created_at: p.blockTime,
        ...audit(p),
      })
      .onConflict((oc) => oc.columns(['comment_id', 'user_id']).doUpdateSet({ is_delete: !on, ...audit(p) }))
      .execute();
  };

const pin =
  (on: boolean): Handler =>
  async ({ db }, p) => {
    await validateSigner(db, p.userId, p.signer);
    if (!(await comment(db, p.entityId))) reject('comment_not_found', `comment ${p.entityId} does not exist`);
    const trackId = p.metadata.id('entity_id');
    if (trackId === undefined)
      reject('comment_entity_required', 'metadata.entity_id (the track) is required');
    const track = await db
      .selectFrom('tracks')
      .select(['owner_id', 'pinned_comment_id'])
      .where('track_id', '=', trackId)
      .where('is_current', '=', true)
      .executeTakeFirst();
    if (!track || track.owner_id !== p.userId)
      reject('not_owner', `user ${p.userId} does not own track ${trackId}`);
    if (on && track.pinned_comment_id === p.entityId)
      reject('already_pinned', `comment ${p.entityId} is already pinned`);
    if (!on && track.pinned_comment_id !== p.entityId)
      reject('not_pinned', `comment ${p.entityId} is not the pinned comment`);
    await db
      .updateTable('tracks')
      .set({
        pinned_comment_id: on ? p.entityId : null,
        updated_at: p.blockTime,
        txhash: p.txHash,
        blocknumber: p.blockNumber,
      })
      .where('track_id', '=', trackId)
      .where('is_current', '=', true)
      .execute();
  };

const report: Handler = async ({ db }, p) => {
  await validateSigner(db, p.userId, p.signer);
  const prior = await db
    .selectFrom('comment_reports')
    .select('comment_id')
    .where('comment_id', '=', p.entityId)
    .where('user_id', '=', p.userId)
    .executeTakeFirst();
  if (prior) reject('already_reported', `user ${p.userId} already reported comment ${p.entityId}`);
  await db
    .insertInto('comment_reports')
    .values({
      comment_id: p.entityId,
      user_id: p.userId,
      is_delete: false,
      created_at: p.blockTime,
      ...audit(p),
    })
    .execute();
};

/** Comment/Mute, Comment/Unmute: no checks in the version read. */
const mute =
  (muted: boolean): Handler =>
  async ({ db }, p) => {
    await db
      .insertInto('comment_notification_settings')
      .values({
        user_id: p.userId,
        entity_id: p.entityId,
        entity_type: 'Comment',
        is_muted: muted,
        created_at: p.blockTime,
        updated_at: p.blockTime,
      })
      .onConflict((oc) =>
        oc
          .columns(['user_id', 'entity_id', 'entity_type'])
          .doUpdateSet({ is_muted: muted, updated_at: p.blockTime }),
      )
      .execute();
  };

type Table = keyof Database & string;
const reg = (action: string, writes: readonly Table[], handle: Handler): HandlerRegistration => ({
  entityType: 'Comment',
  action,
  gate: 'Comment',
  writes,
  handle,
});

export const commentHandlers: readonly HandlerRegistration[] = [
  // Genesis migration: Create carries is_edited and is_delete from metadata (one Create per comment).
  reg('Create', ['comments', 'comment_mentions', 'comment_threads'], createComment),
  reg('Update', ['comments', 'comment_mentions'], updateComment),
  reg('Delete', ['comments'], deleteComment),
  reg('React', ['comment_reactions'], react(true)),
  reg('Unreact', ['comment_reactions'], react(false)),
  // Pin/Unpin write the track row's pinned_comment_id.
  reg('Pin', ['tracks'], pin(true)),
  reg('Unpin', ['tracks'], pin(false)),
  reg('Report', ['comment_reports'], report),
  // Exception: no authorize step and no checks (the reference's version has none); a notification setting only.
  reg('Mute', ['comment_notification_settings'], mute(true)),
  reg('Unmute', ['comment_notification_settings'], mute(false)),
];
