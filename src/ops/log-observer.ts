// Structured logs hung on the run loop's observer: the progress line (at most every 10 s, the Go ETL's
// fields), every fetch retry with its height and reason, block retries, gaps.

import { RpcError } from '../chain/rpc-source.js';
import type { Clock } from '../deps/clock.js';
import type { Logger } from '../deps/logger.js';
import type { RunObserver } from '../indexer/run.js';
import { BlockError } from '../shared/errors.js';

export const PROGRESS_EVERY_MS = 10_000;

export function logObserver(logger: Logger, clock: Clock, everyMs = PROGRESS_EVERY_MS): RunObserver {
  const started = clock.monotonicMs();
  let last = started;
  let blocks = 0;
  let txs = 0;
  let rejects = 0;
  let unrouted = 0;
  return {
    onStart: (r) => logger.info(r, 'block source: polling prefetcher'),
    onBlock({ stats, chainHead, prefetchDepth, durationMs }) {
      blocks++;
      txs += stats.txs;
      rejects += stats.rejected + stats.failed;
      unrouted += stats.unrouted;
      const now = clock.monotonicMs();
      if (now - last < everyMs) return;
      last = now;
      const secs = Math.max(0.001, (now - started) / 1000);
      logger.info(
        {
          block: stats.height,
          blocks_behind: chainHead !== undefined ? Math.max(0, chainHead - stats.height) : null,
          txs_in_block: stats.txs,
          em_txs: stats.emTxs,
          block_time_ms: Math.round(durationMs * 10) / 10,
          blocks_per_sec: Math.round((blocks / secs) * 10) / 10,
          txs_per_sec: Math.round((txs / secs) * 10) / 10,
          em_rejected: rejects,
          em_unrouted: unrouted,
          prefetch_buffered: prefetchDepth,
          total_blocks: blocks,
          total_txs: txs,
        },
        'indexing progress',
      );
    },
    onFetchRetry(height, reason, err, delayMs) {
      // Following the tip, "not produced yet" is the normal state: not worth a warning.
      if (reason === 'not-yet') return logger.debug({ height, delayMs }, 'waiting for the next block');
      logger.warn(
        {
          height,
          delayMs,
          err: err instanceof Error ? err.message : String(err),
          ...(err instanceof RpcError && {
            status: err.status,
            code: err.connectCode,
            retryable: err.retryable,
          }),
        },
        'fetch retry',
      );
    },
    onBlockRetry: (err, attempt, delayMs) =>
      logger.warn({ height: err.height, tx: err.txHash, attempt, delayMs, err: err.message }, 'block retry'),
    onGap: (err) =>
      logger.error({ height: err.height, tx: err.txHash, err: err.message }, 'block recorded as a gap'),
    // Not an error of any block yet: each is indexed alone next, and its own failure (if any) is logged then.
    onGroupFallback: ({ from, to, error }) =>
      logger.warn(
        {
          from,
          to,
          ...(error instanceof BlockError && { height: error.height, tx: error.txHash }),
          err: error instanceof Error ? error.message : String(error),
        },
        'group transaction failed; indexing its blocks one at a time',
      ),
    onSkippedRange: ({ from, to }) =>
      logger.warn(
        { from, to, heights: to - from + 1 },
        'explicit start above the resume point (--allow-gap): the skipped heights are recorded in metronome_block_gaps',
      ),
  };
}

/** Several observers as one (metrics, logs, the challenge scheduler). */
export function mergeObservers(...all: readonly RunObserver[]): RunObserver {
  return {
    onStart: (r) => {
      for (const o of all) o.onStart?.(r);
    },
    onBlock: (e) => {
      for (const o of all) o.onBlock?.(e);
    },
    onAlreadyIndexed: (h) => {
      for (const o of all) o.onAlreadyIndexed?.(h);
    },
    onFetchRetry: (h, r, e, d) => {
      for (const o of all) o.onFetchRetry?.(h, r, e, d);
    },
    onBlockRetry: (e, a, d) => {
      for (const o of all) o.onBlockRetry?.(e, a, d);
    },
    onGap: (e) => {
      for (const o of all) o.onGap?.(e);
    },
    onGroupFallback: (e) => {
      for (const o of all) o.onGroupFallback?.(e);
    },
    onSkippedRange: (r) => {
      for (const o of all) o.onSkippedRange?.(r);
    },
  };
}
