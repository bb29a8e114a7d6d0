// Challenge benchmarks (issue 6), figures not assertions:
//  - the cooldown probe's per-row time at 1M notification rows, written `user_ids @> ARRAY[uid]` (what
//    on_user_challenge runs) and `uid = ANY(user_ids)` (production's trigger before #880);
//  - on_user_challenge and on_play per-row trigger time at that size;
//  - a challenge tick (m, r, rv, rd) with 100 dirty users at 20k and at 2M user_events rows.
// Usage: tsx bench/challenges.ts            (starts an ephemeral PostgreSQL 15)
//        DATABASE_URL=postgres://… tsx bench/challenges.ts   (creates and drops a scratch database there)
import { performance } from 'node:perf_hooks';
import { type Kysely, sql } from 'kysely';
import { startEphemeralPostgres } from '../sim/ephemeral-postgres.js';
import { measureTriggerLatency } from '../sim/invariants-challenges.js';
import { advanceCheckpoint } from '../src/challenges/checkpoints.js';
import type { ChallengeProcessor } from '../src/challenges/framework.js';
import { mobileInstall } from '../src/challenges/processors/mobile-install.js';
import { referral, referralVerified } from '../src/challenges/processors/referral.js';
import { referred } from '../src/challenges/processors/referred.js';
import { runChallengeTick } from '../src/challenges/tick.js';
import { connect } from '../src/db/connect.js';
import { migrate } from '../src/db/migrate.js';
import type { Database } from '../src/db/schema.js';
import { systemClock } from '../src/deps/clock.js';
import { silentLogger } from '../src/deps/logger.js';

export const USER_EVENT_PROCESSORS: readonly ChallengeProcessor[] = [
  mobileInstall,
  referral,
  referralVerified,
  referred,
];
const REFERRERS = 500;

export interface ChallengeFigures {
  notificationRows: number;
  probe: { gin: ProbeFigure; any: ProbeFigure };
  triggers: { onUserChallengeMsPerRow: number; onPlayMsPerRow: number; cooldownProbeMsPerRow: number };
  ticks: TickFigure[];
}

interface ProbeFigure {
  samples: number;
  meanMs: number;
  maxMs: number;
  plan: string;
}

interface TickFigure {
  userEvents: number;
  dirtyUsers: number;
  tickMs: number;
  written: number;
  dirtyScanPlan: string;
}

const log = (msg: string) => console.error(`[bench:challenges] ${msg}`);

async function timed<T>(what: string, f: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const r = await f();
  log(`${what}: ${(performance.now() - t0).toFixed(0)} ms`);
  return r;
}

/** n notification rows over 30 types (1 in 30 reward_in_cooldown), 200k recipients, a year of timestamps. */
export async function loadNotifications(db: Kysely<Database>, n: number): Promise<void> {
  await sql`
    INSERT INTO notification (specifier, group_id, type, "timestamp", user_ids)
    SELECT (g % 200000)::text, 'bench:' || g,
           CASE g % 30 WHEN 0 THEN 'reward_in_cooldown' WHEN 1 THEN 'challenge_reward'
                WHEN 2 THEN 'claimable_reward' ELSE 'type_' || (g % 30) END,
           timestamp '2024-06-01' + (g % 525600) * interval '1 minute', ARRAY[((g::bigint * 7919) % 200000)::int]
    FROM generate_series(1, ${n}) g`.execute(db);
  await sql`VACUUM ANALYZE notification`.execute(db);
}

export async function cooldownProbe(
  db: Kysely<Database>,
  form: 'gin' | 'any',
  samples: number,
): Promise<ProbeFigure> {
  const users = await sql<{ u: number }>`
    SELECT DISTINCT unnest(user_ids) AS u FROM notification WHERE type = 'reward_in_cooldown' LIMIT ${samples}`.execute(
    db,
  );
  const times: number[] = [];
  let plan = '';
  for (const { u } of users.rows) {
    const predicate = form === 'gin' ? `user_ids @> ARRAY[${u}]` : `${u} = ANY(user_ids)`;
    const res = await sql
      .raw<{ 'QUERY PLAN': { 'Execution Time': number; Plan: unknown }[] }>(
        `EXPLAIN (ANALYZE, FORMAT JSON) SELECT 1 FROM notification
       WHERE type = 'reward_in_cooldown' AND ${predicate} AND "timestamp" >= timestamp '2025-01-01' - interval '1 hour'
       LIMIT 1`,
      )
      .execute(db);
    const p = res.rows[0]!['QUERY PLAN'][0]!;
    times.push(p['Execution Time']);
    plan ||= planNodes(p.Plan);
  }
  return {
    samples: times.length,
    meanMs: times.reduce((a, b) => a + b, 0) / times.length,
    maxMs: Math.max(...times),
    plan,
  };
}

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

function planNodes(p: unknown): string {
  const n = p as PlanNode;
  const self = `${n['Node Type']}${n['Index Name'] ? ` on ${n['Index Name']}` : n['Relation Name'] ? ` on ${n['Relation Name']}` : ''}`;
  return [self, ...(n.Plans ?? []).map(planNodes)].join(' > ');
}

/** user_events rows [from, to): blocks of 20 users, a third mobile, a quarter referred by one of 500. */
export async function loadUserEvents(db: Kysely<Database>, from: number, to: number): Promise<void> {
  await sql`
    INSERT INTO user_events (blockhash, blocknumber, is_current, user_id, referrer, is_mobile_user)
    SELECT 'bh', g / 20, true, g, CASE WHEN g % 4 = 0 THEN 1 + g % ${REFERRERS} END, g % 3 = 0
    FROM generate_series(${from}::int, ${to - 1}::int) g`.execute(db);
  await sql`ANALYZE user_events`.execute(db);
}

export async function tickWithDirty(
  db: Kysely<Database>,
  userEvents: number,
  dirty: number,
  firstUser: number,
): Promise<TickFigure> {
  // Start "from now" (cutover seeding), then make `dirty` users — never processed before — dirty in one
  // new block: each completes m, rd and r or rv, so the tick writes and fires the trigger for real.
  const max = await sql<{ m: number }>`SELECT max(blocknumber) AS m FROM user_events`.execute(db);
  const bn = max.rows[0]!.m + 1;
  for (const p of USER_EVENT_PROCESSORS)
    for (const cp of p.checkpoints) await advanceCheckpoint(db, cp.name, bn - 1);
  await sql`
    UPDATE user_events SET is_current = false WHERE is_current AND user_id IN (SELECT g FROM generate_series(${firstUser}::int, ${firstUser + dirty - 1}::int) g)`.execute(
    db,
  );
  await sql`
    INSERT INTO user_events (blockhash, blocknumber, is_current, user_id, referrer, is_mobile_user)
    SELECT 'bh', ${bn}, true, g, 1 + g % ${REFERRERS}, true
    FROM generate_series(${firstUser}::int, ${firstUser + dirty - 1}::int) g`.execute(db);
  const scan = await sql
    .raw<{ 'QUERY PLAN': { Plan: unknown }[] }>(
      `EXPLAIN (FORMAT JSON) SELECT user_id, blocknumber FROM user_events
     WHERE blocknumber > ${bn - 1} AND blocknumber <= 2147483647 AND is_current AND is_mobile_user
     ORDER BY blocknumber, user_id LIMIT 5000`,
    )
    .execute(db);
  const t0 = performance.now();
  const report = await runChallengeTick(db, {
    logger: silentLogger,
    clock: systemClock,
    processors: USER_EVENT_PROCESSORS,
  });
  const tickMs = performance.now() - t0;
  const failed = report.runs.filter((r) => r.status !== 'ok');
  if (failed.length > 0) throw new Error(`tick failed: ${JSON.stringify(failed)}`);
  return {
    userEvents,
    dirtyUsers: dirty,
    tickMs,
    written: report.runs.reduce((s, r) => s + r.written, 0),
    dirtyScanPlan: planNodes(scan.rows[0]!['QUERY PLAN'][0]!.Plan),
  };
}

export async function benchChallenges(db: Kysely<Database>): Promise<ChallengeFigures> {
  const notificationRows = 1_000_000;
  await timed(`load ${notificationRows} notification rows + VACUUM ANALYZE`, () =>
    loadNotifications(db, notificationRows),
  );
  const gin = await timed('cooldown probe, @> (200 users)', () => cooldownProbe(db, 'gin', 200));
  const any = await timed('cooldown probe, = ANY (10 users)', () => cooldownProbe(db, 'any', 10));
  await sql`
    INSERT INTO tracks (track_id, is_current, owner_id, created_at, updated_at)
    VALUES (1, true, 1, '2025-01-01', '2025-01-01')`.execute(db);
  const triggers = await timed('trigger latency (200 rows)', () => measureTriggerLatency(db, 200));
  await sql`
    INSERT INTO users (user_id, txhash, is_current, handle, handle_lc, blocknumber, created_at, updated_at)
    SELECT g, 'tx', true, 'u' || g, 'u' || g, 1, '2025-01-01', '2025-01-01' FROM generate_series(1, ${REFERRERS}::int) g`.execute(
    db,
  );
  const ticks: TickFigure[] = [];
  await timed('load 20k user_events', () => loadUserEvents(db, 1, 20_001));
  ticks.push(await timed('tick, 100 dirty at 20k', () => tickWithDirty(db, 20_000, 100, 1)));
  await timed('grow user_events to 2M', () => loadUserEvents(db, 20_001, 2_000_001));
  ticks.push(await timed('tick, 100 dirty at 2M', () => tickWithDirty(db, 2_000_000, 100, 1_000_001)));
  return { notificationRows, probe: { gin, any }, triggers, ticks };
}

async function main(): Promise<void> {
  const external = process.env.DATABASE_URL;
  const server = external ? undefined : await startEphemeralPostgres();
  const serverUrl = external ?? server!.url;
  const scratch = `bench_challenges_${process.pid}`;
  const admin = await connect(serverUrl, { poolSize: 1 });
  await sql.raw(`CREATE DATABASE ${scratch}`).execute(admin.db);
  const u = new URL(serverUrl);
  u.pathname = `/${scratch}`;
  const h = await connect(u.toString(), { poolSize: 2 });
  try {
    await migrate(h.db);
    const figures = await benchChallenges(h.db);
    console.log(JSON.stringify(figures, null, 2));
  } finally {
    await h.close();
    await sql.raw(`DROP DATABASE IF EXISTS ${scratch}`).execute(admin.db);
    await admin.close();
    await server?.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
