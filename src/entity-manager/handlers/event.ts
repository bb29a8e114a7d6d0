// Event handlers (docs/spec.md#handlers-tip-emails-event-playcount): remix contests and other events.
import { type Insertable, sql } from 'kysely';
import type { EventsTable } from '../../db/tables/apps-comments-events.js';
import { validateSigner } from '../authorize.js';
import { isObject } from '../metadata.js';
import type { Handler, HandlerRegistration } from '../types.js';
import { reject } from '../validation-error.js';
import { jsonbText } from './common/jsonb.js';

const EVENT_TYPES: ReadonlySet<string> = new Set(['remix_contest', 'live_event', 'new_release']);
const EVENT_ENTITY_TYPES: ReadonlySet<string> = new Set(['track', 'collection', 'user']);

const DATE_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/;

/** RFC 3339 or a zone-less `YYYY-MM-DDTHH:MM:SS` (read as UTC); undefined when it does not parse. */
function parseEndDate(s: string): number | undefined {
  if (!DATE_RE.test(s)) return undefined;
  const ms = Date.parse(/[Z+-]\d{0,2}:?\d{0,2}$/.test(s.slice(19)) ? s : `${s}Z`);
  if (Number.isNaN(ms)) return undefined;
  // PostgreSQL's timestamp has no year 0, and toISOString writes years past 9999 with a sign it refuses:
  // a genesis replay (which skips the "in the past" rule) must not turn either into a failed tx.
  const year = new Date(ms).getUTCFullYear();
  return year >= 1 && year <= 9999 ? ms : undefined;
}

const createEvent: Handler = async ({ db }, p) => {
  await validateSigner(db, p.userId, p.signer);
  if (await db.selectFrom('events').select('event_id').where('event_id', '=', p.entityId).executeTakeFirst())
    reject('event_exists', `event ${p.entityId} already exists`);
  const m = p.metadata;
  const type = m.str('event_type');
  if (type === '') reject('event_type_required', 'event_type is required');
  // Both columns are PostgreSQL enums (0009): any other label would fail the insert.
  if (!EVENT_TYPES.has(type))
    reject('event_type_invalid', `event_type ${JSON.stringify(type.slice(0, 40))} is unknown`);
  const endStr = m.str('end_date');
  const end = parseEndDate(endStr);
  if (end === undefined) reject('end_date_invalid', 'end_date is required (RFC 3339 or YYYY-MM-DDTHH:MM:SS)');
  const entityType = m.str('entity_type');
  if (entityType !== '' && !EVENT_ENTITY_TYPES.has(entityType))
    reject('event_entity_type_invalid', `entity_type ${JSON.stringify(entityType.slice(0, 40))} is unknown`);
  const entityId = m.id('entity_id');
  let hostRemixOf: unknown;
  if (entityType === 'track' && entityId !== undefined) {
    const t = await db
      .selectFrom('tracks')
      .select(['owner_id', 'remix_of'])
      .where('track_id', '=', entityId)
      .where('is_current', '=', true)
      .executeTakeFirst();
    if (!t || t.owner_id !== p.userId) reject('not_owner', `user ${p.userId} does not own track ${entityId}`);
    hostRemixOf = t.remix_of;
  }
  if (type === 'remix_contest') {
    if (entityId === undefined || entityType === '')
      reject('event_entity_required', 'a remix_contest needs entity_type and entity_id');
    if (!p.migration && end < Date.parse(p.blockTime))
      reject('end_date_past', 'end_date is before the block time');
    const open = await db
      .selectFrom('events')
      .select('event_id')
      .where('event_type', '=', 'remix_contest')
      .where('entity_id', '=', entityId)
      .where('is_deleted', '=', false)
      .where('end_date', '>', sql<Date>`${p.blockTime}::timestamptz AT TIME ZONE 'UTC'`)
      .executeTakeFirst();
    if (open && !p.migration)
      reject('contest_exists', `track ${entityId} already hosts an open remix contest`);
    const parents =
      isObject(hostRemixOf) && Array.isArray(hostRemixOf.tracks) ? hostRemixOf.tracks.length : 0;
    if (parents > 0) reject('remix_cannot_host_contest', 'a remix cannot host a remix contest');
  } else if (!p.migration && end < Date.parse(p.blockTime)) {
    reject('end_date_past', 'end_date is before the block time');
  }
  const row: Insertable<EventsTable> = {
    event_id: p.entityId,
    event_type: type,
    user_id: p.userId,
    entity_type: entityType || null,
    entity_id: entityId ?? null,
    end_date: new Date(end).toISOString(),
    event_data: m.has('event_data') ? (jsonbText(m.json('event_data')) ?? 'null') : null,
    is_deleted: false,
    created_at: p.blockTime,
    updated_at: p.blockTime,
    txhash: p.txHash,
    blockhash: p.blockHash,
    blocknumber: p.blockNumber,
  };
  await db.insertInto('events').values(row).execute();
};

const updateEvent: Handler = async ({ db }, p) => {
  await validateSigner(db, p.userId, p.signer);
  const e = await db.selectFrom('events').selectAll().where('event_id', '=', p.entityId).executeTakeFirst();
  if (!e || e.is_deleted) reject('event_not_found', `event ${p.entityId} does not exist`);
  if (e.user_id !== p.userId) reject('not_owner', `user ${p.userId} does not own event ${p.entityId}`);
  const m = p.metadata;
  let end: number | undefined;
  if (m.str('end_date') !== '') {
    end = parseEndDate(m.str('end_date'));
    if (end === undefined) reject('end_date_invalid', 'end_date does not parse');
    const floor =
      e.event_type === 'remix_contest' && e.end_date ? e.end_date.getTime() : Date.parse(p.blockTime);
    if (end < floor) reject('end_date_past', 'end_date moves earlier than allowed');
  }
  await db
    .updateTable('events')
    .set({
      ...(end !== undefined ? { end_date: new Date(end).toISOString() } : {}),
      ...(m.has('event_data') ? { event_data: jsonbText(m.json('event_data')) ?? 'null' } : {}),
      updated_at: p.blockTime,
      txhash: p.txHash,
      blocknumber: p.blockNumber,
    })
    .where('event_id', '=', p.entityId)
    .execute();
};

const deleteEvent: Handler = async ({ db }, p) => {
  await validateSigner(db, p.userId, p.signer);
  const e = await db
    .selectFrom('events')
    .select(['user_id', 'is_deleted'])
    .where('event_id', '=', p.entityId)
    .executeTakeFirst();
  if (!e || e.is_deleted) reject('event_not_found', `event ${p.entityId} does not exist`);
  if (e.user_id !== p.userId) reject('not_owner', `user ${p.userId} does not own event ${p.entityId}`);
  await db
    .updateTable('events')
    .set({ is_deleted: true, updated_at: p.blockTime, txhash: p.txHash, blocknumber: p.blockNumber })
    .where('event_id', '=', p.entityId)
    .execute();
};

export const eventHandlers: readonly HandlerRegistration[] = [
  // Genesis migration: the "now" rules (end_date in the past, an open contest on the track) are skipped.
  { entityType: 'Event', action: 'Create', gate: 'Event', writes: ['events'], handle: createEvent },
  { entityType: 'Event', action: 'Update', gate: 'Event', writes: ['events'], handle: updateEvent },
  { entityType: 'Event', action: 'Delete', gate: 'Event', writes: ['events'], handle: deleteEvent },
];
