// Notification/Create (announcements), Notification/View, Notification/ViewPlaylist (notification_test.go).
import { type ParityCase, parityCases } from './support.js';
import { P, playlist, tx, U, user } from './support-accounts.js';

const cases: ParityCase[] = [
  {
    name: 'an announcement is stored with the raw metadata',
    from: 'go:notification_test.go TestNotificationCreate_Success',
    setup: [user(1)],
    block: tx(1, 'Notification', 0, 'Create', '{"title":"Test Announcement","body":"Hello world"}'),
    outcomes: ['applied'],
    queries: [
      {
        query:
          "SELECT type, data->>'title' AS title, group_id LIKE 'announcement:blocknumber:%' AS grouped FROM notification WHERE type = 'announcement'",
        rows: [{ type: 'announcement', title: 'Test Announcement', grouped: true }],
      },
    ],
  },
  {
    name: 'an announcement with a lone UTF-16 surrogate is stored (as U+FFFD), not a failed tx',
    from: 'go:notification.go (raw metadata into jsonb: PostgreSQL refuses the escape, a hard error there)',
    setup: [user(1)],
    block: tx(1, 'Notification', 0, 'Create', '{"title":"\\ud800x"}'),
    outcomes: ['applied'],
    queries: [
      {
        query: "SELECT data->>'title' AS title FROM notification WHERE type = 'announcement'",
        rows: [{ title: '\ufffdx' }],
      },
    ],
    difference: 'announcement with a lone surrogate (docs/parity-accounts.md)',
  },
  {
    name: 'an announcement without metadata is rejected',
    from: 'go:notification_test.go TestNotificationCreate_RejectsEmptyMetadata',
    setup: [user(1)],
    block: tx(1, 'Notification', 0, 'Create', ''),
    outcomes: ['metadata_required'],
  },
  {
    name: 'an announcement whose metadata is not JSON is rejected',
    from: 'go:notification_test.go TestNotificationCreate_RejectsInvalidJSON',
    setup: [user(1)],
    block: tx(1, 'Notification', 0, 'Create', 'not json'),
    outcomes: ['metadata_required'],
  },
  {
    name: 'View records when the user saw its notifications',
    from: 'go:notification_test.go TestNotificationView_Success',
    setup: [user(1)],
    block: tx(1, 'Notification', 0, 'View', {}),
    outcomes: ['applied'],
    rows: [{ table: 'notification_seen', where: { user_id: U(1) }, count: 1 }],
  },
  {
    name: 'View by an unknown user is rejected',
    from: 'go:notification_test.go TestNotificationView_RejectsNonexistentUser',
    block: tx(999, 'Notification', 0, 'View', {}),
    outcomes: ['user_not_found'],
  },
  {
    name: 'ViewPlaylist records the playlist as seen',
    from: 'go:notification_test.go TestPlaylistSeenView_Success',
    setup: [user(1), playlist(1, 90)],
    block: tx(1, 'Notification', P(90), 'ViewPlaylist', {}),
    outcomes: ['applied'],
    rows: [
      { table: 'playlist_seen', where: { user_id: U(1), playlist_id: P(90) }, equals: { is_current: true } },
    ],
  },
  {
    name: 'ViewPlaylist of an unknown playlist is rejected',
    from: 'go:notification_test.go TestPlaylistSeenView_RejectsNonexistentPlaylist',
    setup: [user(1)],
    block: tx(1, 'Notification', P(999), 'ViewPlaylist', {}),
    outcomes: ['playlist_not_found'],
  },
  {
    name: 'the PlaylistSeen/View spelling reaches the same handler',
    from: 'go:handler.go EntityTypePlaylistSeen',
    setup: [user(1), playlist(1, 90)],
    block: tx(1, 'PlaylistSeen', P(90), 'View', {}),
    outcomes: ['applied'],
    rows: [{ table: 'playlist_seen', where: { user_id: U(1), playlist_id: P(90) }, count: 1 }],
  },
];

parityCases('notification', cases);
