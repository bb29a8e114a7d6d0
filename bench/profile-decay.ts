// pnpm bench:profile-decay [blocks]: where a long mainnet-like backfill spends its database time early and
// late. pg_stat_statements (nested statements included, so trigger bodies show) is read when the first 10%
// and the last 10% of the blocks begin and end; a statement whose mean time grows between the two windows is
// what makes backfill decay. Prints the two windows' top statements and trigger functions.
import { type Kysely, sql } from 'kysely';
import { startEphemeralPostgres } from '../sim/ephemeral-postgres.js';
import { connect } from '../src/db/connect.js';
import { migrate } from '../src/db/migrate.js';
import type { Database } from '../src/db/schema.js';
import { systemClock } from '../src/deps/clock.js';
import { silentLogger } from '../src/deps/logger.js';
import { productionDispatcher } from '../src/entity-manager/registry.js';
import { runIndexer } from '../src/indexer/run.js';
import { workloadSource } from './workloads.js';

const CHAIN = 'metronome-bench';
const TOP = 14;
const total = Number(process.argv[2] ?? 200_000);

interface Snapshot {
  readonly statements: Map<string, { calls: number; ms: number }>;
  readonly functions: Map<string, { calls: number; ms: number }>;
  readonly at: number;
}

async function snapshot(db: Kysely<Database>): Promise<Snapshot> {
  const statements = new Map<string, { calls: number; ms: number }>();
  const s = await sql<{ q: string; calls: string; ms: number }>`
    SELECT left(regexp_replace(query, '\\s+', ' ', 'g'), 100) AS q, calls::text, total_exec_time AS ms
    FROM pg_stat_statements`.execute(db);
  for (const r of s.rows) {
    const e = statements.get(r.q) ?? { calls: 0, ms: 0 };
    statements.set(r.q, { calls: e.calls + Number(r.calls), ms: e.ms + r.ms });
  }
  const f = await sql<{ f: string; calls: string; ms: number }>`
    SELECT funcname AS f, calls::text, self_time AS ms FROM pg_stat_user_functions`.execute(db);
  const functions = new Map(f.rows.map((r) => [r.f, { calls: Number(r.calls), ms: r.ms }]));
  return { statements, functions, at: performance.now() };
}

function printWindow(name: string, a: Snapshot, b: Snapshot): void {
  const delta = (x: Snapshot['statements'], y: Snapshot['statements']) =>
    [...y]
      .map(([k, v]) => ({ k, calls: v.calls - (x.get(k)?.calls ?? 0), ms: v.ms - (x.get(k)?.ms ?? 0) }))
      .filter((r) => r.calls > 0)
      .sort((p, q) => q.ms - p.ms);
  console.log(`${name}: ${(b.at - a.at).toFixed(0)} ms wall`);
  const line = (r: { k: string; calls: number; ms: number }) =>
    console.log(
      `  ${r.ms.toFixed(0).padStart(7)} ms ${String(r.calls).padStart(7)} calls ${((1000 * r.ms) / r.calls).toFixed(1).padStart(8)} µs  ${r.k}`,
    );
  delta(a.statements, b.statements).slice(0, TOP).forEach(line);
  delta(a.functions, b.functions).forEach(line);
}

const server = await startEphemeralPostgres({
  durable: true,
  extraSettings: {
    shared_preload_libraries: 'pg_stat_statements',
    'pg_stat_statements.track': 'all',
    track_functions: 'all',
  },
});
const h = await connect(server.url, { poolSize: 2 });
try {
  await migrate(h.db);
  await sql`CREATE EXTENSION IF NOT EXISTS pg_stat_statements`.execute(h.db);
  // Snapshots at the window edges, taken between transactions.
  const edges = [0, Math.floor(total / 10), Math.floor((9 * total) / 10)];
  const snaps: Snapshot[] = [];
  let indexed = 0;
  await runIndexer({
    db: h.db,
    source: workloadSource('mainnet-like', total, CHAIN),
    deps: { chainId: CHAIN, dispatcher: productionDispatcher(), logger: silentLogger },
    clock: systemClock,
    observer: { onBlock: () => void indexed++ },
    beforeTransaction: async () => {
      if (snaps.length < edges.length && indexed >= edges[snaps.length]!) snaps.push(await snapshot(h.db));
    },
  });
  snaps.push(await snapshot(h.db));
  printWindow(`first 10% (blocks 1–${edges[1]})`, snaps[0]!, snaps[1]!);
  printWindow(`last 10% (blocks ${edges[2]! + 1}–${total})`, snaps[2]!, snaps[3]!);
} finally {
  await h.close();
  await server.stop();
}
