// The run loop: prefetch → indexBlock, one block at a time, with an explicit block-failure policy.
// Retryable failures (database or node trouble) retry the same block; a deterministic failure either
// halts (default) or is written to metronome_block_gaps (record-and-continue). Never a silent skip.
import type { Kysely } from 'kysely';
import type { BlockSource } from '../chain/block-source.js';
import { Prefetcher } from '../chain/prefetcher.js';
import type { Database } from '../db/schema.js';
import type { Clock } from '../deps/clock.js';
import { BlockError, describe } from './errors.js';
import { type BlockStats, type IndexDeps, indexBlock } from './index-block.js';
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
}

export interface RunOptions {
  readonly db: Kysely<Database>;
  readonly source: BlockSource;
  readonly deps: IndexDeps;
  readonly clock: Clock;
  readonly explicitStart?: number;
  readonly defaultStart?: number;
  /** Inclusive: a bounded run ends cleanly after this height. */
  readonly endHeight?: number;
  readonly failurePolicy?: FailurePolicy;
  readonly prefetchBuffer?: number;
  /** Give up on a retryable block failure after this long (default: retry forever). */
  readonly retryDeadlineMs?: number;
  readonly signal?: AbortSignal;
  readonly observer?: RunObserver;
}

export interface RunSummary {
  readonly startHeight: number;
  /** Last height committed by this run (or the one before the start when none was). */
  readonly lastHeight: number;
  readonly blocksIndexed: number;
  readonly gaps: number;
  readonly stoppedBy: 'end' | 'signal' | 'source-exhausted';
}

/** Thrown by the halt policy: the daemon exits non-zero with this message. */
export class HaltError extends Error {
  override name = 'HaltError';
  constructor(readonly blockError: BlockError) {
    super(`halted at ${blockError.message}`);
  }
}

const BLOCK_RETRY_START_MS = 200;
const BLOCK_RETRY_MAX_MS = 5000;

export async function runIndexer(opts: RunOptions): Promise<RunSummary> {
  const { db, clock, observer } = opts;
  const policy = opts.failurePolicy ?? 'halt';
  const resume = await resolveStartHeight(db, opts.deps.chainId, {
    ...(opts.explicitStart !== undefined && { explicitStart: opts.explicitStart }),
    ...(opts.defaultStart !== undefined && { defaultStart: opts.defaultStart }),
  });
  observer?.onStart?.(resume);
  const prefetcher = new Prefetcher(opts.source, {
    startHeight: resume.height,
    ...(opts.endHeight !== undefined && { endHeight: opts.endHeight }),
    ...(opts.prefetchBuffer !== undefined && { bufferSize: opts.prefetchBuffer }),
    clock,
    ...(opts.signal && { signal: opts.signal }),
    onRetry: (h, reason, err, delay) => observer?.onFetchRetry?.(h, reason, err, delay),
  });

  let lastHeight = resume.height - 1;
  let blocksIndexed = 0;
  let gaps = 0;
  for await (const item of prefetcher) {
    const { block } = item;
    let attempt = 0;
    let delay = 0;
    const firstTry = clock.monotonicMs();
    while (true) {
      const started = clock.monotonicMs();
      try {
        const result = await indexBlock(db, block, opts.deps);
        if (result.status === 'indexed') {
          blocksIndexed++;
          observer?.onBlock?.({
            stats: result.stats,
            durationMs: clock.monotonicMs() - started,
            chainHead: item.chainHead,
            prefetchDepth: prefetcher.depth,
          });
        } else {
          observer?.onAlreadyIndexed?.(block.height);
        }
        break;
      } catch (e) {
        const err = e instanceof BlockError ? e : new BlockError(block.height, false, e);
        const pastDeadline =
          opts.retryDeadlineMs !== undefined && clock.monotonicMs() - firstTry > opts.retryDeadlineMs;
        if (err.retryable && !pastDeadline) {
          if (opts.signal?.aborted) return summary('signal');
          attempt++;
          delay = Math.min(BLOCK_RETRY_MAX_MS, delay === 0 ? BLOCK_RETRY_START_MS : delay * 2);
          observer?.onBlockRetry?.(err, attempt, delay);
          await clock.sleep(delay, opts.signal).catch(() => {});
          continue;
        }
        if (policy === 'halt') {
          prefetcher.stop();
          throw new HaltError(err);
        }
        await recordGap(db, block.height, err, attempt + 1, clock);
        gaps++;
        observer?.onGap?.(err);
        break;
      }
    }
    lastHeight = block.height;
    if (opts.signal?.aborted) return summary('signal');
    if (opts.endHeight !== undefined && block.height >= opts.endHeight) return summary('end');
  }
  return summary(opts.signal?.aborted ? 'signal' : 'source-exhausted');

  function summary(stoppedBy: RunSummary['stoppedBy']): RunSummary {
    prefetcher.stop();
    return { startHeight: resume.height, lastHeight, blocksIndexed, gaps, stoppedBy };
  }
}

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
