// api #877: after a deploy, phase-3 challenge processors full-scanned 2.3M user_events rows every tick and
// the job wedged. The fix: incremental processors with per-processor blocknumber checkpoints and a btree on
// user_events(blocknumber). Measured here as rows read from user_events (pg_stat_user_tables) during one
// tick with 100 dirty users at 2,000,000 rows — it must grow with the dirty set, not with the table.
import { type Kysely, sql } from 'kysely';
import { loadUserEvents, tickWithDirty, USER_EVENT_PROCESSORS } from '../bench/challenges.js';
import { connect } from '../src/db/connect.js';
import type { Database } from '../src/db/schema.js';
import { silentLogger } from '../src/deps/logger.js';
import type { Scenario, ScenarioEnv, ScenarioResult } from './scenario.js';

const ROWS = 2_000_000;
/**
 * The bug run's table. A rescan reads every row at least once, so it breaks the budget (20,000 reads) as
 * soon as the table is larger: at 100,000 rows it read 833,333 (40x the budget) in seconds, where the
 * 2,000,000-row rescan read 3.3M rows in 100 s and showed nothing more.
 */
const BUG_ROWS = 100_000;
const DIRTY = 100;
/** Rows a tick may read per dirty user (its events, its referrer's, index probes), with slack. */
const READS_PER_DIRTY = 50;

async function rowsRead(db: Kysely<Database>): Promise<number> {
  await sql`SELECT pg_stat_force_next_flush()`.execute(db);
  await sql`SELECT pg_stat_clear_snapshot()`.execute(db);
  const r = await sql<{ n: string }>`
    SELECT coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0) AS n FROM pg_stat_user_tables WHERE relname = 'user_events'`.execute(
    db,
  );
  return Number(r.rows[0]?.n ?? 0);
}

async function run(env: ScenarioEnv, fullScan: boolean): Promise<ScenarioResult> {
  const rows = fullScan ? BUG_ROWS : ROWS;
  const h = await env.freshDb();
  // One connection, so the statistics this session flushes are exactly the tick's reads.
  const one = await connect(h.url, { poolSize: 1 });
  try {
    const db = one.db;
    await sql`UPDATE challenges SET starting_block = 0`.execute(db);
    await sql`
      INSERT INTO users (user_id, txhash, is_current, handle, handle_lc, blocknumber, created_at, updated_at)
      SELECT g, 'tx', true, 'u' || g, 'u' || g, 1, '2025-01-01', '2025-01-01' FROM generate_series(1, 500) g`.execute(
      db,
    );
    const t0 = performance.now();
    await loadUserEvents(db, 1, rows + 1);
    const loadMs = performance.now() - t0;
    const before = await rowsRead(db);
    let tickMs: number;
    if (fullScan) {
      // The mistake, as a processor option: the mobile-install processor recomputes every user from the
      // whole table each tick (one processor is enough to show the growth; all four take minutes).
      const t = performance.now();
      await db.transaction().execute(async (trx) => {
        await USER_EVENT_PROCESSORS[0]!.full(trx, { logger: silentLogger, batch: 5000 });
      });
      tickMs = performance.now() - t;
    } else {
      tickMs = (await tickWithDirty(db, rows, DIRTY, rows - DIRTY + 1)).tickMs;
    }
    const read = (await rowsRead(db)) - before;
    const budget = DIRTY * READS_PER_DIRTY * USER_EVENT_PROCESSORS.length;
    return {
      violations:
        read > budget
          ? [
              {
                invariant: 'tick-reads-dirty-rows',
                message: `one tick read ${read} user_events rows for ${DIRTY} dirty users (budget ${budget}; table ${rows})`,
              },
            ]
          : [],
      figures: {
        userEvents: rows,
        dirtyUsers: DIRTY,
        rowsRead: read,
        tickMs: Math.round(tickMs),
        loadMs: Math.round(loadMs),
      },
    };
  } finally {
    await one.close();
    await h.close();
  }
}

export const scenario: Scenario = {
  id: '877',
  title: 'challenge tick with a small dirty set over 2,000,000 user_events rows',
  needsPostgres: true,
  ours: (env) => run(env, false),
  bugs: [
    {
      name: 'processor that rescans everything each tick',
      catches: 'tick-reads-dirty-rows',
      run: (env) => run(env, true),
    },
  ],
};
