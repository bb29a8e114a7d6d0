// Measures `metronome migrate` on a production clone holding 1M plays rows: wall time per migration,
// the relation locks the migrator held (sampled from pg_locks on a second connection), and what a
// writer inserting one play every 50 ms saw meanwhile. Run: `pnpm tsx test/production/measure-migrate.ts`
// (starts its own durable PostgreSQL 15; prints JSON). Figures go to docs/schema.md; nothing asserts them.
import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { startEphemeralPostgres } from '../../sim/ephemeral-postgres.js';
import { connect } from '../../src/db/connect.js';
import { migrate } from '../../src/db/migrate.js';
import { AFTER_DUMP, DUMP, dumpScript } from './support.js';

const PLAYS = Number(process.env.PLAYS ?? 1_000_000);
const SAMPLE_MS = 20;
const APP = 'metronome-migrate-measure';
/** Lock modes that conflict with a writer's ROW EXCLUSIVE. */
const BLOCKS_WRITERS = new Set([
  'ShareLock',
  'ShareRowExclusiveLock',
  'ExclusiveLock',
  'AccessExclusiveLock',
]);

const server = await startEphemeralPostgres({ durable: true });
const withDb = (name: string) => {
  const u = new URL(server.url);
  u.pathname = `/${name}`;
  return u.toString();
};
try {
  const admin = await connect(server.url, { poolSize: 1 });
  await sql.raw('CREATE DATABASE clone_1m').execute(admin.db);
  const loader = await connect(withDb('clone_1m'), { poolSize: 1 });
  const t0 = performance.now();
  await sql.raw(dumpScript(DUMP)).execute(loader.db);
  await sql`RESET search_path`.execute(loader.db);
  await sql.raw(readFileSync(AFTER_DUMP, 'utf8')).execute(loader.db);
  // Production's row trigger on plays would turn the fill into hours of aggregate updates.
  await sql`ALTER TABLE plays DISABLE TRIGGER USER`.execute(loader.db);
  await sql`
    INSERT INTO plays (user_id, source, play_item_id, created_at, updated_at, slot, signature, city, region, country)
    SELECT CASE WHEN g % 10 = 0 THEN NULL ELSE (g::bigint * 7919) % 50000 + 1 END, 'relay', (g::bigint * 104729) % 20000 + 1,
           timestamp '2025-01-01' + (g || ' seconds')::interval * 30, timestamp '2025-01-01' + (g || ' seconds')::interval * 30,
           g, 'sig' || g, 'Denver', 'Colorado', 'United States'
    FROM generate_series(1, ${PLAYS}) g`.execute(loader.db);
  await sql`ALTER TABLE plays ENABLE TRIGGER USER`.execute(loader.db);
  await sql`VACUUM ANALYZE plays`.execute(loader.db);
  await loader.close();
  const fillMs = performance.now() - t0;
  await sql.raw('CREATE DATABASE clone_1m_b TEMPLATE clone_1m').execute(admin.db);
  await admin.close();

  const runs: Record<string, unknown> = { plays: PLAYS, fillMs: Math.round(fillMs) };
  for (const [name, db, prebuildIndexes] of [
    ['prebuild (default)', 'clone_1m', true],
    ['no prebuild (indexes built inside each transaction)', 'clone_1m_b', false],
  ] as const) {
    runs[name] = await measure(withDb(db), prebuildIndexes);
  }
  console.log(JSON.stringify(runs, null, 2));
} finally {
  await server.stop();
}

async function measure(url: string, prebuildIndexes: boolean): Promise<unknown> {
  const migrator = await connect(url, { poolSize: 2, applicationName: APP });
  const spy = await connect(url, { poolSize: 1 });
  const writer = await connect(url, { poolSize: 1 });
  let done = false;

  // (relation, mode) → sampled ms held, longest continuous span, and whether any sample was a wait.
  const held = new Map<string, { ms: number; longest: number; run: number; waited: boolean }>();
  const sampler = (async () => {
    while (!done) {
      const r = await sql<{ rel: string; mode: string; granted: boolean }>`
        SELECT coalesce(c.relname, l.relation::text) AS rel, l.mode, l.granted
        FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        LEFT JOIN pg_class c ON c.oid = l.relation
        WHERE a.application_name = ${APP} AND l.locktype = 'relation' AND c.relkind IN ('r', 'p')
          AND c.relnamespace = 'public'::regnamespace`.execute(spy.db);
      const seen = new Set<string>();
      for (const x of r.rows) {
        const k = `${x.rel} ${x.mode}`;
        seen.add(k);
        const h = held.get(k) ?? { ms: 0, longest: 0, run: 0, waited: false };
        h.ms += SAMPLE_MS;
        h.run += SAMPLE_MS;
        h.longest = Math.max(h.longest, h.run);
        h.waited ||= !x.granted;
        held.set(k, h);
      }
      for (const [k, h] of held) if (!seen.has(k)) h.run = 0;
      await new Promise((r) => setTimeout(r, SAMPLE_MS));
    }
  })();

  // One play every 50 ms from a production writer's point of view.
  const latencies: number[] = [];
  let slot = 10_000_000;
  const writing = (async () => {
    while (!done) {
      const s = performance.now();
      slot++;
      await sql`INSERT INTO plays (user_id, play_item_id, created_at, updated_at, slot, signature)
                VALUES (1, 1, now(), now(), ${slot}, ${`w${slot}`})`.execute(writer.db);
      latencies.push(performance.now() - s);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();

  const perFile: Record<string, number> = {};
  const prebuilt: string[] = [];
  let started = 0;
  const t0 = performance.now();
  await migrate(migrator.db, undefined, {
    prebuildIndexes,
    onStart: () => {
      started = performance.now();
    },
    onApplied: (file) => {
      perFile[file] = Math.round(performance.now() - started);
    },
    onPrebuilt: (_file, index) => prebuilt.push(index),
  });
  const totalMs = Math.round(performance.now() - t0);
  done = true;
  await Promise.all([sampler, writing]);
  await Promise.all([migrator.close(), spy.close(), writer.close()]);

  const sorted = [...latencies].sort((a, b) => a - b);
  const locks = [...held]
    .filter(([k]) => k.startsWith('plays ') || BLOCKS_WRITERS.has(k.split(' ')[1]!))
    .sort(([, a], [, b]) => b.ms - a.ms)
    .map(([k, h]) => ({
      lock: k,
      sampledMs: h.ms,
      longestMs: h.longest,
      blocksWriters: BLOCKS_WRITERS.has(k.split(' ')[1]!),
      ...(h.waited ? { waited: true } : {}),
    }));
  return {
    totalMs,
    perFileMs: perFile,
    prebuilt,
    writer: {
      inserts: latencies.length,
      p50Ms: Math.round(sorted[Math.floor(sorted.length * 0.5)] ?? 0),
      p99Ms: Math.round(sorted[Math.floor(sorted.length * 0.99)] ?? 0),
      maxMs: Math.round(sorted.at(-1) ?? 0),
    },
    locks: locks.slice(0, 25),
  };
}
