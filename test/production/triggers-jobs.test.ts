// One trigger per job (issue 16): after migrating, each table we write carries production's trigger
// names, each running one function, and nothing older doing the same job. On a database that already has
// production's triggers (a production clone), migrating replaces them instead of adding ours beside them.
import { execFileSync } from 'node:child_process';
import { type Kysely, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPgBin } from '../../sim/ephemeral-postgres.js';
import {
  installProductionTriggers,
  ORACLE_TABLES,
  PRODUCTION_DUMP,
  productionTriggerSet,
} from '../../sim/oracle.js';
import { migrate, readMigrations } from '../../src/db/migrate.js';
import type { Database } from '../../src/db/schema.js';
import { createTestDb, type TestDb, testBackend } from '../support/db.js';

/** Production's triggers on our tables whose jobs we leave to production, with the reason. */
const LEFT_TO_PRODUCTION: Readonly<Record<string, string>> = {
  on_playlist_notify_pending_purchase_revalidation:
    'purchase revalidation (Solana purchases, not indexed here)',
  on_track_notify_pending_purchase_revalidation: 'purchase revalidation (Solana purchases, not indexed here)',
  on_tastemaker_user_challenge: "challenge 't' is not computed by this project",
  on_trending_user_challenge: "challenges 'tt'/'tut' are not computed by this project",
};

/** Triggers of ours that production has no counterpart for, each with its job. */
const METRONOME_ONLY: Readonly<Record<string, string>> = {
  'plays.plays_other_writer':
    "0008's dual-writer guard: the legacy writer's inserts take the bridge's lock (docs/pipeline-decisions.md)",
};

interface Trig {
  table: string;
  name: string;
  fn: string;
  src: string;
}

async function triggers(db: Kysely<Database>): Promise<Trig[]> {
  const r = await sql<Trig>`
    SELECT c.relname AS table, t.tgname AS name, p.proname AS fn, p.prosrc AS src
    FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid
    WHERE NOT t.tgisinternal AND c.relnamespace = 'public'::regnamespace
      AND c.relname IN (${sql.join([...ORACLE_TABLES, 'aggregate_track', 'aggregate_playlist'])})
    ORDER BY 1, 2`.execute(db);
  return r.rows.filter((t) => !(`${t.table}.${t.name}` in METRONOME_ONLY));
}

function duplicatedJobs(ts: readonly Trig[]): string[] {
  const seen = new Map<string, number>();
  for (const t of ts) seen.set(`${t.table}:${t.fn}`, (seen.get(`${t.table}:${t.fn}`) ?? 0) + 1);
  return [...seen].filter(([, n]) => n > 1).map(([k]) => k);
}

describe.runIf(testBackend() === 'postgres')('one trigger per job', () => {
  let fresh: TestDb;
  let mine: Trig[];
  beforeAll(async () => {
    fresh = await createTestDb();
    mine = await triggers(fresh.db);
  });
  afterAll(async () => fresh?.close());

  it("a fresh database has production's trigger names on production's tables, one per job", () => {
    expect(duplicatedJobs(mine)).toEqual([]);
    const theirs = productionTriggerSet()
      .triggers.map((t) => `${t.table}.${t.name}`)
      .filter((k) => !(k.split('.')[1]! in LEFT_TO_PRODUCTION))
      .sort();
    expect(mine.map((t) => `${t.table}.${t.name}`).sort()).toEqual(theirs);
    // The triggers 0004/0005 created for the same jobs are gone.
    expect(mine.filter((t) => /^trg_.*(counts|notifications)$/.test(t.name))).toEqual([]);
  });

  it("migrating a database that has production's triggers replaces them (never beside them)", async () => {
    const clone = await createTestDb();
    try {
      await installProductionTriggers(clone.db);
      // `metronome migrate` on a production database: every migration applied over what is there.
      // A no-transaction file (DROP/CREATE INDEX CONCURRENTLY) runs statement by statement, as the runner does.
      for (const f of readMigrations('migrations')) {
        if (f.transactional) await sql.raw(f.sql).execute(clone.db);
        else for (const st of f.statements) await sql.raw(st.sql).execute(clone.db);
      }
      const after = await triggers(clone.db);
      expect(duplicatedJobs(after)).toEqual([]);
      const expected = [
        ...mine.map((t) => `${t.table}.${t.name}`),
        ...productionTriggerSet()
          .triggers.filter((t) => t.name in LEFT_TO_PRODUCTION)
          .map((t) => `${t.table}.${t.name}`),
      ].sort();
      expect(after.map((t) => `${t.table}.${t.name}`).sort()).toEqual(expected);
      // Same names, our bodies: every trigger we define runs our function text, not production's.
      const ours = new Map(mine.map((t) => [`${t.table}.${t.name}`, t.src]));
      const replaced = after.filter((t) => ours.has(`${t.table}.${t.name}`));
      expect(replaced.filter((t) => t.src !== ours.get(`${t.table}.${t.name}`)).map((t) => t.name)).toEqual(
        [],
      );
    } finally {
      await clone.close();
    }
  });

  it('the reference production dump, migrated by metronome, has one trigger per job and runs our bodies', async () => {
    const clone = await createTestDb({ migrated: false });
    try {
      execFileSync(
        `${findPgBin()}/psql`,
        ['-q', '-v', 'ON_ERROR_STOP=1', '-d', clone.url, '-f', PRODUCTION_DUMP],
        {
          stdio: ['ignore', 'ignore', 'pipe'],
        },
      );
      await migrate(clone.db);
      const after = await triggers(clone.db);
      expect(duplicatedJobs(after)).toEqual([]);
      const ours = new Map(mine.map((t) => [`${t.table}.${t.name}`, t.src]));
      expect([...ours.keys()].filter((k) => !after.some((t) => `${t.table}.${t.name}` === k))).toEqual([]);
      expect(
        after.filter((t) => ours.has(`${t.table}.${t.name}`) && t.src !== ours.get(`${t.table}.${t.name}`)),
      ).toEqual([]);
      expect(
        after
          .filter((t) => !ours.has(`${t.table}.${t.name}`) && !(t.name in LEFT_TO_PRODUCTION))
          .map((t) => t.name),
      ).toEqual([]);
    } finally {
      await clone.close();
    }
  });

  it("pg_notify carries production's channels and keys (the push service's contract)", async () => {
    const t = await createTestDb();
    const client = new pg.Client({ connectionString: t.url });
    await client.connect();
    try {
      const got: { channel: string; payload: unknown }[] = [];
      client.on('notification', (m) =>
        got.push({ channel: m.channel, payload: JSON.parse(m.payload ?? '{}') }),
      );
      for (const ch of ['users', 'follows', 'aggregate_user']) await client.query(`LISTEN ${ch}`);
      await sql`INSERT INTO users (user_id, is_current, handle, created_at, updated_at, blocknumber)
                VALUES (1, true, 'a', '2025-01-01', '2025-01-01', 7), (2, true, 'b', '2025-01-01', '2025-01-01', 7)`.execute(
        t.db,
      );
      await sql`INSERT INTO follows (follower_user_id, followee_user_id, is_current, is_delete, created_at, blocknumber)
                VALUES (1, 2, true, false, '2025-01-01', 8)`.execute(t.db);
      for (let i = 0; i < 50 && got.length < 5; i++) await new Promise((r) => setTimeout(r, 20));
      expect(got).toContainEqual({ channel: 'users', payload: { user_id: 1, blocknumber: 7 } });
      expect(got).toContainEqual(
        expect.objectContaining({
          channel: 'follows',
          payload: expect.objectContaining({ follower_user_id: 1, followee_user_id: 2, is_delete: false }),
        }),
      );
      expect(got).toContainEqual(
        expect.objectContaining({
          channel: 'aggregate_user',
          payload: expect.objectContaining({ user_id: 2, follower_count: 1 }),
        }),
      );
    } finally {
      await client.end();
      await t.close();
    }
  });
});
