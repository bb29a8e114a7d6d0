// handle_track (0018) against production's own function, on the paths the simulated chains of the
// oracle never take: a playlist upload (no 'create' to subscribers), updates that move no counter, a
// track published later, an owner change, a remix, a delete. The same statements run on a database with
// our triggers and on one with production's (sim/oracle.ts installs them from the reference dump); the
// notifications and the three aggregate tables must be equal. Also: the comparison catches a handle_track
// that ignores is_playlist_upload, and an update that moves nothing re-creates a missing aggregate_user
// row with 0010's values.
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  aggregateColumns,
  describe as describeDifference,
  diffSnapshots,
  installProductionTriggers,
  snapshot,
} from '../../sim/oracle.js';
import type { Database } from '../../src/db/schema.js';
import { createTestDb, type TestDb, testBackend } from '../support/db.js';

const T = (s: number) => `timestamp '2025-01-01' + interval '${s} s'`;

function track(
  id: number,
  owner: number,
  extra: { unlisted?: boolean; upload?: boolean; remixOf?: number } = {},
) {
  const remix =
    extra.remixOf === undefined ? 'NULL' : `'{"tracks": [{"parent_track_id": ${extra.remixOf}}]}'::jsonb`;
  return `INSERT INTO tracks (track_id, is_current, owner_id, title, is_unlisted, is_playlist_upload, remix_of,
                              created_at, updated_at, blocknumber, txhash)
          VALUES (${id}, true, ${owner}, 't${id}', ${extra.unlisted ?? false}, ${extra.upload ?? false}, ${remix},
                  ${T(id)}, ${T(id)}, ${id}, 'tx${id}')`;
}

/** The script, as data: each statement runs on both databases in order. */
const SCRIPT: readonly string[] = [
  // User 2 and 4 subscribe to user 1.
  ...[2, 4].map(
    (
      s,
    ) => `INSERT INTO subscriptions (subscriber_id, user_id, is_current, is_delete, created_at, blocknumber, txhash)
            VALUES (${s}, 1, true, false, ${T(1)}, 1, 'sub${s}')`,
  ),
  track(10, 1), // public: 'create' to 2 and 4
  track(11, 1, { upload: true }), // a playlist upload: counted, no 'create'
  track(12, 1, { unlisted: true }), // unlisted: total only, no 'create'
  `UPDATE tracks SET playlists_containing_track = ARRAY[7], updated_at = ${T(20)} WHERE track_id IN (10, 11, 12)`,
  `UPDATE tracks SET title = 'renamed', updated_at = ${T(21)} WHERE track_id = 10`,
  `UPDATE tracks SET is_unlisted = false, updated_at = ${T(22)} WHERE track_id = 12`, // published: 'create'
  track(13, 3, { remixOf: 10 }), // a remix of user 1's track: 'remix' to 1
  track(14, 3, { remixOf: 12, upload: true }), // a remix uploaded with a playlist: 'remix', no 'create'
  `UPDATE tracks SET owner_id = 3, updated_at = ${T(30)} WHERE track_id = 11`, // moves both counts to 3
  `UPDATE tracks SET is_delete = true, updated_at = ${T(31)} WHERE track_id = 10`,
  `UPDATE tracks SET is_delete = true, updated_at = ${T(32)} WHERE track_id = 10`, // again: nothing moves
];

async function runScript(db: Kysely<Database>, script: readonly string[]) {
  for (const s of script) await sql.raw(s).execute(db);
}

describe.runIf(testBackend() === 'postgres')("handle_track against production's own", () => {
  let ours: TestDb;
  let prod: TestDb;
  beforeAll(async () => {
    ours = await createTestDb();
    prod = await createTestDb();
    await installProductionTriggers(prod.db);
  }, 120_000);
  afterAll(async () => {
    await ours?.close();
    await prod?.close();
  });

  it('the same notifications and aggregates on the paths the simulator does not take', async () => {
    await runScript(ours.db, SCRIPT);
    await runScript(prod.db, SCRIPT);
    const columns = await aggregateColumns(ours.db);
    const a = await snapshot(ours.db, columns);
    const b = await snapshot(prod.db, columns);
    expect(diffSnapshots(a, b).map(describeDifference)).toEqual([]);
    // The script reached what it names: creates for 10 and 12 only, remixes of 10 and 12, and counts moved.
    const types = a.notification.map((n) => `${n.type}:${n.group_id}:${n.specifier}`).sort();
    expect(types).toEqual([
      'create:create:track:user_id:1:10',
      'create:create:track:user_id:1:12',
      'remix:remix:track:13:parent_track:10:3',
      'remix:remix:track:14:parent_track:12:3',
    ]);
    const u = await sql<{ user_id: number; track_count: number; total_track_count: number }>`
      SELECT user_id, track_count, total_track_count FROM aggregate_user ORDER BY user_id`.execute(ours.db);
    expect(u.rows).toEqual([
      { user_id: 1, track_count: 1, total_track_count: 1 },
      { user_id: 3, track_count: 3, total_track_count: 3 },
    ]);
  });

  it('catches a handle_track that ignores is_playlist_upload', async () => {
    const broken = await createTestDb();
    try {
      const src = await sql<{
        src: string;
      }>`SELECT prosrc AS src FROM pg_proc WHERE proname = 'handle_track'`.execute(broken.db);
      const body = src.rows[0]!.src;
      expect(body).toContain('IF NOT NEW.is_playlist_upload THEN');
      await sql
        .raw(
          `CREATE OR REPLACE FUNCTION handle_track() RETURNS trigger LANGUAGE plpgsql AS $fn$${body.replace(
            'IF NOT NEW.is_playlist_upload THEN',
            'IF true THEN',
          )}$fn$`,
        )
        .execute(broken.db);
      await runScript(broken.db, SCRIPT);
      const columns = await aggregateColumns(broken.db);
      const diff = diffSnapshots(await snapshot(broken.db, columns), await snapshot(prod.db, columns));
      // Track 11, user 1's playlist upload, now announced to user 1's subscribers.
      const extra = diff.filter((d) => 'row' in d && d.side === 'ours').map((d) => ('row' in d ? d.row : {}));
      expect(extra).toMatchObject([{ type: 'create', group_id: 'create:track:user_id:1', specifier: '11' }]);
    } finally {
      await broken.close();
    }
  });

  it('an update that moves no counter makes a missing aggregate_user row exist, with the values 0010 gave', async () => {
    await sql`DELETE FROM aggregate_user WHERE user_id = 3`.execute(ours.db);
    await sql
      .raw(`UPDATE tracks SET title = 'again', updated_at = ${T(40)} WHERE track_id = 13`)
      .execute(ours.db);
    const u = await sql<{ track_count: number; total_track_count: number }>`
      SELECT track_count, total_track_count FROM aggregate_user WHERE user_id = 3`.execute(ours.db);
    expect(u.rows).toEqual([{ track_count: 1, total_track_count: 1 }]);
  });
});
