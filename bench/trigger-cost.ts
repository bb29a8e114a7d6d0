// Per-row cost of the trigger jobs before and after migration 0010 (docs/triggers.md, "Measured").
// Two databases on one ephemeral PostgreSQL 15: "before" migrated through 0007 (0004/0005's count and
// comment triggers), "after" through 0010. Each phase's statements run three times with triggers and
// three times with session_replication_role = replica (no triggers), each in a transaction rolled back
// (deferred triggers made immediate); the trigger cost per row is the difference of the medians divided
// by the rows. Then the phase is committed with triggers so the next one starts from its rows.
// A third database runs production's own trigger functions (sim/oracle.ts installs them from the dump)
// on the same workload. pnpm tsx bench/trigger-cost.ts [before] [after] [production] (default: all three)
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
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
      `INSERT INTO comments (comment_id, text, user_id, entity_id, entity_type, created_at, updated_at, txhash, blocknumber)
       SELECT g, 'hi', g % 2000 + 1, g % 500 + 1, 'Track', ${T0}, ${T0}, 'x' || g, 4 FROM generate_series(1, 5000) g`,
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

async function timed(
  db: Kysely<Database>,
  statements: readonly string[],
  triggers: boolean,
): Promise<number> {
  return db.connection().execute(async (c) => {
    await sql`BEGIN`.execute(c);
    await sql`SET CONSTRAINTS ALL IMMEDIATE`.execute(c);
    if (!triggers) await sql`SET LOCAL session_replication_role = replica`.execute(c);
    const t = performance.now();
    for (const s of statements) await sql.raw(s).execute(c);
    const ms = performance.now() - t;
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

const server = await startEphemeralPostgres();
const before = mkdtempSync(join(tmpdir(), 'mig-before-'));
try {
  for (const f of readdirSync(DEFAULT_MIGRATIONS_DIR).filter((f) => f < '0008'))
    cpSync(join(DEFAULT_MIGRATIONS_DIR, f), join(before, f));
  const results: Record<string, Record<string, number>> = {};
  const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  for (const [label, dir] of [
    ['before', before],
    ['after', DEFAULT_MIGRATIONS_DIR],
    ['production', DEFAULT_MIGRATIONS_DIR],
  ] as const) {
    if (wanted.length > 0 && !wanted.includes(label)) continue;
    const name = `cost_${label}`;
    const admin = await connect(server.url, { poolSize: 1 });
    await sql.raw(`CREATE DATABASE ${name}`).execute(admin.db);
    await admin.close();
    const u = new URL(server.url);
    u.pathname = `/${name}`;
    const h = await connect(u.toString(), { poolSize: 1 });
    await migrate(h.db, dir);
    if (label === 'production') await installProductionTriggers(h.db);
    results[label] = await measure(h.db);
    await h.close();
  }
  console.log(
    `trigger cost per row (µs), median of 3, with minus without triggers: ${Object.keys(results).join(' / ')}`,
  );
  for (const p of PHASES)
    console.log(
      `  ${p.name.padEnd(48)} ${Object.values(results)
        .map((r) => r[p.name]!.toFixed(1).padStart(8))
        .join('  ')}`,
    );
} finally {
  rmSync(before, { recursive: true, force: true });
  await server.stop();
}
