// The plays path's speed decisions (issues 17 and 19, docs/pipeline-decisions.md "Plays speed"), each
// checked on real rows: the bridge is two statements and runs without JIT; the one-statement on_play (0013,
// trimmed in 0014) writes exactly what 0007's four statements wrote; the index 0013 drops had no reader the
// others cannot serve.
import { readFileSync } from 'node:fs';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/schema.js';
import { bridgePlays, classifyPlay } from '../../src/indexer/plays-bridge.js';
import { createTestDb, type TestDb } from '../support/db.js';
import { StatementFault } from '../support/statement-fault.js';

const HOUR = 3_600_000;
const BASE = Date.UTC(2025, 0, 31, 22);

interface P {
  readonly user: number | null;
  readonly track: number;
  readonly at: number;
}

/**
 * Statements of plays shaped to reach every branch of the fan-out: new and known listeners, anonymous ones,
 * a pair played twice in one statement, a pair played again in a later statement, hours in and out of
 * order, a month and a country boundary, and milestones crossed mid-statement.
 */
function batches(): P[][] {
  const out: P[][] = [];
  for (let b = 0; b < 6; b++) {
    const ps: P[] = [];
    for (let i = 0; i < 23; i++) {
      const k = b * 23 + i;
      ps.push({
        user: k % 7 === 0 ? null : 1 + ((k * 5) % (3 + b)),
        track: k % 3 === 0 ? 100 : 101 + (k % 4),
        at: BASE + ((k * 37) % 11) * HOUR - (b % 2) * 5 * HOUR + i * 1000,
      });
    }
    out.push(ps);
  }
  // One statement taking a new track past three thresholds (10, 25, 50) and an old one past its next, with
  // anonymous plays and a listener's repeats interleaved.
  const burst: P[] = [];
  for (let i = 0; i < 64; i++) {
    burst.push({
      user: i % 5 === 0 ? null : 2 + (i % 3),
      track: i % 8 === 7 ? 100 : 300,
      at: BASE + 30 * HOUR + i * 1000,
    });
  }
  out.push(burst);
  return out;
}

async function insertPlays(db: Kysely<Database>, ps: readonly P[], slot: number): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`SELECT set_config('metronome.plays_bridge', 'on', true)`.execute(trx);
    await sql`
      INSERT INTO plays (user_id, source, play_item_id, created_at, updated_at, slot, signature, country)
      SELECT u, 'relay', t, a AT TIME ZONE 'UTC', a AT TIME ZONE 'UTC', ${slot}, 's' || o, CASE WHEN o % 4 = 0 THEN 'DE' END
      FROM unnest(${ps.map((p) => p.user)}::int[], ${ps.map((p) => p.track)}::int[],
                  ${ps.map((p) => new Date(p.at).toISOString())}::timestamptz[]) WITH ORDINALITY AS x(u, t, a, o)
      ORDER BY o`.execute(trx);
  });
}

/** Everything on_play writes, serial ids left out. */
async function fanOut(db: Kysely<Database>) {
  const q = async (text: string) => (await sql.raw<Record<string, unknown>>(text).execute(db)).rows;
  return {
    aggregate_plays: await q('SELECT play_item_id, count FROM aggregate_plays ORDER BY 1'),
    aggregate_monthly_plays: await q(
      'SELECT play_item_id, "timestamp"::text, country, count FROM aggregate_monthly_plays ORDER BY 1, 2, 3',
    ),
    milestones: await q(
      'SELECT id, name, threshold, slot, "timestamp"::text FROM milestones ORDER BY 1, 2, 3',
    ),
    notification: await q(`SELECT specifier, group_id, type, slot, "timestamp"::text, data, user_ids
                           FROM notification ORDER BY group_id, specifier`),
    hours: await q(
      'SELECT user_id, hours_with_play, updated_at::text FROM user_distinct_play_hours ORDER BY 1',
    ),
    tracks: await q(
      'SELECT user_id, track_count, updated_at::text FROM user_distinct_play_tracks ORDER BY 1',
    ),
  };
}

describe('plays speed', () => {
  let ours: TestDb;
  let before: TestDb;
  beforeAll(async () => {
    ours = await createTestDb();
    // The same schema with 0007's four-statement on_play put back: the reference for the current one (0014).
    before = await createTestDb();
    await sql.raw(readFileSync('migrations/0007_on_play_probes.sql', 'utf8')).execute(before.db);
    for (const t of [ours, before]) {
      await sql`INSERT INTO tracks (track_id, is_current, owner_id, created_at, updated_at, txhash)
                VALUES (100, true, 9, now(), now(), 'seed'), (101, true, 10, now(), now(), 'seed'),
                       (300, true, 11, now(), now(), 'seed')`.execute(t.db);
    }
  });
  afterAll(async () => {
    await ours?.close();
    await before?.close();
  });

  it("the current one-statement on_play (0014) writes exactly what 0007's four statements wrote", async () => {
    const bs = batches();
    for (const [i, ps] of bs.entries()) {
      await insertPlays(ours.db, ps, i + 1);
      await insertPlays(before.db, ps, i + 1);
    }
    const got = await fanOut(ours.db);
    expect(got).toEqual(await fanOut(before.db));
    // The batches reach what they are meant to: milestones crossed, both counters bumped and held.
    expect(got.milestones.map((m) => m.threshold)).toEqual([10, 25, 50, 10, 10, 10, 10, 10, 25, 50]);
    // Track 300 crosses three thresholds in the last statement, each at its own play.
    const t300 = got.milestones.filter((m) => m.id === 300);
    expect(t300.map((m) => [m.threshold, m.slot])).toEqual([
      [10, 7],
      [25, 7],
      [50, 7],
    ]);
    expect(new Set(t300.map((m) => m.timestamp)).size).toBe(3);
    expect(got.notification).toHaveLength(7); // tracks 100, 101 and 300 have owners
    expect(got.hours.length).toBeGreaterThan(4);
    expect(got.tracks.some((r) => Number(r.track_count) > 1)).toBe(true);
  });

  it('keeps no index on plays but the primary key and production’s five', async () => {
    const r = await sql<{ indexname: string }>`
      SELECT indexname FROM pg_indexes WHERE tablename = 'plays' ORDER BY 1`.execute(ours.db);
    expect(r.rows.map((x) => x.indexname)).toEqual([
      'ix_plays_created_at',
      'ix_plays_slot',
      'ix_plays_sol_signature',
      'ix_plays_user_hour',
      'ix_plays_user_track_date',
      'plays_pkey',
    ]);
  });

  it("plan guard: on_play's same-user-and-track probe is an index scan of ix_plays_user_track_date", async () => {
    await sql`
      INSERT INTO plays (user_id, source, play_item_id, created_at, updated_at, slot)
      SELECT g % 500, 'relay', 1000 + g % 300, timestamp '2025-01-01' + g * interval '1 s', timestamp '2025-01-01', 9
      FROM generate_series(1, 20000) g`.execute(ours.db);
    await sql`ANALYZE plays`.execute(ours.db);
    const plan = await sql<{ 'QUERY PLAN': unknown }>`
      EXPLAIN (FORMAT JSON) SELECT 1 FROM plays o WHERE o.user_id = 7 AND o.play_item_id = 1007 AND o.id <> 7`.execute(
      ours.db,
    );
    const text = JSON.stringify(plan.rows);
    expect(text).toContain('"Index Name":"ix_plays_user_track_date"');
    expect(text).not.toContain('Seq Scan');
  });

  it('the bridge is two statements (lock, insert) and turns JIT off for the rest of its transaction', async () => {
    const plays = Array.from({ length: 40 }, (_, i) =>
      classifyPlay(
        {
          userId: String(i % 3),
          trackId: '101',
          timestamp: '2025-02-01T00:00:00Z',
          signature: `0xs${i % 5}`,
          city: '',
          region: '',
          country: '',
        },
        '0xtx',
        0,
        i,
      ),
    );
    const probe = new StatementFault(undefined);
    const jit = await ours.db.transaction().execute(async (trx) => {
      await sql`SET LOCAL jit = on`.execute(trx);
      const res = await bridgePlays(trx.withPlugin(probe), {
        blockHeight: 77,
        blockTime: '2025-02-01T00:00:01Z',
        blockHash: '0xb',
        plays,
      });
      expect(res.inserted).toBe(40);
      return (await sql<{ jit: string }>`SELECT current_setting('jit') AS jit`.execute(trx)).rows[0]!.jit;
    });
    expect(probe.count).toBe(2);
    expect(jit).toBe('off');
  });
});
