// Event Create/Update/Delete (event_test.go; the genesis path from migration.go).
import { type ParityCase, parityCases } from './support.js';
import { FUTURE, migrated, PAST, T, track, tx, U, user } from './support-accounts.js';

const contest = (n: number, id: number, t: number, extra: Record<string, unknown> = {}) =>
  tx(n, 'Event', id, 'Create', {
    event_type: 'remix_contest',
    entity_type: 'track',
    entity_id: T(t),
    end_date: FUTURE,
    event_data: {},
    ...extra,
  });

const cases: ParityCase[] = [
  {
    name: 'a remix contest on an owned track is created',
    from: 'go:event_test.go TestEventCreate_Success',
    setup: [user(1), track(1, 1)],
    block: contest(1, 1, 1),
    outcomes: ['applied'],
    rows: [
      {
        table: 'events',
        where: { event_id: 1 },
        equals: {
          event_type: 'remix_contest',
          user_id: U(1),
          entity_id: T(1),
          is_deleted: false,
          end_date: '2030-01-01T00:00:00.000Z',
        },
      },
    ],
  },
  {
    name: 'a lone UTF-16 surrogate in event_data is stored as U+FFFD, not a failed tx',
    from: 'go:event_create.go MetadataJSON("event_data") (encoding/json decodes a lone surrogate as U+FFFD)',
    setup: [user(1)],
    block: tx(
      1,
      'Event',
      9,
      'Create',
      `{"event_type":"live_event","end_date":"${FUTURE}","event_data":{"\\udc00k":"\\ud800"}}`,
    ),
    outcomes: ['applied'],
    rows: [{ table: 'events', where: { event_id: 9 }, equals: { event_data: { '\ufffdk': '\ufffd' } } }],
  },
  {
    name: 'an existing event id is rejected',
    from: 'go:event_test.go TestEventCreate_RejectsDuplicate',
    setup: [user(1), track(1, 1), contest(1, 1, 1)],
    block: contest(1, 1, 1, { end_date: '2031-01-01T00:00:00Z' }),
    outcomes: ['event_exists'],
  },
  {
    name: 'an event without event_type is rejected',
    from: 'go:event_test.go TestEventCreate_RejectsMissingEventType',
    setup: [user(1)],
    block: tx(1, 'Event', 100, 'Create', { end_date: FUTURE }),
    outcomes: ['event_type_required'],
  },
  {
    name: 'an event without end_date is rejected',
    from: 'go:event_test.go TestEventCreate_RejectsMissingEndDate',
    setup: [user(1)],
    block: tx(1, 'Event', 101, 'Create', { event_type: 'remix_contest' }),
    outcomes: ['end_date_invalid'],
  },
  {
    name: 'an event_type outside the enum is a reasoned rejection, not a failed tx',
    from: 'go:event_create.go (event_type is the production event_type enum)',
    setup: [user(1)],
    block: tx(1, 'Event', 104, 'Create', { event_type: 'party', end_date: FUTURE }),
    outcomes: ['event_type_invalid'],
  },
  {
    name: 'an entity_type outside the enum is a reasoned rejection',
    from: 'go:event_create.go (entity_type is the production event_entity_type enum)',
    setup: [user(1)],
    block: tx(1, 'Event', 105, 'Create', {
      event_type: 'live_event',
      entity_type: 'planet',
      entity_id: 1,
      end_date: FUTURE,
    }),
    outcomes: ['event_entity_type_invalid'],
  },
  {
    name: 'a live event without an entity is created',
    from: 'go:event_create.go (only remix contests need an entity)',
    setup: [user(1)],
    block: tx(1, 'Event', 106, 'Create', { event_type: 'live_event', end_date: FUTURE }),
    outcomes: ['applied'],
    rows: [
      { table: 'events', where: { event_id: 106 }, equals: { event_type: 'live_event', entity_type: null } },
    ],
  },
  {
    name: 'an end_date in the past is rejected',
    from: 'go:event_test.go TestEventCreate_RejectsPastEndDate',
    setup: [user(1), track(1, 1)],
    block: contest(1, 102, 1, { end_date: PAST }),
    outcomes: ['end_date_past'],
  },
  {
    name: 'a remix cannot host a remix contest',
    from: 'go:event_test.go TestEventCreate_RejectsRemixOfRemix',
    setup: [user(1), track(1, 1), track(1, 2, { remix_of: { tracks: [{ parent_track_id: T(1) }] } })],
    block: contest(1, 103, 2),
    outcomes: ['remix_cannot_host_contest'],
  },
  {
    name: 'a second open contest on the same track is rejected',
    from: 'go:event_create.go (one running contest per entity)',
    setup: [user(1), track(1, 1), contest(1, 1, 1)],
    block: contest(1, 2, 1),
    outcomes: ['contest_exists'],
  },
  {
    name: 'a contest on another user’s track is rejected',
    from: 'go:event_create.go validateEventCreateShape (track owned by the user)',
    setup: [[user(1), user(2)], track(2, 1)],
    block: contest(1, 1, 1),
    outcomes: ['not_owner'],
  },
  {
    name: 'a contest entity_id past int4 is a reasoned rejection',
    from: 'go:event_create.go MetadataInt64("entity_id") (issue 18: ids inside metadata past int4)',
    setup: [user(1)],
    block: tx(1, 'Event', 1, 'Create', {
      event_type: 'remix_contest',
      entity_type: 'track',
      entity_id: 2 ** 31,
      end_date: FUTURE,
    }),
    outcomes: ['metadata_id_invalid'],
  },
  {
    name: 'the owner moves the end date later',
    from: 'go:event_test.go TestEventUpdate_Success',
    setup: [user(1), track(1, 1), contest(1, 2, 1)],
    block: tx(1, 'Event', 2, 'Update', { end_date: '2031-01-01T00:00:00Z' }),
    outcomes: ['applied'],
    rows: [{ table: 'events', where: { event_id: 2 }, equals: { end_date: '2031-01-01T00:00:00.000Z' } }],
  },
  {
    name: 'an update by another user is rejected',
    from: 'go:event_test.go TestEventUpdate_RejectsNonOwner',
    setup: [[user(1), user(2)], track(1, 1), contest(1, 3, 1)],
    block: tx(2, 'Event', 3, 'Update', {}),
    outcomes: ['not_owner'],
  },
  {
    name: 'an update of an unknown event is rejected',
    from: 'go:event_test.go TestEventUpdate_RejectsNonexistent',
    setup: [user(1)],
    block: tx(1, 'Event', 999, 'Update', {}),
    outcomes: ['event_not_found'],
  },
  {
    name: 'a contest end date cannot move earlier',
    from: 'go:event_update.go (remix contest end_date only extends)',
    setup: [user(1), track(1, 1), contest(1, 2, 1)],
    block: tx(1, 'Event', 2, 'Update', { end_date: '2029-01-01T00:00:00Z' }),
    outcomes: ['end_date_past'],
  },
  {
    name: 'the owner deletes the event',
    from: 'go:event_test.go TestEventDelete_Success',
    setup: [user(1), track(1, 1), contest(1, 4, 1)],
    block: tx(1, 'Event', 4, 'Delete', {}),
    outcomes: ['applied'],
    rows: [{ table: 'events', where: { event_id: 4 }, equals: { is_deleted: true } }],
  },
  {
    name: 'a delete by another user is rejected',
    from: 'go:event_test.go TestEventDelete_RejectsNonOwner',
    setup: [[user(1), user(2)], track(1, 1), contest(1, 5, 1)],
    block: tx(2, 'Event', 5, 'Delete', {}),
    outcomes: ['not_owner'],
  },
  {
    name: 'a migrated contest that has already ended is replayed',
    from: 'go:migration.go migratedEventCreate (no "now" rules)',
    setup: [user(1), track(1, 1)],
    block: migrated(contest(1, 6, 1, { end_date: PAST })),
    outcomes: ['applied'],
    rows: [{ table: 'events', where: { event_id: 6 }, equals: { end_date: '2024-01-01T00:00:00.000Z' } }],
  },
  {
    name: 'a migrated end_date in year 0 is a reasoned rejection, not a failed tx',
    from: 'go:migration.go migratedEventCreate (no "now" rules; PostgreSQL has no year 0)',
    setup: [user(1)],
    block: migrated(
      tx(1, 'Event', 10, 'Create', { event_type: 'live_event', end_date: '0000-06-01T00:00:00Z' }),
    ),
    outcomes: ['end_date_invalid'],
  },
  {
    name: 'an end_date that lands past year 9999 in UTC is rejected',
    from: 'go:event_create.go (end_date is not a valid iso format)',
    setup: [user(1)],
    block: tx(1, 'Event', 11, 'Create', { event_type: 'live_event', end_date: '9999-12-31T23:00:00-05:00' }),
    outcomes: ['end_date_invalid'],
  },
  {
    name: 'two migrated contests on one track both land',
    from: 'go:migration.go migratedEventCreate (track 1174134089 holds two contests)',
    setup: [user(1), track(1, 1), migrated(contest(1, 7, 1))],
    block: migrated(contest(1, 8, 1)),
    outcomes: ['applied'],
    rows: [{ table: 'events', where: { entity_id: T(1) }, count: 2 }],
  },
];

parityCases('event', cases);
