// The run loop: prefetch → index, with an explicit block-failure policy. Retryable failures (database or
// node trouble) retry the same block; a deterministic failure either halts (default) or is written to
// metronome_block_gaps (record-and-continue). Never a silent skip.
//
// Group commit: when the prefetcher already holds a backlog, consecutive blocks are applied in one
// transaction (each block still all or nothing: any failure rolls back the group, whose blocks are then
// indexed one per transaction). At the tip the backlog is empty, so each block commits on its own.
import { type Kysely, sql } from 'kysely';
import type { BlockSource } from '../chain/block-source.js';
import { Prefetcher, type PrefetchItem } from '../chain/prefetcher.js';
import type { Database } from '../db/schema.js';
import type { Clock } from '../deps/clock.js';
import { BlockError, describe, isRetryable } from '../shared/errors.js';
import {
  applyGroup,
  type BlockStats,
  type IndexBlockResult,
  type IndexDeps,
  indexBlock,
} from './index-block.js';
import { type ResumePoint, resolveStartHeight } from './resume.js';

export type FailurePolicy = 'halt' | 'record-and-continue';

export interface RunObserver {
  onStart?(resume: ResumePoint): void;
  onBlock?(event: {
    stats: BlockStats;
    durationMs: number;
    chainHead: number | undefined;
    prefetchDepth: number;
    /** Block timestamp → committed, for a block fetched as the tip moved (absent in backfill). */
    tipLatencyMs?: number;
  }): void;
  onAlreadyIndexed?(height: number): void;
  onFetchRetry?(height: number, reason: 'error' | 'not-yet', error: unknown, delayMs: number): void;
  onBlockRetry?(error: BlockError, attempt: number, delayMs: number): void;
  onGap?(error: BlockError): void;
  /** A group transaction failed and rolled back: its blocks are indexed one at a time next. */
  onGroupFallback?(event: { from: number; to: number; error: unknown }): void;
  /** An explicit start above the resume point, allowed by the operator: these heights were recorded as gaps. */
  onSkippedRange?(range: { from: number; to: number }): void;
}

export interface RunOptions {
  readonly db: Kysely<Database>;
  readonly source: BlockSource;
  readonly deps: IndexDeps;
  readonly clock: Clock;
  readonly explicitStart?: number;
  /**
   * An explicit start above the resume point leaves heights behind: refused (GapRefusedError) unless this is
   * set, which records each skipped height in metronome_block_gaps before the first block.
   */
  readonly allowGap?: boolean;
  readonly defaultStart?: number;
  /** Inclusive: a bounded run ends cleanly after this height. */
  readonly endHeight?: number;
  readonly failurePolicy?: FailurePolicy;
  readonly prefetchBuffer?: number;
  /** The prefetch buffer's bound in bytes (PrefetchOptions.bufferBytes). */
  readonly prefetchBufferBytes?: number;
  /** How often a height the node has not produced yet is asked again. */
  readonly tipPollMs?: number;
  /** Most blocks committed together during backfill; 1 disables group commit. */
  readonly maxGroupBlocks?: number;
  /** Give up on a retryable block or node failure after this long (default: retry forever). */
  readonly retryDeadlineMs?: number;
  readonly signal?: AbortSignal;
  readonly observer?: RunObserver;
  /**
   * Runs before every block transaction (the daemon re-takes its single-instance lock here after a
   * database restart). Retryable errors retry the block; any other stops the run as a GuardError.
   */
  readonly beforeTransaction?: () => Promise<void>;
}

export interface RunSummary {
  readonly startHeight: number;
  /** Last height this run got past (indexed, already indexed, or recorded as a gap). */
  readonly lastHeight: number;
  readonly blocksIndexed: number;
  readonly gaps: number;
  readonly stoppedBy: 'end' | 'signal' | 'source-exhausted';
}

/** The beforeTransaction hook failed for good: the run stops whatever the block policy (never a gap). */
export class GuardError extends Error {
  override name = 'GuardError';
  constructor(
    override readonly cause: unknown,
    /** The block the hook ran before. */
    readonly height: number,
  ) {
    super(describe(cause));
  }
}

/** An explicit start above the resume point without allowGap: nothing was written. */
export class GapRefusedError extends Error {
  override name = 'GapRefusedError';
  constructor(readonly range: { readonly from: number; readonly to: number }) {
    super(
      `starting at ${range.to + 1} would leave heights ${range.from}..${range.to} (${range.to - range.from + 1} blocks) never indexed; start at ${range.from} (or omit --from) to fill them, or pass --allow-gap to record them in metronome_block_gaps and go on`,
    );
  }
}

/** Thrown by the halt policy: the daemon exits non-zero with this message. */
export class HaltError extends Error {
  override name = 'HaltError';
  constructor(readonly blockError: BlockError) {
    super(`halted at ${blockError.message}`);
  }
}

export const DEFAULT_MAX_GROUP_BLOCKS = 100;
/** Groups also stop at this many txs, so one transaction never grows without bound. */
const MAX_GROUP_TXS = 5000;
const BLOCK_RETRY_START_MS = 200;
const BLOCK_RETRY_MAX_MS = 5000;

export async function runIndexer(opts: RunOptions): Promise<RunSummary> {
  const resume = await resolveResume(opts);
  opts.observer?.onStart?.(resume);
  const prefetcher = openPrefetcher(opts, resume.height);
  const loop = new RunLoop(opts, prefetcher, resume.height);
  try {
    return loop.summary(await loop.drain());
  } finally {
    prefetcher.stop();
  }
}

/** Phase 1: where to start; an explicit start above the resume point is refused or recorded as gaps. */
async function resolveResume(opts: RunOptions): Promise<ResumePoint> {
  const resume = await resolveStartHeight(opts.db, opts.deps.chainId, {
    ...(opts.explicitStart !== undefined && { explicitStart: opts.explicitStart }),
    ...(opts.defaultStart !== undefined && { defaultStart: opts.defaultStart }),
  });
  if (resume.skipped) {
    if (!opts.allowGap) throw new GapRefusedError(resume.skipped);
    await recordSkippedRange(opts.db, resume.skipped, opts.clock);
    opts.observer?.onSkippedRange?.(resume.skipped);
  }
  return resume;
}

/** Phase 2: the fetcher running ahead of the indexer. */
function openPrefetcher(opts: RunOptions, startHeight: number): Prefetcher {
  const { observer } = opts;
  return new Prefetcher(opts.source, {
    startHeight,
    ...(opts.endHeight !== undefined && { endHeight: opts.endHeight }),
    ...(opts.prefetchBuffer !== undefined && { bufferSize: opts.prefetchBuffer }),
    ...(opts.prefetchBufferBytes !== undefined && { bufferBytes: opts.prefetchBufferBytes }),
    ...(opts.tipPollMs !== undefined && { tipPollMs: opts.tipPollMs }),
    ...(opts.retryDeadlineMs !== undefined && { retryDeadlineMs: opts.retryDeadlineMs }),
    clock: opts.clock,
    ...(opts.signal && { signal: opts.signal }),
    onRetry: (h, reason, err, delay) => observer?.onFetchRetry?.(h, reason, err, delay),
  });
}

/** Phase 3: blocks from the prefetcher indexed in order, alone or in groups, under the failure policy. */
class RunLoop {
  private lastHeight: number;
  private blocksIndexed = 0;
  private gaps = 0;
  private readonly policy: FailurePolicy;
  private readonly maxGroup: number;

  constructor(
    private readonly opts: RunOptions,
    private readonly prefetcher: Prefetcher,
    private readonly startHeight: number,
  ) {
    this.lastHeight = startHeight - 1;
    this.policy = opts.failurePolicy ?? 'halt';
    this.maxGroup = Math.max(1, opts.maxGroupBlocks ?? DEFAULT_MAX_GROUP_BLOCKS);
  }

  async drain(): Promise<RunSummary['stoppedBy']> {
    const { signal, endHeight } = this.opts;
    try {
      for await (const first of this.prefetcher) {
        // The prefetcher stops at endHeight, so a group never runs past a bounded run's end.
        let pending = [first, ...this.prefetcher.takeReady(this.maxGroup - 1)];
        while (pending.length > 0) {
          const n = fitCount(pending);
          await this.indexGroup(pending.slice(0, n));
          pending = pending.slice(n);
        }
        if (signal?.aborted) return 'signal';
        if (endHeight !== undefined && this.lastHeight >= endHeight) return 'end';
      }
    } catch (e) {
      if (e instanceof StopSignal) return 'signal';
      throw e;
    }
    return signal?.aborted ? 'signal' : 'source-exhausted';
  }

  summary(stoppedBy: RunSummary['stoppedBy']): RunSummary {
    this.prefetcher.stop();
    const { startHeight, lastHeight, blocksIndexed, gaps } = this;
    return { startHeight, lastHeight, blocksIndexed, gaps, stoppedBy };
  }

  private async guard(height: number): Promise<void> {
    try {
      await this.opts.beforeTransaction?.();
    } catch (e) {
      throw isRetryable(e) ? e : new GuardError(e, height);
    }
  }

  private report(item: PrefetchItem, result: IndexBlockResult, durationMs: number): void {
    this.lastHeight = item.block.height;
    if (result.status !== 'indexed') {
      this.opts.observer?.onAlreadyIndexed?.(item.block.height);
      return;
    }
    this.blocksIndexed++;
    // Only for blocks met at the tip: a backfilled block's age says nothing about latency. The block's
    // timestamp stands for the moment the node had it (docs/operations.md).
    const tipLatencyMs = item.atTip
      ? this.opts.clock.now().getTime() - Date.parse(item.block.timestamp)
      : undefined;
    this.opts.observer?.onBlock?.({
      stats: result.stats,
      durationMs,
      chainHead: item.chainHead,
      prefetchDepth: this.prefetcher.depth,
      ...(tipLatencyMs !== undefined && Number.isFinite(tipLatencyMs) && { tipLatencyMs }),
    });
  }

  /** One block, one transaction, with retries and the failure policy. */
  private async indexOne(item: PrefetchItem): Promise<void> {
    const { db, deps, clock, observer, signal, retryDeadlineMs } = this.opts;
    const { block } = item;
    let attempt = 0;
    let delay = 0;
    const firstTry = clock.monotonicMs();
    while (true) {
      const started = clock.monotonicMs();
      try {
        await this.guard(block.height);
        this.report(item, await indexBlock(db, block, deps), clock.monotonicMs() - started);
        return;
      } catch (e) {
        if (e instanceof GuardError) throw e;
        const err = e instanceof BlockError ? e : new BlockError(block.height, isRetryable(e), e);
        const pastDeadline =
          retryDeadlineMs !== undefined && clock.monotonicMs() - firstTry > retryDeadlineMs;
        if (err.retryable && !pastDeadline && !signal?.aborted) {
          attempt++;
          delay = Math.min(BLOCK_RETRY_MAX_MS, delay === 0 ? BLOCK_RETRY_START_MS : delay * 2);
          observer?.onBlockRetry?.(err, attempt, delay);
          await clock.sleep(delay, signal).catch(() => {});
          continue;
        }
        if (err.retryable && signal?.aborted) throw new StopSignal();
        if (this.policy === 'halt') throw new HaltError(err);
        await recordGap(db, block.height, err, attempt + 1, clock);
        this.gaps++;
        this.lastHeight = block.height;
        observer?.onGap?.(err);
        return;
      }
    }
  }

  private async indexGroup(group: readonly PrefetchItem[]): Promise<void> {
    if (group.length === 1) return this.indexOne(group[0]!);
    const { clock } = this.opts;
    const started = clock.monotonicMs();
    let results: IndexBlockResult[];
    try {
      await this.guard(group[0]!.block.height);
      results = await this.commitGroup(group);
    } catch (e) {
      if (e instanceof GuardError) throw e;
      // The group rolled back (or, when the connection died during COMMIT, may have committed): index its
      // blocks one at a time; each one's etl_blocks claim tells an already-committed block from a new one.
      this.opts.observer?.onGroupFallback?.({
        from: group[0]!.block.height,
        to: group[group.length - 1]!.block.height,
        error: e,
      });
      for (const item of group) await this.indexOne(item);
      return;
    }
    const each = (clock.monotonicMs() - started) / group.length;
    group.forEach((item, i) => {
      this.report(item, results[i]!, each);
    });
  }

  /** The group in one transaction (index-block.ts applyGroup). */
  private commitGroup(group: readonly PrefetchItem[]): Promise<IndexBlockResult[]> {
    const { db, deps } = this.opts;
    return db.transaction().execute((trx) =>
      applyGroup(
        trx,
        group.map((g) => g.block),
        deps,
      ),
    );
  }
}

/** How many leading blocks of a candidate group fit the tx budget (at least one). */
function fitCount(group: readonly PrefetchItem[]): number {
  let txs = 0;
  for (let i = 0; i < group.length; i++) {
    txs += group[i]!.block.txs.length;
    if (txs > MAX_GROUP_TXS) return Math.max(1, i);
  }
  return group.length;
}

class StopSignal extends Error {}

async function recordGap(
  db: Kysely<Database>,
  height: number,
  err: BlockError,
  attempts: number,
  clock: Clock,
) {
  await db
    .insertInto('metronome_block_gaps')
    .values({
      block_height: height,
      error: describe(err.cause).slice(0, 4000),
      attempts,
      recorded_at: clock.now().toISOString(),
    })
    .onConflict((oc) =>
      oc.column('block_height').doUpdateSet((eb) => ({
        error: eb.ref('excluded.error'),
        attempts: eb('metronome_block_gaps.attempts', '+', eb.ref('excluded.attempts')),
      })),
    )
    .execute();
}

/** One row per skipped height, in one statement (the range may be long); heights already there are kept. */
async function recordSkippedRange(db: Kysely<Database>, range: { from: number; to: number }, clock: Clock) {
  const reason = `skipped by an explicit start at ${range.to + 1} (--allow-gap): heights ${range.from}..${range.to} were never indexed`;
  await db
    .insertInto('metronome_block_gaps')
    .columns(['block_height', 'error', 'attempts', 'recorded_at'])
    .expression(
      db
        .selectFrom(sql<{ h: number }>`generate_series(${range.from}::bigint, ${range.to}::bigint)`.as('g'))
        .select([
          sql<number>`g`.as('block_height'),
          sql<string>`${reason}::text`.as('error'),
          sql<number>`0`.as('attempts'),
          sql<string>`${clock.now().toISOString()}::timestamp`.as('recorded_at'),
        ]),
    )
    .onConflict((oc) => oc.column('block_height').doNothing())
    .execute();
}
