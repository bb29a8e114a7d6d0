// Per-row cost of the trigger jobs (docs/triggers.md, "Measured"). Databases on one ephemeral
// PostgreSQL 15: "before" migrated through 0007 (0004/0005's count and comment triggers), "0010" through
// 0011 (production's jobs, first version), "0012" through 0012 (the social triggers' cost), "0017" through
// 0017, "latest" through every migration.
// Each phase's statements run three times with triggers and three times with session_replication_role =
// replica (no triggers), each in a transaction rolled back (deferred triggers made immediate), timed by
// the server process's CPU time (/proc); the trigger cost per row is the difference of the medians
// divided by the rows. Then the phase is committed with triggers so the next one starts from its rows.
// "production" runs production's own trigger functions (sim/oracle.ts installs them from the dump) on the
// same workload (its saves phase ran for more than 20 minutes: name it only to see that).
// pnpm tsx bench/trigger-cost.ts [before] [0010] [0012] [0017] [latest] [production] (default: all but production).
// --profile: one run per phase with pg_stat_statements tracking nested statements and track_functions,
// printing where each phase's trigger time goes (per statement and per function, µs per row).
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Kysely, sql } from 'kysely';
import { startEphemeralPostgres } from '../sim/ephemeral-postgres.js';
import { installProductionTriggers } from '../sim/oracle.js';
import { connect } from '../src/db/connect.js';
import { DEFAULT_MIGRATIONS_DIR, migrate } from '../src/db/migrate.js';
import type { Database } from '../src/db/schema.js';

interface Phase {
  readonly name: string;
  readonly rows: number;
  readonly statements: readonly string[];
}

const T0 = `timestamp '2025-01-01'`;
const PHASES: readonly Phase[] = [
  {
    name: 'follows insert (10 per user)',
    rows: 20_000,
    statements: [
      `INSERT INTO follows (follower_user_id, followee_user_id, is_current, is_delete, created_at, blocknumber, txhash)
       SELECT g % 2000 + 1, ((g / 2000 + 1) * 37 + g % 2000) % 2000 + 1, true, false, ${T0} + g * interval '1 s', 1, 'f' || g
       FROM generate_series(0, 19999) g`,
    ],
  },
  {
    name: 'follows update (unfollow)',
    rows: 5_000,
    statements: [
      `UPDATE follows SET is_delete = true, txhash = txhash || 'u' WHERE txhash IN (SELECT 'f' || g FROM generate_series(0, 19999, 4) g)`,
    ],
  },
  {
    name: 'saves insert (half on 5 hot tracks)',
    rows: 20_000,
    statements: [
      `INSERT INTO saves (user_id, save_item_id, save_type, is_current, is_delete, created_at, blocknumber, txhash)
       SELECT g % 2000 + 1, g / 2000 + 1, 'track'::savetype, true, false, ${T0} + g * interval '1 s', 2, 's' || g
       FROM generate_series(0, 9999) g
       UNION ALL
       SELECT g % 2000 + 1, 6 + ((g / 2000) * 97 + g % 2000) % 494, 'track', true, false, ${T0} + g * interval '1 s', 2, 'c' || g
       FROM generate_series(0, 9999) g`,
    ],
  },
  {
    name: 'reposts insert (all on 5 hot tracks)',
    rows: 10_000,
    statements: [
      `INSERT INTO reposts (user_id, repost_item_id, repost_type, is_current, is_delete, created_at, blocknumber, txhash)
       SELECT g % 2000 + 1, g / 2000 + 1, 'track', true, false, ${T0} + g * interval '1 s', 3, 'r' || g
       FROM generate_series(0, 9999) g`,
    ],
  },
  {
    name: 'comments insert',
    rows: 5_000,
    statements: [
      `INSERT INTO comments (comment_id, text, user_id, entity_id, entity_type, created_at, updated_at, txhash, blockhash, blocknumber)
       SELECT g, 'hi', g % 2000 + 1, g % 500 + 1, 'Track', ${T0}, ${T0}, 'x' || g, '', 4 FROM generate_series(1, 5000) g`,
    ],
  },
  {
    name: 'tracks insert (owners with subscribers, 1 in 5 a remix)',
    rows: 2_000,
    statements: [
      `INSERT INTO tracks (track_id, is_current, owner_id, title, remix_of, created_at, updated_at, blocknumber, txhash)
       SELECT 1000 + g, true, g % 100 + 1, 't',
              CASE WHEN g % 5 = 0 THEN jsonb_build_object('tracks', jsonb_build_array(jsonb_build_object('parent_track_id', g % 500 + 1))) END,
              ${T0} + g * interval '1 s', ${T0} + g * interval '1 s', 5, 'n' || g
       FROM generate_series(1, 2000) g`,
    ],
  },
  {
    // Most track updates move no counter (playlists_containing_track, metadata): 0018's fast path.
    name: 'tracks update (no counter moves)',
    rows: 2_000,
    statements: [
      `UPDATE tracks SET playlists_containing_track = array_append(playlists_containing_track, 1), blocknumber = 6
       WHERE track_id BETWEEN 1001 AND 3000`,
    ],
  },
  {
    name: 'playlists insert (5 tracks each, added now)',
    rows: 1_000,
    statements: [
      `INSERT INTO playlists (playlist_id, playlist_owner_id, is_album, playlist_name, playlist_contents, is_current,
                              created_at, updated_at, blocknumber, txhash)
       SELECT g, g % 100 + 1, g % 4 = 0, 'p',
              jsonb_build_object('track_ids', (SELECT jsonb_agg(jsonb_build_object('track', (g * 7 + k) % 500 + 1,
                                 'time', extract(epoch FROM ${T0} + g * interval '1 s')::bigint)) FROM generate_series(1, 5) k)),
              true, ${T0} + g * interval '1 s', ${T0} + g * interval '1 s', 6, 'p' || g
       FROM generate_series(1, 1000) g`,
    ],
  },
  {
    name: 'plays insert (1,000-row statements, 50 tracks)',
    rows: 30_000,
    statements: Array.from(
      { length: 30 },
      (_, i) =>
        `INSERT INTO plays (user_id, play_item_id, created_at, updated_at, slot, signature)
         SELECT g % 2000 + 1, g % 50 + 1, ${T0} + g * interval '1 s', ${T0}, g, 'p' || g
         FROM generate_series(${i * 1000}, ${i * 1000 + 999}) g`,
    ),
  },
];

const SETUP = [
  `INSERT INTO users (user_id, is_current, handle, wallet, created_at, updated_at, blocknumber, txhash)
   SELECT g, true, 'u' || g, '0x' || lpad(to_hex(g), 40, '0'), ${T0}, ${T0}, 1, 'u' || g FROM generate_series(1, 2000) g`,
  `INSERT INTO tracks (track_id, is_current, owner_id, title, created_at, updated_at, blocknumber, txhash)
   SELECT g, true, g % 100 + 1, 't', ${T0}, ${T0}, 1, 't' || g FROM generate_series(1, 500) g`,
  `INSERT INTO subscriptions (subscriber_id, user_id, is_current, is_delete, created_at, txhash)
   SELECT g, g % 100 + 1, true, false, ${T0}, 's' || g FROM generate_series(101, 600) g`,
];

/**
 * CPU time (ms) the server process serving this connection spent, from /proc (the bench runs beside its
 * server): on a shared machine the wall clock mostly measures the neighbours, CPU time much less so.
 * Falls back to the wall clock where /proc is not readable.
 */
async function cpuClock(c: Kysely<Database>): Promise<() => number> {
  const r = await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(c);
  const stat = `/proc/${r.rows[0]!.pid}/stat`;
  if (!existsSync(stat)) return () => performance.now();
  return () => {
    // utime and stime, in clock ticks (100 per second), after the process name.
    const f = readFileSync(stat, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) * 10;
  };
}

async function timed(
  db: Kysely<Database>,
  statements: readonly string[],
  triggers: boolean,
): Promise<number> {
  return db.connection().execute(async (c) => {
    const clock = await cpuClock(c);
    await sql`BEGIN`.execute(c);
    await sql`SET CONSTRAINTS ALL IMMEDIATE`.execute(c);
    if (!triggers) await sql`SET LOCAL session_replication_role = replica`.execute(c);
    const t = clock();
    for (const s of statements) await sql.raw(s).execute(c);
    const ms = clock() - t;
    await sql`ROLLBACK`.execute(c);
    return ms;
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function measure(db: Kysely<Database>): Promise<Record<string, number>> {
  for (const s of SETUP) await sql.raw(s).execute(db);
  const out: Record<string, number> = {};
  for (const p of PHASES) {
    const on: number[] = [];
    const off: number[] = [];
    for (let i = 0; i < 3; i++) {
      on.push(await timed(db, p.statements, true));
      off.push(await timed(db, p.statements, false));
    }
    out[p.name] = ((median(on) - median(off)) * 1000) / p.rows; // µs per row
    for (const s of p.statements) await sql.raw(s).execute(db);
  }
  return out;
}

/** Per statement inside the trigger path (pg_stat_statements, nested statements tracked): where a phase's time goes. */
async function profile(db: Kysely<Database>): Promise<void> {
  await sql`CREATE EXTENSION IF NOT EXISTS pg_stat_statements`.execute(db);
  for (const s of SETUP) await sql.raw(s).execute(db);
  for (const p of PHASES) {
    await sql`SELECT pg_stat_statements_reset()`.execute(db);
    await sql`SELECT pg_stat_reset()`.execute(db);
    await timed(db, p.statements, true);
    const top = await sql<{ calls: string; total: number; query: string }>`
      SELECT calls::text, total_exec_time AS total, regexp_replace(query, '[[:space:]]+', ' ', 'g') AS query
      FROM pg_stat_statements WHERE toplevel = false ORDER BY total_exec_time DESC LIMIT 8`.execute(db);
    const fns = await sql<{ funcname: string; calls: string; self: number; total: number }>`
      SELECT funcname, calls::text, self_time AS self, total_time AS total FROM pg_stat_user_functions
      ORDER BY self_time DESC LIMIT 8`.execute(db);
    console.log(`\n== ${p.name} (${p.rows} rows), µs per row`);
    for (const r of top.rows)
      console.log(
        `  ${((r.total * 1000) / p.rows).toFixed(1).padStart(8)}  ×${r.calls.padEnd(6)} ${r.query.slice(0, 150)}`,
      );
    for (const r of fns.rows)
      console.log(
        `  fn ${r.funcname.padEnd(36)} self ${((r.self * 1000) / p.rows).toFixed(1).padStart(7)}  total ${((r.total * 1000) / p.rows).toFixed(1).padStart(7)}  ×${r.calls}`,
      );
    for (const s of p.statements) await sql.raw(s).execute(db);
  }
}

const args = process.argv.slice(2);
const profiling = args.includes('--profile');
const server = await startEphemeralPostgres(
  profiling
    ? {
        extraSettings: {
          shared_preload_libraries: 'pg_stat_statements',
          'pg_stat_statements.track': 'all',
          track_functions: 'pl',
        },
      }
    : {},
);
// Each label is a database migrated with the files the filter keeps.
const LABELS = {
  before: (f: string) => f < '0008',
  '0010': (f: string) => f < '0012',
  '0012': (f: string) => f < '0013',
  '0017': (f: string) => f < '0018',
  latest: () => true,
  production: (f: string) => f < '0012',
} as const;
type Label = keyof typeof LABELS;
const tmp: string[] = [];
try {
  const results: Record<string, Record<string, number>> = {};
  const wanted = args.filter((a) => !a.startsWith('-'));
  for (const label of Object.keys(LABELS) as Label[]) {
    if (wanted.length > 0 ? !wanted.includes(label) : label === 'production') continue;
    const dir = mkdtempSync(join(tmpdir(), `mig-${label}-`));
    tmp.push(dir);
    mkdirSync(join(dir, 'preflight'));
    for (const f of readdirSync(DEFAULT_MIGRATIONS_DIR).filter((f) => f.endsWith('.sql') && LABELS[label](f)))
      for (const sub of ['', 'preflight'])
        if (existsSync(join(DEFAULT_MIGRATIONS_DIR, sub, f)))
          cpSync(join(DEFAULT_MIGRATIONS_DIR, sub, f), join(dir, sub, f));
    const name = `cost_${label}`;
    const admin = await connect(server.url, { poolSize: 1 });
    await sql.raw(`CREATE DATABASE ${name}`).execute(admin.db);
    await admin.close();
    const u = new URL(server.url);
    u.pathname = `/${name}`;
    const h = await connect(u.toString(), { poolSize: 1 });
    await migrate(h.db, dir);
    if (label === 'production') await installProductionTriggers(h.db);
    if (profiling) {
      console.log(`\n######## ${label}`);
      await profile(h.db);
    } else results[label] = await measure(h.db);
    await h.close();
  }
  if (!profiling) {
    console.log(
      `trigger cost per row (µs of server CPU), median of 3, with minus without triggers: ${Object.keys(results).join(' / ')}`,
    );
    for (const p of PHASES)
      console.log(
        `  ${p.name.padEnd(56)} ${Object.values(results)
          .map((r) => r[p.name]!.toFixed(1).padStart(8))
          .join('  ')}`,
      );
  }
} finally {
  for (const d of tmp) rmSync(d, { recursive: true, force: true });
  await server.stop();
}
