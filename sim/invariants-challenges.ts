// Challenge invariants for the simulator (issue 6): checkpoint monotonicity, incremental ≡ full, and the
// trigger latency budget. Each returns violations (empty = holds) with a message that names the row.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Kysely, sql } from 'kysely';
import { readAllCheckpoints } from '../src/challenges/checkpoints.js';
import type { ChallengeProcessor } from '../src/challenges/framework.js';
import {
  type ChallengeDeps,
  checkpointCeilings,
  recomputeAll,
  runChallengeTick,
} from '../src/challenges/tick.js';
import type { Database } from '../src/db/schema.js';
import type { Violation } from './invariants.js';

// ---------------------------------------------------------------------------------------------------
// Checkpoint monotonicity: a checkpoint never decreases, and never passes what its sources have committed.

export type CheckpointSnapshot = ReadonlyMap<string, number>;

export async function checkpointMonotonicity(
  db: Kysely<Database>,
  previous: CheckpointSnapshot | null,
  processors?: readonly ChallengeProcessor[],
): Promise<{ snapshot: CheckpointSnapshot; violations: Violation[] }> {
  const snapshot = await readAllCheckpoints(db);
  const ceilings = await checkpointCeilings(db, processors);
  const violations: Violation[] = [];
  for (const [name, before] of previous ?? []) {
    const now = snapshot.get(name);
    if (now === undefined || now < before) {
      violations.push({
        invariant: 'checkpoint-monotonicity',
        message: `${name} went from ${before} to ${now ?? 'absent'}`,
      });
    }
  }
  for (const [name, value] of snapshot) {
    const ceiling = ceilings.get(name);
    if (ceiling !== undefined && value > ceiling) {
      violations.push({
        invariant: 'checkpoint-monotonicity',
        message: `${name} = ${value} passes the committed maximum of its sources (${ceiling})`,
      });
    }
  }
  return { snapshot, violations };
}

// ---------------------------------------------------------------------------------------------------
// Incremental ≡ full. The incremental processors are drained (ticked until no checkpoint moves), then every
// processor's full recompute runs over every key on top of that state, in a transaction that is rolled
// back; it must change nothing. A user the dirty sets missed (a referrer flip keyed on the wrong table, a
// block skipped by the cap) shows up as a row the full recompute rewrites. Sticky completion makes "from
// an empty table" differ by design after any revocation, so the from-scratch comparison lives in the
// property test, which replays the same history through the full path (test/challenges/property.test.ts).

interface UcRow {
  challenge_id: string;
  specifier: string;
  user_id: number;
  is_complete: boolean;
  current_step_count: number | null;
  completed_blocknumber: number | null;
  amount: number;
  completed_at: string | null;
}

export async function snapshotUserChallenges(db: Kysely<Database>): Promise<Map<string, UcRow>> {
  const res = await sql<UcRow>`
    SELECT challenge_id, specifier, user_id, is_complete, current_step_count, completed_blocknumber, amount,
           completed_at::text AS completed_at
    FROM user_challenges ORDER BY challenge_id, specifier`.execute(db);
  return new Map(res.rows.map((r) => [`${r.challenge_id}/${r.specifier}`, r]));
}

export function diffUserChallenges(
  a: Map<string, UcRow>,
  b: Map<string, UcRow>,
  label: [string, string],
): string[] {
  const out: string[] = [];
  for (const key of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(key);
    const y = b.get(key);
    if (JSON.stringify(x) !== JSON.stringify(y)) {
      out.push(
        `${key}: ${label[0]} ${JSON.stringify(x ?? null)} vs ${label[1]} ${JSON.stringify(y ?? null)}`,
      );
    }
  }
  return out;
}

/** Ticks until no checkpoint moves (or `maxTicks`); returns the ticks run. */
export async function drainChallengeTicks(
  db: Kysely<Database>,
  deps: ChallengeDeps,
  maxTicks = 100,
): Promise<number> {
  let before = JSON.stringify([...(await readAllCheckpoints(db))]);
  for (let i = 1; i <= maxTicks; i++) {
    const report = await runChallengeTick(db, deps);
    const failed = report.runs.filter((r) => r.status === 'failed');
    if (failed.length > 0)
      throw new Error(`challenge tick failed: ${failed.map((f) => `${f.processor}: ${f.error}`).join('; ')}`);
    const after = JSON.stringify([...(await readAllCheckpoints(db))]);
    if (after === before) return i;
    before = after;
  }
  return maxTicks;
}

class Rollback extends Error {}

export async function incrementalEqualsFull(
  db: Kysely<Database>,
  deps: ChallengeDeps,
  opts: { drain?: boolean } = {},
): Promise<Violation[]> {
  if (opts.drain ?? true) await drainChallengeTicks(db, deps);
  let diffs: string[] = [];
  try {
    await db.transaction().execute(async (trx) => {
      const incremental = await snapshotUserChallenges(trx);
      await recomputeAll(trx, deps);
      diffs = diffUserChallenges(incremental, await snapshotUserChallenges(trx), ['incremental', 'full']);
      throw new Rollback();
    });
  } catch (e) {
    if (!(e instanceof Rollback)) throw e;
  }
  return diffs.map((message) => ({ invariant: 'incremental-equals-full', message }));
}

// ---------------------------------------------------------------------------------------------------
// Trigger latency budget: per-row server time of the cooldown probe, of on_user_challenge and of on_play,
// from EXPLAIN ANALYZE inside a rolled-back transaction, against sim/budgets.json. Meaningful on
// PostgreSQL; the caller decides where to run it.

export interface TriggerBudgets {
  readonly cooldownProbeMsPerRow: number;
  readonly onUserChallengeMsPerRow: number;
  readonly onPlayMsPerRow: number;
  readonly sampleRows: number;
}

export function loadBudgets(): TriggerBudgets {
  const file = join(dirname(fileURLToPath(import.meta.url)), 'budgets.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { triggerLatency: TriggerBudgets }).triggerLatency;
}

export interface TriggerLatency {
  readonly cooldownProbeMsPerRow: number;
  readonly onUserChallengeMsPerRow: number;
  readonly onPlayMsPerRow: number;
}

interface PlanJson {
  'Execution Time': number;
  Triggers?: { 'Trigger Name': string; Time: number; Calls: number }[];
}

async function explainAnalyze(db: Kysely<Database>, statement: string): Promise<PlanJson> {
  const res = await sql
    .raw<{ 'QUERY PLAN': PlanJson[] }>(`EXPLAIN (ANALYZE, FORMAT JSON) ${statement}`)
    .execute(db);
  return res.rows[0]!['QUERY PLAN'][0]!;
}

/** Measures the three per-row costs on the current data; nothing it writes survives. */
export async function measureTriggerLatency(
  db: Kysely<Database>,
  sampleRows: number,
): Promise<TriggerLatency> {
  let out: TriggerLatency | undefined;
  try {
    await db.transaction().execute(async (trx) => {
      // Recipients that already have notifications, so the probe walks real posting lists.
      const users = await sql<{ u: number }>`
        SELECT DISTINCT unnest(user_ids) AS u FROM notification WHERE type = 'reward_in_cooldown' LIMIT ${sampleRows}`.execute(
        trx,
      );
      const ids = users.rows.map((r) => r.u);
      while (ids.length < sampleRows) ids.push(2_000_000_000 - ids.length);
      const list = ids.join(',');
      let probeMs = 0;
      for (const uid of ids) {
        const p = await explainAnalyze(
          trx,
          `SELECT 1 FROM notification WHERE type = 'reward_in_cooldown' AND user_ids @> ARRAY[${uid}]
             AND "timestamp" >= timestamp '2025-01-01' - interval '1 hour' LIMIT 1`,
        );
        probeMs += p['Execution Time'];
      }
      const uc = await explainAnalyze(
        trx,
        `INSERT INTO user_challenges (challenge_id, user_id, specifier, is_complete, current_step_count, amount,
                                      created_at, completed_at)
         SELECT 'm', u, 'latency-probe:' || u, true, 1, 1, timestamptz '2025-01-01 00:00:00+00', timestamp '2025-01-01'
         FROM unnest(ARRAY[${list}]::int[]) AS u`,
      );
      const ucTrig = (uc.Triggers ?? []).filter((t) => t['Trigger Name'] === 'on_user_challenge');
      const track = await sql<{ id: number | null }>`SELECT max(track_id) AS id FROM tracks`.execute(trx);
      const play = await explainAnalyze(
        trx,
        `INSERT INTO plays (user_id, source, play_item_id, created_at, updated_at, slot, signature)
         SELECT g, 'latency-probe', ${track.rows[0]?.id ?? 1}, timestamp '2025-01-01' + g * interval '1 second',
                timestamp '2025-01-01', 0, 'latency-probe-' || g
         FROM generate_series(1, ${sampleRows}) g`,
      );
      const playTrig = (play.Triggers ?? []).filter((t) => !t['Trigger Name'].startsWith('RI_'));
      out = {
        cooldownProbeMsPerRow: probeMs / ids.length,
        onUserChallengeMsPerRow: ucTrig.reduce((s, t) => s + t.Time, 0) / ids.length,
        onPlayMsPerRow: playTrig.reduce((s, t) => s + t.Time, 0) / sampleRows,
      };
      throw new Rollback();
    });
  } catch (e) {
    if (!(e instanceof Rollback)) throw e;
  }
  return out!;
}

export async function triggerLatencyBudget(
  db: Kysely<Database>,
  budgets: TriggerBudgets = loadBudgets(),
): Promise<{ measured: TriggerLatency; violations: Violation[] }> {
  const measured = await measureTriggerLatency(db, budgets.sampleRows);
  const violations: Violation[] = [];
  const check = (what: keyof TriggerLatency, budget: number) => {
    if (measured[what] > budget) {
      violations.push({
        invariant: 'trigger-latency-budget',
        message: `${what} = ${measured[what].toFixed(3)} ms per row exceeds the budget of ${budget} ms (sim/budgets.json)`,
      });
    }
  };
  check('cooldownProbeMsPerRow', budgets.cooldownProbeMsPerRow);
  check('onUserChallengeMsPerRow', budgets.onUserChallengeMsPerRow);
  check('onPlayMsPerRow', budgets.onPlayMsPerRow);
  return { measured, violations };
}
