import { writeFileSync } from 'node:fs';
import { sql } from 'kysely';
import { runSimulation } from './sim/run.js';
const seeds = JSON.parse(process.argv[2]!) as { seed: number; blocks: number; legacyWriter: boolean; faults: boolean; db?: string }[];
const out: unknown[] = [];
await Promise.all(seeds.map(async (c) => {
  const notified = new Set<string>();
  const t = performance.now();
  const r = await runSimulation({ db: 'postgres', hostileShare: 0.1, equivalence: false, ...c }, {
    inspectDb: async (db) => { for (const x of (await sql<{ type: string }>`SELECT DISTINCT type FROM notification`.execute(db)).rows) notified.add(x.type); },
  });
  out.push({ ...c, ms: Math.round(performance.now() - t), timings: r.timings, violations: r.report.violations.length, reasons: Object.keys(r.report.reasons), handlers: Object.keys(r.report.handlersReached), faults: r.report.faults, notified: [...notified], restarts: r.report.restarts });
}));
writeFileSync(process.argv[3]!, JSON.stringify(out, null, 1));
