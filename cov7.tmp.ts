import { writeFileSync } from 'node:fs';
import { sql } from 'kysely';
import { startEphemeralPostgres } from './sim/ephemeral-postgres.js';
import { runSimulation } from './sim/run.js';
const server = await startEphemeralPostgres();
try {
  const t = performance.now(); const c = process.cpuUsage();
  let firsts: unknown;
  const r = await runSimulation({ seed: 7, blocks: Number(process.argv[2]), legacyWriter: true, faults: true, db: server.url, hostileShare: 0.1, equivalence: false }, {
    inspectDb: async (db) => { firsts = (await sql`SELECT reason_code, min(block_height)::int AS h, count(*)::int AS n FROM etl_transactions WHERE reason_code IN ('already_reacted', 'already_subscribed', 'handle_reserved', 'not_muted') GROUP BY 1`.execute(db)).rows; },
  });
  const cu = process.cpuUsage(c);
  writeFileSync(process.argv[3]!, JSON.stringify({ ms: performance.now() - t, cpuMs: (cu.user + cu.system) / 1000, firsts, faults: r.report.faults, violations: r.report.violations }, null, 1));
} finally { await server.stop(); }
