// The challenge job: every processor in its own transaction, so one failing processor neither stops nor
// rolls back the others (docs/spec.md#challenge-processors). Called by `metronome challenges tick`, by the daemon every N blocks
// and by the simulator.
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Clock } from '../deps/clock.js';
import type { Logger } from '../deps/logger.js';
import { seedCheckpoint } from './checkpoints.js';
import { type ChallengeProcessor, DIRTY_SCAN_BATCH, type ProcessorResult } from './framework.js';
import { PROCESSORS } from './registry.js';

export interface ChallengeDeps {
  readonly logger: Logger;
  /** Durations only (monotonicMs); rows take their time from block data. */
  readonly clock: Clock;
  /** Dirty rows per processor per tick (default 5,000). */
  readonly batch?: number;
  /** Defaults to every registered processor. */
  readonly processors?: readonly ChallengeProcessor[];
}

export type RunStatus = 'ok' | 'busy' | 'failed';

export interface ProcessorRun extends ProcessorResult {
  readonly processor: string;
  readonly status: RunStatus;
  readonly ms: number;
  readonly error?: string;
}

export interface TickReport {
  /** False when a tick on this handle was already running (production's in-process mutex). */
  readonly ran: boolean;
  readonly runs: readonly ProcessorRun[];
  readonly ms: number;
}

const running = new WeakSet<object>();

/** Cross-process exclusion per processor: a CLI tick and the daemon never run the same one at once. */
function lockKey(name: string): string {
  return `metronome:challenges:${name}`;
}

export async function runChallengeTick(db: Kysely<Database>, deps: ChallengeDeps): Promise<TickReport> {
  if (running.has(db)) return { ran: false, runs: [], ms: 0 };
  running.add(db);
  const start = deps.clock.monotonicMs();
  try {
    const runs: ProcessorRun[] = [];
    for (const p of deps.processors ?? PROCESSORS) runs.push(await runOne(db, p, deps));
    return { ran: true, runs, ms: deps.clock.monotonicMs() - start };
  } finally {
    running.delete(db);
  }
}

class Busy extends Error {}

async function runOne(
  db: Kysely<Database>,
  p: ChallengeProcessor,
  deps: ChallengeDeps,
): Promise<ProcessorRun> {
  const start = deps.clock.monotonicMs();
  const ctx = { logger: deps.logger, batch: deps.batch ?? DIRTY_SCAN_BATCH };
  try {
    const result = await db.transaction().execute(async (trx) => {
      const got = await sql<{
        ok: boolean;
      }>`SELECT pg_try_advisory_xact_lock(hashtext(${lockKey(p.name)})) AS ok`.execute(trx);
      if (!got.rows[0]?.ok) throw new Busy();
      return p.run(trx, ctx);
    });
    const ms = deps.clock.monotonicMs() - start;
    if (result.scanned > 0) deps.logger.debug({ processor: p.name, ...result, ms }, 'challenge processor');
    return { processor: p.name, status: 'ok', ...result, ms };
  } catch (e) {
    const ms = deps.clock.monotonicMs() - start;
    if (e instanceof Busy) return { processor: p.name, status: 'busy', scanned: 0, keys: 0, written: 0, ms };
    const error = e instanceof Error ? e.message : String(e);
    deps.logger.error({ processor: p.name, err: error }, 'challenge processor failed; rolled back');
    return { processor: p.name, status: 'failed', scanned: 0, keys: 0, written: 0, ms, error };
  }
}

/**
 * Every processor's full recompute (all keys, checkpoints untouched), in the caller's transaction. The
 * simulator runs it inside a transaction it rolls back to compare with the incremental result.
 */
export async function recomputeAll(
  db: Kysely<Database>,
  deps: Pick<ChallengeDeps, 'logger' | 'processors' | 'batch'>,
): Promise<ProcessorRun[]> {
  const ctx = { logger: deps.logger, batch: deps.batch ?? DIRTY_SCAN_BATCH };
  const runs: ProcessorRun[] = [];
  for (const p of deps.processors ?? PROCESSORS) {
    const r = await p.full(db, ctx);
    runs.push({ processor: p.name, status: 'ok', ...r, ms: 0 });
  }
  return runs;
}

export interface SeededCheckpoint {
  readonly name: string;
  readonly value: number | null;
  /** False when the checkpoint already existed (seeding never rewinds or moves a running one). */
  readonly seeded: boolean;
  /** Set when the sources could not be read (e.g. a table this deployment does not index). */
  readonly error?: string;
}

/**
 * Cutover onto a database the legacy indexer already populated: start every processor "from now". Each
 * checkpoint is seeded in its own transaction, so one unreadable source does not block the others.
 */
export async function seedCheckpointsToMax(
  db: Kysely<Database>,
  processors: readonly ChallengeProcessor[] = PROCESSORS,
): Promise<SeededCheckpoint[]> {
  const out: SeededCheckpoint[] = [];
  for (const p of processors) {
    for (const cp of p.checkpoints) {
      try {
        out.push(
          await db.transaction().execute(async (trx) => {
            const res = await sql<{ v: number | null }>`SELECT (${sql.raw(cp.maxSql)}) AS v`.execute(trx);
            const value = res.rows[0]?.v ?? 0;
            return { name: cp.name, value, seeded: await seedCheckpoint(trx, cp.name, value) };
          }),
        );
      } catch (e) {
        out.push({
          name: cp.name,
          value: null,
          seeded: false,
          error: e instanceof Error ? e.message : String(e),
        });
      }
    }
  }
  return out;
}

/** Every checkpoint with the ceiling its sources allow (for the monotonicity invariant). */
export async function checkpointCeilings(
  db: Kysely<Database>,
  processors: readonly ChallengeProcessor[] = PROCESSORS,
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const p of processors) {
    for (const cp of p.checkpoints) {
      const res = await sql<{ v: number | null }>`SELECT (${sql.raw(cp.maxSql)}) AS v`.execute(db);
      out.set(cp.name, res.rows[0]?.v ?? 0);
    }
  }
  return out;
}
