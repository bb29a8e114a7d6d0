// The migration runner: statement splitting, errors that name file/line/statement/detail/hint, the dry
// run, a second run as a no-op, no-transaction files resumed after a concurrent index build was killed,
// and preflights that let a checksummed migration run on a database shape it did not expect.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { connect } from '../../src/db/connect.js';
import {
  catalog,
  concurrentIndexName,
  dryRun,
  MigrationStatementError,
  migrate,
  splitStatements,
} from '../../src/db/migrate.js';
import { createTestDb, type TestDb, testBackend } from '../support/db.js';

const run = promisify(execFile);

describe('splitStatements', () => {
  it('splits on top-level semicolons only, with the line each statement starts on', () => {
    const text = [
      '-- a comment; not a statement',
      "CREATE TABLE a (s text DEFAULT 'x;y');",
      '/* block; /* nested; */ still comment */',
      'CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $body$',
      'BEGIN RETURN 1; END $body$;',
      "SELECT E'it\\'s;', \"odd;name\", $$a;b$$;",
      '',
      'SELECT 1',
    ].join('\n');
    expect(splitStatements(text)).toEqual([
      { sql: "CREATE TABLE a (s text DEFAULT 'x;y')", line: 2 },
      {
        sql: 'CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $body$\nBEGIN RETURN 1; END $body$',
        line: 4,
      },
      { sql: "SELECT E'it\\'s;', \"odd;name\", $$a;b$$", line: 6 },
      { sql: 'SELECT 1', line: 8 },
    ]);
  });

  it('finds every statement of the real migrations (each file splits and rejoins to the same SQL)', async () => {
    const { readMigrations } = await import('../../src/db/migrate.js');
    for (const f of readMigrations()) {
      expect(f.statements.length, f.file).toBeGreaterThan(0);
      for (const s of f.statements) expect(s.sql.trim().endsWith(';'), `${f.file}:${s.line}`).toBe(false);
    }
  });

  it('names the index a concurrent build creates', () => {
    expect(concurrentIndexName('CREATE INDEX CONCURRENTLY IF NOT EXISTS Ix_A ON t (a)')).toBe('ix_a');
    expect(concurrentIndexName('create unique index concurrently "Ix B" on t (a)')).toBe('Ix B');
    expect(concurrentIndexName('CREATE INDEX IF NOT EXISTS ix_c ON t (a)')).toBeUndefined();
  });
});

describe.skipIf(testBackend() !== 'postgres')('migrate on PostgreSQL', () => {
  const dirs: string[] = [];
  const dbs: TestDb[] = [];
  afterEach(async () => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
    for (const d of dbs.splice(0)) await d.close();
  });
  const blank = async () => {
    const t = await createTestDb({ migrated: false });
    dbs.push(t);
    return t;
  };
  const migrationsDir = (files: Record<string, string>) => {
    const dir = mkdtempSync(join(tmpdir(), 'metronome-mig-'));
    dirs.push(dir);
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(join(dir, name, '..'), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
    return dir;
  };
  const ledger = async (t: TestDb) =>
    (
      await sql<{ version: number; checksum: string; preflight_checksum: string | null }>`
        SELECT version, checksum, preflight_checksum FROM metronome_migrations ORDER BY version`.execute(t.db)
    ).rows;

  const FAILING = {
    '0001_base.sql': 'CREATE TABLE IF NOT EXISTS base (id int PRIMARY KEY);\n',
    '0002_broken.sql': [
      '-- creates a table, then fails: the table must not stay',
      'CREATE TABLE IF NOT EXISTS half (id int);',
      '',
      "DO $$ BEGIN RAISE EXCEPTION 'the shape is wrong' USING DETAIL = 'column x is missing', HINT = 'add x first'; END $$;",
      'CREATE TABLE IF NOT EXISTS never (id int);',
    ].join('\n'),
  };

  it('a failing migration names file, line, statement, detail and hint; nothing of it stays', async () => {
    const t = await blank();
    const dir = migrationsDir(FAILING);
    const err = await migrate(t.db, dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MigrationStatementError);
    const e = err as MigrationStatementError;
    expect([e.file, e.line, e.code, e.serverMessage, e.detail, e.hint]).toEqual([
      '0002_broken.sql',
      4,
      'P0001',
      'the shape is wrong',
      'column x is missing',
      'add x first',
    ]);
    expect(e.statement).toMatch(/^DO \$\$ BEGIN RAISE EXCEPTION/);
    expect(e.message).toContain('nothing from this file was applied');
    const tables = await sql<{ t: string | null }>`SELECT to_regclass('half')::text AS t`.execute(t.db);
    expect(tables.rows[0]!.t).toBeNull();
    expect((await ledger(t)).map((r) => r.version)).toEqual([1]);
  });

  it('the CLI prints that message on stderr and exits 1', async () => {
    const t = await blank();
    const dir = migrationsDir(FAILING);
    const res = await run(
      process.execPath,
      ['--import', 'tsx', 'src/cli.ts', 'migrate', '--db', t.url, '--migrations', dir],
      { env: { ...process.env, LOG_LEVEL: 'silent' } },
    ).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
    );
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(
      'error: migration 0002_broken.sql failed at line 4: the shape is wrong (SQLSTATE P0001)',
    );
    expect(res.stderr).toContain('  detail: column x is missing');
    expect(res.stderr).toContain('  hint: add x first');
    expect(res.stderr).toContain("  statement: DO $$ BEGIN RAISE EXCEPTION 'the shape is wrong'");
  });

  it('--dry-run lists what the real migrations would create, changes nothing, and a real run then does it', async () => {
    const t = await blank();
    const before = await catalog(t.db);
    const plan = await dryRun(t.db);
    expect(plan.failure).toBeUndefined();
    expect(plan.pending.map((p) => p.file)).toEqual([
      '0001_etl_core.sql',
      '0002_users_tracks.sql',
      '0003_plays.sql',
      '0004_social_graph.sql',
      '0005_apps_comments_events.sql',
      '0006_challenges.sql',
      '0007_on_play_probes.sql',
      '0008_plays_multiset.sql',
      '0009_production_schema.sql',
      '0010_production_triggers.sql',
      '0012_trigger_cost.sql',
      '0013_plays_speed.sql',
      '0014_plays_path.sql',
      '0015_bridge_function.sql',
      '0016_expected_em_block.sql',
      '0017_production_index_definitions.sql',
      '0018_track_trigger_cost.sql',
      '0019_on_play_milestones_apart.sql',
    ]);
    const all = plan.pending.flatMap((p) => p.changes);
    expect(all).toContain('+ table users: table');
    expect(all).toContain("+ type event_type: enum ('remix_contest', 'live_event', 'new_release')");
    const p9 = plan.pending.find((p) => p.file === '0009_production_schema.sql')!;
    expect(p9.changes).toContain('~ column events.event_type: text NOT NULL → event_type NOT NULL');
    expect(p9.changes).toContain('+ column tracks.is_original_available: boolean NOT NULL DEFAULT false');
    expect(await catalog(t.db)).toEqual(before);
    const { stdout } = await run(process.execPath, [
      '--import',
      'tsx',
      'src/cli.ts',
      'migrate',
      '--dry-run',
      '--db',
      t.url,
    ]);
    expect(stdout).toContain('18 pending migrations (0 already applied); nothing was changed:');
    expect(stdout).toContain('  ~ column events.event_type: text NOT NULL → event_type NOT NULL');
    expect(await catalog(t.db)).toEqual(before);

    // The real run makes exactly the dry run's changes: replaying them onto the catalog gives the result.
    await migrate(t.db);
    const replayed = new Map(before);
    for (const c of all) {
      const key = c.slice(2).split(': ', 1)[0]!;
      if (c.startsWith('- ')) replayed.delete(c.slice(2));
      else if (c.startsWith('+ ')) replayed.set(key, c.slice(2 + key.length + 2));
      else replayed.set(key, c.slice(c.lastIndexOf(' → ') + 3));
    }
    // A dry run cannot run DROP INDEX CONCURRENTLY (0013); it lists it, and the real run drops the index.
    for (const c of plan.pending.flatMap((p) => p.concurrentIndexes)) {
      const dropped = /not run in a dry run .*DROP INDEX CONCURRENTLY IF EXISTS (\w+)/.exec(c)?.[1];
      if (dropped) replayed.delete(`index ${dropped}`);
    }
    // Nor CREATE INDEX CONCURRENTLY (0017, production's definitions): it lists each as a build.
    const builds = plan.pending.flatMap((p) => p.concurrentIndexes).filter((c) => / build \(/.test(c));
    expect(builds.map((c) => c.split(':', 1)[0])).toEqual(['saves_item_idx', 'reposts_item_idx']);
    replayed.set(
      'index saves_item_idx',
      'CREATE INDEX saves_item_idx ON public.saves USING btree (save_item_id, save_type, user_id, is_delete)',
    );
    replayed.set(
      'index reposts_item_idx',
      'CREATE INDEX reposts_item_idx ON public.reposts USING btree (repost_item_id, repost_type, user_id, is_delete)',
    );
    const real = [...(await catalog(t.db))].filter(([k]) => !k.includes('metronome_migrations'));
    expect(replayed).toEqual(new Map(real));
    expect((await dryRun(t.db)).pending).toEqual([]);
  });

  it('migrating twice is a no-op: nothing applied, the catalog unchanged', async () => {
    const t = await blank();
    const first = await migrate(t.db);
    expect(first.applied).toHaveLength(18);
    const before = await catalog(t.db);
    const second = await migrate(t.db);
    expect(second).toEqual({ applied: [], skipped: 18 });
    expect(await catalog(t.db)).toEqual(before);
  });

  it('resumes a no-transaction file after the backend building an index concurrently was killed', async () => {
    const t = await blank();
    const dir = migrationsDir({
      '0001_table.sql':
        'CREATE TABLE IF NOT EXISTS big (id int PRIMARY KEY, v text);\n' +
        "INSERT INTO big SELECT g, 'v' || g FROM generate_series(1, 20000) g ON CONFLICT DO NOTHING;\n",
      '0002_index.sql':
        '-- metronome:no-transaction\n' +
        '-- builds without blocking writers\n' +
        'CREATE INDEX CONCURRENTLY IF NOT EXISTS big_v_idx ON big (v);\n' +
        'CREATE INDEX CONCURRENTLY IF NOT EXISTS big_id_v_idx ON big (id, v);\n',
    });
    expect((await migrate(t.db, dir)).applied).toEqual(['0001_table', '0002_index']);
    // Start over with the index not built yet: the file is pending again.
    await sql`DROP INDEX big_v_idx, big_id_v_idx`.execute(t.db);
    await sql`DELETE FROM metronome_migrations WHERE version = 2`.execute(t.db);
    // A writer's open transaction: the concurrent build creates its (INVALID) index, then waits for it.
    const writer = await connect(t.url, { poolSize: 1 });
    const spy = await connect(t.url, { poolSize: 1 });
    try {
      await writer.db.connection().execute(async (w) => {
        await sql`BEGIN`.execute(w);
        await sql`INSERT INTO big VALUES (0, 'writer')`.execute(w);
        const first = migrate(t.db, dir).then(
          () => undefined,
          (e: unknown) => e,
        );
        let pid: number | undefined;
        while (pid === undefined) {
          const r = await sql<{ pid: number }>`
            SELECT pid FROM pg_stat_activity
            WHERE query LIKE 'CREATE INDEX CONCURRENTLY IF NOT EXISTS big_v_idx%' AND wait_event_type = 'Lock'`.execute(
            spy.db,
          );
          pid = r.rows[0]?.pid;
          if (pid === undefined) await new Promise((r) => setTimeout(r, 20));
        }
        const state = async () =>
          (
            await sql<{ valid: boolean }>`
              SELECT x.indisvalid AS valid FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
              WHERE i.relname = 'big_v_idx'`.execute(spy.db)
          ).rows;
        expect(await state()).toEqual([{ valid: false }]);
        // The crash: the migrator's backend dies mid-build.
        await sql`SELECT pg_terminate_backend(${pid})`.execute(spy.db);
        expect(await first).toBeInstanceOf(Error);
        await sql`COMMIT`.execute(w);
        expect(await state()).toEqual([{ valid: false }]);
      });
      expect((await dryRun(t.db, dir)).pending[0]!.concurrentIndexes).toEqual([
        'big_v_idx: rebuild INVALID (0002_index.sql:3)',
        'big_id_v_idx: build (0002_index.sql:4)',
      ]);
      // Run again: the INVALID index is dropped and built again; the file is then recorded.
      const again = await migrate(t.db, dir);
      expect(again.applied).toEqual(['0002_index']);
      const idx = await sql<{ relname: string; valid: boolean }>`
        SELECT i.relname, x.indisvalid AND x.indisready AS valid FROM pg_index x
        JOIN pg_class i ON i.oid = x.indexrelid
        WHERE x.indrelid = 'big'::regclass AND NOT x.indisprimary ORDER BY 1`.execute(t.db);
      expect(idx.rows).toEqual([
        { relname: 'big_id_v_idx', valid: true },
        { relname: 'big_v_idx', valid: true },
      ]);
      const n = await sql<{ n: number }>`SELECT count(*)::int AS n FROM big WHERE v = 'writer'`.execute(t.db);
      expect(n.rows[0]!.n).toBe(1);
    } finally {
      await writer.close();
      await spy.close();
    }
  });

  /**
   * While `migrate` builds an index on a table that already holds rows, a writer's transaction stays
   * open (the build waits for it), and a second writer tries one insert with a 2 s lock timeout.
   */
  async function secondWriterDuringBuild(
    prebuild: boolean,
  ): Promise<{ secondWriter: string; prebuilt: string[] }> {
    const t = await blank();
    await sql`CREATE TABLE busy (id int PRIMARY KEY, v text)`.execute(t.db);
    await sql`INSERT INTO busy SELECT g, 'v' || g FROM generate_series(1, 5000) g`.execute(t.db);
    const dir = migrationsDir({
      '0001_busy.sql':
        'CREATE TABLE IF NOT EXISTS busy (id int PRIMARY KEY, v text);\n' +
        'CREATE INDEX IF NOT EXISTS busy_v_idx ON busy (v);\n',
    });
    const prebuilt: string[] = [];
    const w1 = await connect(t.url, { poolSize: 1 });
    const w2 = await connect(t.url, { poolSize: 1 });
    try {
      return await w1.db.connection().execute(async (w) => {
        await sql`BEGIN`.execute(w);
        await sql`INSERT INTO busy VALUES (0, 'first writer')`.execute(w);
        const migrating = migrate(t.db, dir, {
          prebuildIndexes: prebuild,
          onPrebuilt: (_f, index) => prebuilt.push(index),
        });
        for (;;) {
          const r = await sql`SELECT 1 FROM pg_stat_activity
            WHERE query LIKE 'CREATE INDEX%busy_v_idx%' AND wait_event_type = 'Lock'`.execute(w2.db);
          if (r.rows.length > 0) break;
          await new Promise((r) => setTimeout(r, 20));
        }
        const secondWriter = await w2.db
          .connection()
          .execute(async (c) => {
            await sql`SET lock_timeout = '2s'`.execute(c);
            await sql`INSERT INTO busy VALUES (-1, 'second writer')`.execute(c);
            return 'inserted';
          })
          .catch((e: unknown) => (e instanceof Error ? e.message : String(e)));
        await sql`COMMIT`.execute(w);
        await migrating;
        return { secondWriter, prebuilt };
      });
    } finally {
      await w1.close();
      await w2.close();
    }
  }

  it("builds a transactional file's index CONCURRENTLY first when its table exists: writers go on", async () => {
    expect(await secondWriterDuringBuild(true)).toEqual({
      secondWriter: 'inserted',
      prebuilt: ['busy_v_idx'],
    });
  });

  it('without the prebuild the same migration blocks the second writer (the contrast)', async () => {
    expect(await secondWriterDuringBuild(false)).toEqual({
      secondWriter: 'canceling statement due to lock timeout',
      prebuilt: [],
    });
  });

  it('a failed concurrent build leaves no INVALID index behind', async () => {
    const t = await blank();
    const dir = migrationsDir({
      '0001_dups.sql': 'CREATE TABLE IF NOT EXISTS d (v int);\nINSERT INTO d VALUES (1), (1);\n',
      '0002_uniq.sql':
        '-- metronome:no-transaction\nCREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS d_v_uniq ON d (v);\n',
    });
    const err = await migrate(t.db, dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MigrationStatementError);
    expect((err as MigrationStatementError).message).toContain(
      'migration 0002_uniq.sql failed at line 2: could not create unique index "d_v_uniq" (SQLSTATE 23505)',
    );
    expect((err as MigrationStatementError).detail).toBe('Key (v)=(1) is duplicated.');
    const left = await sql`SELECT 1 FROM pg_class WHERE relname = 'd_v_uniq'`.execute(t.db);
    expect(left.rows).toEqual([]);
    expect((await ledger(t)).map((r) => r.version)).toEqual([1]);
  });

  it('a preflight makes an unchanged, checksummed migration run on a shape it did not expect', async () => {
    const t = await blank();
    // An older shape of a table the migration only "creates if not exists".
    await sql`CREATE TABLE subs (id int PRIMARY KEY)`.execute(t.db);
    const body =
      "CREATE TABLE IF NOT EXISTS subs (id int PRIMARY KEY, kind text NOT NULL DEFAULT 'User');\n" +
      'CREATE INDEX IF NOT EXISTS subs_kind_idx ON subs (kind);\n';
    const dir = migrationsDir({ '0001_subs.sql': body });
    const err = await migrate(t.db, dir).catch((e: unknown) => e);
    expect((err as MigrationStatementError).message).toContain(
      'migration 0001_subs.sql failed at line 2: column "kind" does not exist',
    );
    const pre = "ALTER TABLE subs ADD COLUMN IF NOT EXISTS kind text NOT NULL DEFAULT 'User';\n";
    mkdirSync(join(dir, 'preflight'));
    writeFileSync(join(dir, 'preflight', '0001_subs.sql'), pre);
    expect(await migrate(t.db, dir)).toEqual({ applied: ['0001_subs'], skipped: 0 });
    const sha = (s: string) => createHash('sha256').update(s).digest('hex');
    expect(await ledger(t)).toEqual([{ version: 1, checksum: sha(body), preflight_checksum: sha(pre) }]);
  });
});
