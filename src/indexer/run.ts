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
import { isManageEntity } from '../chain/types.js';
import type { Database } from '../db/schema.js';
import type { Clock } from '../deps/clock.js';
import { BlockError, describe, isRetryable } from '../shared/errors.js';
import {
  applyBlock,
  applyPlainBlocks,
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
  }): void;
  onAlreadyIndexed?(height: number): void;
  onFetchRetry?(height: number, reason: 'error' | 'not-yet', error: unknown, delayMs: number): void;
  onBlockRetry?(error: BlockError, attempt: number, delayMs: number): void;
  onGap?(error: BlockError): void;
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
  const { db, clock, observer, deps } = opts;
  const policy = opts.failurePolicy ?? 'halt';
  const maxGroup = Math.max(1, opts.maxGroupBlocks ?? DEFAULT_MAX_GROUP_BLOCKS);
  const resume = await resolveStartHeight(db, deps.chainId, {
    ...(opts.explicitStart !== undefined && { explicitStart: opts.explicitStart }),
    ...(opts.defaultStart !== undefined && { defaultStart: opts.defaultStart }),
  });
  if (resume.skipped) {
    if (!opts.allowGap) throw new GapRefusedError(resume.skipped);
    await recordSkippedRange(db, resume.skipped, clock);
    observer?.onSkippedRange?.(resume.skipped);
  }
  observer?.onStart?.(resume);
  const prefetcher = new Prefetcher(opts.source, {
    startHeight: resume.height,
    ...(opts.endHeight !== undefined && { endHeight: opts.endHeight }),
    ...(opts.prefetchBuffer !== undefined && { bufferSize: opts.prefetchBuffer }),
    ...(opts.retryDeadlineMs !== undefined && { retryDeadlineMs: opts.retryDeadlineMs }),
    clock,
    ...(opts.signal && { signal: opts.signal }),
    onRetry: (h, reason, err, delay) => observer?.onFetchRetry?.(h, reason, err, delay),
  });

  let lastHeight = resume.height - 1;
  let blocksIndexed = 0;
  let gaps = 0;

  const guard = async (height: number): Promise<void> => {
    try {
      await opts.beforeTransaction?.();
    } catch (e) {
      throw isRetryable(e) ? e : new GuardError(e, height);
    }
  };

  const report = (item: PrefetchItem, result: IndexBlockResult, durationMs: number) => {
    lastHeight = item.block.height;
    if (result.status === 'indexed') {
      blocksIndexed++;
      observer?.onBlock?.({
        stats: result.stats,
        durationMs,
        chainHead: item.chainHead,
        prefetchDepth: prefetcher.depth,
      });
    } else {
      observer?.onAlreadyIndexed?.(item.block.height);
    }
  };

  /** One block, one transaction, with retries and the failure policy. */
  const indexOne = async (item: PrefetchItem): Promise<void> => {
    const { block } = item;
    let attempt = 0;
    let delay = 0;
    const firstTry = clock.monotonicMs();
    while (true) {
      const started = clock.monotonicMs();
      try {
        await guard(block.height);
        report(item, await indexBlock(db, block, deps), clock.monotonicMs() - started);
        return;
      } catch (e) {
        if (e instanceof GuardError) throw e;
        const err = e instanceof BlockError ? e : new BlockError(block.height, isRetryable(e), e);
        const pastDeadline =
          opts.retryDeadlineMs !== undefined && clock.monotonicMs() - firstTry > opts.retryDeadlineMs;
        if (err.retryable && !pastDeadline && !opts.signal?.aborted) {
          attempt++;
          delay = Math.min(BLOCK_RETRY_MAX_MS, delay === 0 ? BLOCK_RETRY_START_MS : delay * 2);
          observer?.onBlockRetry?.(err, attempt, delay);
          await clock.sleep(delay, opts.signal).catch(() => {});
          continue;
        }
        if (err.retryable && opts.signal?.aborted) throw new StopSignal();
        if (policy === 'halt') throw new HaltError(err);
        await recordGap(db, block.height, err, attempt + 1, clock);
        gaps++;
        lastHeight = block.height;
        observer?.onGap?.(err);
        return;
      }
    }
  };

  const indexGroup = async (group: readonly PrefetchItem[]): Promise<void> => {
    if (group.length === 1) return indexOne(group[0]!);
    const started = clock.monotonicMs();
    let results: IndexBlockResult[];
    try {
      await guard(group[0]!.block.height);
      results = await db.transaction().execute(async (trx) => {
        const out: IndexBlockResult[] = [];
        // Runs of blocks without ManageEntity txs share their claim and finish statements.
        for (let i = 0; i < group.length; ) {
          let j = i;
          while (j < group.length && !group[j]!.block.txs.some(isManageEntity)) j++;
          if (j > i) {
            out.push(
              ...(await applyPlainBlocks(
                trx,
                group.slice(i, j).map((g) => g.block),
                deps,
              )),
            );
            i = j;
          } else {
            out.push(await applyBlock(trx, group[i]!.block, deps));
            i++;
          }
        }
        return out;
      });
    } catch (e) {
      if (e instanceof GuardError) throw e;
      // The group rolled back (or, when the connection died during COMMIT, may have committed): index its
      // blocks one at a time; each one's etl_blocks claim tells an already-committed block from a new one.
      for (const item of group) await indexOne(item);
      return;
    }
    const each = (clock.monotonicMs() - started) / group.length;
    group.forEach((item, i) => {
      report(item, results[i]!, each);
    });
  };

  try {
    for await (const first of prefetcher) {
      // The prefetcher stops at endHeight, so a group never runs past a bounded run's end.
      let pending = [first, ...prefetcher.takeReady(maxGroup - 1)];
      while (pending.length > 0) {
        const n = fitCount(pending);
        await indexGroup(pending.slice(0, n));
        pending = pending.slice(n);
      }
      if (opts.signal?.aborted) return summary('signal');
      if (opts.endHeight !== undefined && lastHeight >= opts.endHeight) return summary('end');
    }
  } catch (e) {
    if (e instanceof StopSignal) return summary('signal');
    throw e;
  } finally {
    prefetcher.stop();
  }
  return summary(opts.signal?.aborted ? 'signal' : 'source-exhausted');

  function summary(stoppedBy: RunSummary['stoppedBy']): RunSummary {
    prefetcher.stop();
    return { startHeight: resume.height, lastHeight, blocksIndexed, gaps, stoppedBy };
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
