// One simulation: a seeded chain, optionally a legacy writer and faults, fed to the production indexer
// (runIndexer → indexBlock) with the production resume path after every simulated crash. Returns a
// report whose content is a pure function of the options (timings are kept apart).
import { type Kysely, sql } from 'kysely';
import type { BlockSource, FetchResult } from '../src/chain/block-source.js';
import { decodeGetBlockResponse } from '../src/chain/decode.js';
import type { ChallengeProcessor } from '../src/challenges/framework.js';
import { PROCESSORS } from '../src/challenges/registry.js';
import { runChallengeTick } from '../src/challenges/tick.js';
import { connect, type DbHandle } from '../src/db/connect.js';
import { migrate } from '../src/db/migrate.js';
import type { Database } from '../src/db/schema.js';
import { silentLogger } from '../src/deps/logger.js';
import type { Dispatcher } from '../src/entity-manager/dispatcher.js';
import { productionDispatcher } from '../src/entity-manager/registry.js';
import { type IndexDeps, indexBlock } from '../src/indexer/index-block.js';
import type { PlaysHook } from '../src/indexer/plays-bridge.js';
import { type FailurePolicy, HaltError, runIndexer } from '../src/indexer/run.js';
import { type ChainView, SIM_CHAIN_ID, SimChain } from './chain.js';
import { SimClock } from './clock.js';
import { createDatabase, migratedTemplate } from './database.js';
import { type EphemeralPostgres, startEphemeralPostgres } from './ephemeral-postgres.js';
import {
  FaultCounters,
  type FaultPlan,
  faultPlan,
  faultySource,
  StatementFaults,
  throwingDispatcher,
} from './faults.js';
import { FileChain } from './file-chain.js';
import { diffDigests, digestTables, type TableDigest } from './golden.js';
import { checkCoreInvariants, INVARIANTS, type Violation } from './invariants.js';
import {
  type CheckpointSnapshot,
  checkpointMonotonicity,
  incrementalEqualsFull,
} from './invariants-challenges.js';
import { LegacyWriter } from './legacy-writer.js';
import { decide, Rng } from './rng.js';

export interface SimOptions {
  readonly seed: number;
  readonly blocks: number;
  /** `pglite://memory` (default), `postgres` (start an ephemeral server), or a `postgres://` server URL. */
  readonly db: string;
  readonly legacyWriter: boolean;
  readonly faults: boolean;
  readonly hostileShare: number;
  /** Run the crash-free twin and compare digests (crash-restart equivalence); on by default with faults. */
  readonly equivalence: boolean;
  /** `file:PATH`: replay a block file instead of generating the chain (`blocks` is then the file's length). */
  readonly source?: string;
  /** false: no challenge ticks, as `metronome index` without --challenges-every (absent means true). */
  readonly challenges?: boolean;
}

export const DEFAULT_OPTIONS: Omit<SimOptions, 'seed'> = {
  blocks: 300,
  db: 'pglite://memory',
  legacyWriter: false,
  faults: false,
  hostileShare: 0.1,
  equivalence: true,
};

/** Extension points tests and scenarios use to run a deliberately broken indexer. */
export interface SimHooks {
  readonly playsHook?: PlaysHook;
  readonly wrapSource?: (source: BlockSource) => BlockSource;
  readonly wrapDispatcher?: (d: Dispatcher) => Dispatcher;
  readonly maxGroupBlocks?: number;
  /** Overrides of the seed-derived fault rates (scenarios that need a crash in a specific window). */
  readonly faultRates?: Partial<Omit<FaultPlan, 'seed'>>;
  /** The block-failure policy (default halt); a broken indexer may swallow failures. */
  readonly failurePolicy?: FailurePolicy;
  /** Progress for a terminal bar: heights committed so far. */
  readonly onProgress?: (committed: number, total: number) => void;
  /** Runs once the schema is migrated, before the first block (the oracle swaps in production's triggers). */
  readonly prepareDb?: (db: Kysely<Database>) => Promise<void>;
  /** Runs after the checks, before the database is closed (the oracle reads the trigger-written tables). */
  readonly inspectDb?: (db: Kysely<Database>) => Promise<void>;
}

export interface SimReport {
  readonly seed: number;
  readonly options: Omit<SimOptions, 'db' | 'seed'> & { readonly engine: 'pglite' | 'postgres' };
  readonly blocks: number;
  readonly txs: number;
  readonly emTxs: number;
  readonly plays: number;
  readonly outcomes: Record<string, number>;
  readonly reasons: Record<string, number>;
  readonly handlersReached: Record<string, number>;
  readonly playCollisions: number;
  readonly playsSkipped: number;
  readonly blockKinds: Record<string, number>;
  readonly hostile: Record<string, number>;
  readonly faults: Record<string, number>;
  readonly restarts: number;
  readonly challengeTicks: number;
  readonly legacy: {
    readonly heights: number;
    readonly playsWritten: number;
    readonly blocksWritten: number;
  } | null;
  readonly invariantsChecked: readonly string[];
  readonly violations: readonly Violation[];
  readonly digest: TableDigest;
}

export interface SimResult {
  readonly report: SimReport;
  readonly timings: { readonly totalMs: number; readonly indexMs: number; readonly setupMs: number };
}

/** Enough restarts to get through any seed; a run that needs more is a bug in the harness. */
const MAX_RESTARTS = 10_000;

interface Database_ {
  handle: DbHandle;
  /** The database's name on a shared server (faults must never touch another run's connections). */
  name?: string;
  server?: EphemeralPostgres;
  legacy?: DbHandle;
  adminUrl?: string;
  close(): Promise<void>;
}

let databasesOpened = 0;

async function openDatabase(url: string, seed: number, tag: string, legacy: boolean): Promise<Database_> {
  if (url.startsWith('pglite://')) {
    const handle = await connect(url);
    // PGlite has one connection: the legacy writer shares it (its writes are serialised anyway).
    return { handle, ...(legacy ? { legacy: handle } : {}), close: () => handle.close() };
  }
  let server: EphemeralPostgres | undefined;
  let serverUrl = url;
  if (url === 'postgres') {
    // Outages stop the server with -m immediate: commits must be on disk (or at least in the OS) when
    // acknowledged, or an outage legitimately loses them. fsync stays off: the OS does not crash here.
    server = await startEphemeralPostgres({ extraSettings: { synchronous_commit: 'on' } });
    serverUrl = server.url;
  }
  // Unique within the process too: createDatabase drops a database of the same name (WITH FORCE), so two
  // runs of one seed and tag side by side in one process would otherwise drop each other's database.
  const name = `metronome_sim_${seed}_${tag}_${process.pid}_${++databasesOpened}`;
  // A server of our own is used once: migrating it directly is quicker than building a template first.
  const dbUrl = await createDatabase(
    serverUrl,
    name,
    server ? {} : { template: await migratedTemplate(serverUrl) },
  );
  const handle = await connect(dbUrl, { poolSize: 2, applicationName: 'metronome-sim-indexer' });
  const legacyHandle = legacy
    ? await connect(dbUrl, { poolSize: 1, applicationName: 'metronome-sim-legacy' })
    : undefined;
  return {
    handle,
    name,
    ...(server ? { server } : {}),
    ...(legacyHandle ? { legacy: legacyHandle } : {}),
    adminUrl: serverUrl,
    async close() {
      await legacyHandle?.close();
      await handle.close();
      await server?.stop();
    },
  };
}

export async function runSimulation(options: SimOptions, hooks: SimHooks = {}): Promise<SimResult> {
  const t0 = performance.now();
  const main = await simulateOnce(options, hooks, options.faults, 'main');
  let violations = [...main.report.violations];
  let invariantsChecked = [...main.report.invariantsChecked];
  if (options.faults && options.equivalence) {
    // The same seed without process-level faults must end with the same digest.
    const twin = await simulateOnce(options, hooks, false, 'twin');
    const diff = diffDigests(twin.report.digest, main.report.digest);
    violations = [
      ...violations,
      ...diff.map((message) => ({ invariant: 'crash-restart-equivalence', message })),
    ];
    invariantsChecked = [...invariantsChecked, 'crash-restart-equivalence'];
  }
  return {
    report: { ...main.report, violations, invariantsChecked },
    timings: { totalMs: performance.now() - t0, indexMs: main.indexMs, setupMs: main.setupMs },
  };
}

/** The chain a run indexes: the seed's generated chain, or a block file's (`source: 'file:PATH'`). */
export async function chainFor(options: SimOptions): Promise<ChainView> {
  return options.source?.startsWith('file:')
    ? FileChain.load(options.source.slice('file:'.length))
    : new SimChain({
        seed: options.seed,
        blocks: options.blocks,
        hostileShare: options.hostileShare,
        emptyRun: options.blocks >= 1000,
      });
}

/** Everything one run's phases share: the chain, the wired-up indexer and the run's mutable progress. */
interface RunContext {
  readonly options: SimOptions;
  readonly hooks: SimHooks;
  readonly injectFaults: boolean;
  readonly tag: string;
  readonly db: Kysely<Database>;
  /** `db` behind the statement faults when the run injects process faults. */
  readonly faultyDb: Kysely<Database>;
  readonly engine: 'pglite' | 'postgres';
  readonly chain: ChainView;
  readonly counters: FaultCounters;
  readonly clock: SimClock;
  readonly legacy: LegacyWriter | undefined;
  readonly deps: IndexDeps;
  readonly source: BlockSource;
  readonly processors: ChallengeProcessor[];
  readonly challengeDeps: { logger: typeof silentLogger; clock: SimClock; processors: ChallengeProcessor[] };
  /** Read by the source (legacy writer pacing) and the crash fault, written by the indexing loop. */
  readonly progress: { committedThrough: number; abort: AbortController };
}

/** What indexing leaves for the checks and the report. */
interface Indexed {
  readonly restarts: number;
  readonly ticks: number;
  readonly violations: Violation[];
}

async function simulateOnce(
  options: SimOptions,
  hooks: SimHooks,
  injectFaults: boolean,
  tag: string,
): Promise<{ report: SimReport; indexMs: number; setupMs: number }> {
  const t0 = performance.now();
  const dbx = await openDatabase(options.db, options.seed, tag, options.legacyWriter);
  try {
    await setupSchema(dbx.handle.db, options, hooks);
    const setupMs = performance.now() - t0;
    const ctx = await prepareRun(dbx, options, hooks, injectFaults, tag);
    const idx0 = performance.now();
    const indexed = await indexWithFaults(ctx);
    const indexMs = performance.now() - idx0;
    const violations = [...indexed.violations, ...(await checkInvariants(ctx))];
    const report = await buildReport(ctx, indexed, violations);
    return { report, indexMs, setupMs };
  } finally {
    await dbx.close();
  }
}

/** Setup: the schema migrated, challenges opened from block 0, the caller's preparation applied. */
async function setupSchema(db: Kysely<Database>, options: SimOptions, hooks: SimHooks): Promise<void> {
  await migrate(db);
  // The production catalog starts challenges around block 25M; the simulated chain starts at 1.
  if (options.challenges !== false) await sql`UPDATE challenges SET starting_block = 0`.execute(db);
  await hooks.prepareDb?.(db);
}

/** Chain generation and wiring: the chain, the fault plans, the legacy writer and the source the indexer reads. */
async function prepareRun(
  dbx: Database_,
  options: SimOptions,
  hooks: SimHooks,
  injectFaults: boolean,
  tag: string,
): Promise<RunContext> {
  const { seed } = options;
  const db = dbx.handle.db;
  const chain = await chainFor(options);
  const counters = new FaultCounters();
  // Data faults (a handler bug) are part of the scenario in both twins; process faults only in the main run.
  const dataPlan = { ...faultPlan(seed, options.faults), ...(options.faults ? hooks.faultRates : {}) };
  const processPlan = { ...faultPlan(seed, injectFaults), ...(injectFaults ? hooks.faultRates : {}) };
  const clock = new SimClock();
  const legacy = dbx.legacy ? new LegacyWriter(dbx.legacy.db, chain, seed) : undefined;
  const dispatcher = throwingDispatcher(
    (hooks.wrapDispatcher ?? ((d) => d))(productionDispatcher()),
    dataPlan,
    counters,
  );
  const deps: IndexDeps = {
    chainId: SIM_CHAIN_ID,
    dispatcher,
    logger: silentLogger,
    // Every value a handler patches into the block view is re-read and must match (a difference fails the block).
    auditView: true,
    ...(hooks.playsHook ? { playsHook: hooks.playsHook } : {}),
  };
  const processors = options.challenges === false ? [] : await availableProcessors(db);
  const challengeDeps = { logger: silentLogger, clock, processors };
  const progress = { committedThrough: 0, abort: new AbortController() };

  const stmtFaults = new StatementFaults(processPlan, counters, {
    crash: () => progress.abort.abort(new Error('simulated crash')),
    ...(dbx.adminUrl && injectFaults
      ? {
          dropConnections: async () => {
            const admin = await connect(dbx.adminUrl!, { poolSize: 1 });
            await sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                      WHERE application_name = 'metronome-sim-indexer' AND datname = ${dbx.name ?? ''}
                        AND pid <> pg_backend_pid()`.execute(admin.db);
            await admin.close();
          },
        }
      : {}),
    ...(dbx.server && injectFaults
      ? {
          outage: async () => {
            await dbx.server!.kill();
            await dbx.server!.restart();
          },
        }
      : {}),
  });
  const faultyDb: Kysely<Database> = injectFaults ? db.withPlugin(stmtFaults) : db;

  // The chain as the node serves it: decoded by the production decoder, behind RPC faults, with the
  // legacy writer's turn taken right before the indexer gets each height.
  const base: BlockSource = {
    chainId: async () => SIM_CHAIN_ID,
    async fetch(height, signal): Promise<FetchResult> {
      if (height > chain.length) return { status: 'end' };
      if (legacy) {
        // The legacy writer acts at a point fixed by the indexer's progress, so the run replays exactly.
        while (progress.committedThrough < height - 1) {
          if (signal.aborted) throw new Error('fetch abandoned');
          await new Promise<void>((r) => setImmediate(r));
        }
        await legacy.beforeIndexerReaches(height);
      }
      const decoded = decodeGetBlockResponse(chain.responseFor(height), height);
      return decoded.status === 'block' ? decoded : { status: 'not-yet', chainHead: decoded.chainHead };
    },
  };
  const source = (hooks.wrapSource ?? ((s) => s))(
    injectFaults ? faultySource(base, processPlan, counters) : base,
  );
  return {
    options,
    hooks,
    injectFaults,
    tag,
    db,
    faultyDb,
    engine: dbx.handle.backend,
    chain,
    counters,
    clock,
    legacy,
    deps,
    source,
    processors,
    challengeDeps,
    progress,
  };
}

/**
 * Indexing with faults: the production run loop in seed-chosen segments, restarted after every simulated
 * crash, with a challenge tick (and the checkpoint-monotonicity check) at the end of each segment.
 */
async function indexWithFaults(ctx: RunContext): Promise<Indexed> {
  const { options, hooks, injectFaults, tag, db, chain, counters, progress } = ctx;
  const { seed } = options;
  const tickRng = Rng.stream(seed, 'challenge-ticks');
  const violations: Violation[] = [];
  let checkpoints: CheckpointSnapshot | null = null;
  let restarts = 0;
  let ticks = 0;

  const tick = async () => {
    await runChallengeTick(db, ctx.challengeDeps);
    ticks++;
    const m = await checkpointMonotonicity(db, checkpoints, ctx.processors);
    checkpoints = m.snapshot;
    violations.push(...m.violations);
  };

  // Segments end at seed-chosen heights: a restart between blocks (crash after commit) and a challenge tick.
  let segmentEnd = 0;
  while (progress.committedThrough < chain.length) {
    if (segmentEnd <= progress.committedThrough)
      segmentEnd = Math.min(chain.length, progress.committedThrough + tickRng.int(20, 200));
    progress.abort = new AbortController();
    try {
      const summary = await runIndexer({
        db: ctx.faultyDb,
        source: ctx.source,
        deps: ctx.deps,
        clock: ctx.clock,
        endHeight: segmentEnd,
        failurePolicy: hooks.failurePolicy ?? 'halt',
        signal: progress.abort.signal,
        ...(hooks.maxGroupBlocks !== undefined ? { maxGroupBlocks: hooks.maxGroupBlocks } : {}),
        observer: {
          onStart: (resume) => {
            trace(`start ${tag} at ${resume.height} (${resume.reason})`);
            progress.committedThrough = resume.height - 1;
          },
          onBlock: ({ stats }) => {
            trace(`committed ${tag} ${stats.height}`);
            progress.committedThrough = stats.height;
            hooks.onProgress?.(progress.committedThrough, chain.length);
          },
          onAlreadyIndexed: (h) => {
            progress.committedThrough = h;
          },
        },
      });
      if (summary.stoppedBy === 'signal') {
        restarts++;
      } else if (summary.stoppedBy === 'source-exhausted' && progress.committedThrough < segmentEnd) {
        throw new Error(`source ended at ${progress.committedThrough} before ${segmentEnd}`);
      } else if (injectFaults && decide(seed, 0.3, 'restart-after-commit', segmentEnd)) {
        counters.add('crash_between_blocks');
        restarts++;
      }
    } catch (e) {
      if (progress.abort.signal.aborted) {
        // The process "died" outside a block (e.g. while resuming): start again.
        restarts++;
        continue;
      }
      if (e instanceof HaltError) {
        violations.push({ invariant: 'liveness', message: `indexer halted: ${e.message}` });
        break;
      }
      throw e;
    }
    if (restarts > MAX_RESTARTS)
      throw new Error(`more than ${MAX_RESTARTS} restarts: the run makes no progress`);
    if (progress.committedThrough >= segmentEnd && options.challenges !== false) await tick();
  }
  return { restarts, ticks, violations };
}

/** Invariants: redelivery changes nothing, then the core and challenge invariants over the final state. */
async function checkInvariants(ctx: RunContext): Promise<Violation[]> {
  const { db, chain, counters, legacy } = ctx;
  const violations: Violation[] = [];
  if (ctx.progress.committedThrough >= chain.length) {
    const before = await digestTables(db);
    const redeliver = Rng.stream(ctx.options.seed, 'redelivery');
    for (let i = 0; i < Math.min(5, chain.length); i++) {
      const h = redeliver.int(1, chain.length);
      const d = decodeGetBlockResponse(chain.responseFor(h), h);
      if (d.status !== 'block') continue;
      const res = await indexBlock(db, d.block, ctx.deps);
      counters.add('redelivery');
      if (res.status !== 'already-indexed')
        violations.push({
          invariant: 'redelivery-idempotence',
          message: `height ${h}: re-delivered block was indexed again`,
        });
    }
    const after = await digestTables(db);
    for (const m of diffDigests(before, after))
      violations.push({ invariant: 'redelivery-idempotence', message: m });
  }
  if (chain.emptyRun) counters.add('poison_empty_run');

  violations.push(
    ...(await checkCoreInvariants({
      db,
      chain,
      chainId: SIM_CHAIN_ID,
      through: chain.length,
      ...(legacy ? { legacy } : {}),
    })),
  );
  violations.push(...(await incrementalEqualsFull(db, ctx.challengeDeps)));
  return violations;
}

/** Report: deterministic figures read from the database (not from the indexer's memory), and the digest. */
async function buildReport(ctx: RunContext, indexed: Indexed, violations: Violation[]): Promise<SimReport> {
  const { options, db, chain, legacy } = ctx;
  const outcomes: Record<string, number> = {};
  const reasons: Record<string, number> = {};
  const oc = await sql<{ outcome: string; reason_code: string | null; n: number }>`
    SELECT outcome, reason_code, count(*)::int AS n FROM etl_transactions GROUP BY 1, 2 ORDER BY 1, 2`.execute(
    db,
  );
  for (const r of oc.rows) {
    outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + r.n;
    if (r.reason_code) reasons[r.reason_code] = r.n;
  }
  const handlers = await sql<{ k: string; n: number }>`
    SELECT entity_type || ':' || action AS k, count(*)::int AS n FROM etl_transactions
    WHERE outcome = 'applied' AND tx_type LIKE 'manage_entity%' GROUP BY 1 ORDER BY 1`.execute(db);
  const st = await sql<{ c: number; s: number; p: number; t: number; e: number }>`
    SELECT coalesce(sum(play_collisions),0)::int AS c, coalesce(sum(plays_skipped),0)::int AS s,
           coalesce(sum(plays),0)::int AS p, coalesce(sum(txs),0)::int AS t, coalesce(sum(em_txs),0)::int AS e
    FROM metronome_block_stats`.execute(db);
  const stats = st.rows[0]!;
  const kinds: Record<string, number> = {};
  const hostile: Record<string, number> = {};
  for (let h = 1; h <= chain.length; h++) {
    const info = chain.blockInfo(h);
    kinds[info.kind] = (kinds[info.kind] ?? 0) + 1;
    for (const [k, n] of Object.entries(info.hostile)) hostile[k] = (hostile[k] ?? 0) + n;
  }
  const digest = await digestTables(db);
  await ctx.hooks.inspectDb?.(db);
  return {
    seed: options.seed,
    options: {
      blocks: options.blocks,
      legacyWriter: options.legacyWriter,
      faults: options.faults,
      hostileShare: options.hostileShare,
      equivalence: options.equivalence,
      ...(options.challenges === false ? { challenges: false } : {}),
      engine: ctx.engine,
    },
    blocks: chain.length,
    txs: stats.t,
    emTxs: stats.e,
    plays: stats.p,
    outcomes: sortKeys(outcomes),
    reasons: sortKeys(reasons),
    handlersReached: Object.fromEntries(handlers.rows.map((r) => [r.k, r.n])),
    playCollisions: stats.c,
    playsSkipped: stats.s,
    blockKinds: sortKeys(kinds),
    hostile: sortKeys(hostile),
    faults: sortKeys(ctx.counters.counts),
    restarts: indexed.restarts,
    challengeTicks: indexed.ticks,
    legacy: legacy
      ? {
          heights: legacy.heightsTouched.size,
          playsWritten: legacy.playsWritten.size,
          blocksWritten: legacy.blocksWritten.size,
        }
      : null,
    // Every invariant but the twin comparison (added by runSimulation) and the latency budget (scenarios).
    invariantsChecked: INVARIANTS.filter(
      (n) => n !== 'crash-restart-equivalence' && n !== 'trigger-latency-budget',
    ),
    violations,
    digest,
  };
}

/**
 * Processors whose source tables exist in this schema. A processor over a table this build does not
 * index would fail every tick; the simulator leaves it out (and says so in the report via the tick count).
 */
async function availableProcessors(db: Kysely<Database>): Promise<ChallengeProcessor[]> {
  const out: ChallengeProcessor[] = [];
  for (const p of PROCESSORS) {
    // A dry run on the empty schema, rolled back: an undefined_table error means a source is missing.
    const ok = await db
      .transaction()
      .execute(async (trx) => {
        for (const cp of p.checkpoints) await sql`SELECT (${sql.raw(cp.maxSql)}) AS v`.execute(trx);
        await p.full(trx, { logger: silentLogger, batch: 5000 });
        throw new DryRunDone();
      })
      .catch((e: unknown) => e instanceof DryRunDone);
    if (ok) out.push(p);
  }
  return out;
}

class DryRunDone extends Error {}

/** SIM_TRACE=1 prints the indexer's progress events to stderr (not part of the report). */
function trace(msg: string): void {
  if (process.env.SIM_TRACE) process.stderr.write(`[sim] ${msg}\n`);
}

function sortKeys<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
