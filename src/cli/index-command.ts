// `metronome index`: the daemon. Prefetch from the node, index one block per transaction (group commit
// during backfill), structured logs with a progress line every 10 s, metrics and health on --metrics-port,
// graceful shutdown on SIGTERM/SIGINT (the current block finishes or rolls back; a second signal exits now).
import { hostname } from 'node:os';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { BlockSource } from '../chain/block-source.js';
import { fileSource } from '../chain/file-source.js';
import { rpcSource } from '../chain/rpc-source.js';
import { challengeScheduler } from '../challenges/schedule.js';
import { connect } from '../db/connect.js';
import { migrate } from '../db/migrate.js';
import { systemClock } from '../deps/clock.js';
import { createLogger } from '../deps/logger.js';
import { parseDataTypes } from '../entity-manager/dispatcher.js';
import { productionDispatcher } from '../entity-manager/registry.js';
import { acquireInstanceLock, type InstanceLock, InstanceLockedError } from '../indexer/instance-lock.js';
import { HaltError, type RunObserver, runIndexer } from '../indexer/run.js';
import { startOpsServer } from '../ops/http.js';
import { createMetrics } from '../ops/metrics.js';
import { nonNegativeInt, requireOption } from './options.js';

interface IndexFlags {
  rpc?: string;
  source?: string;
  db?: string;
  from?: number;
  to?: number;
  failurePolicy: 'halt' | 'record-and-continue';
  prefetch: number;
  rpcTimeoutMs: number;
  metricsPort?: number;
  retryDeadlineMs?: number;
  challengesEvery?: number;
  migrate: boolean;
}

const PROGRESS_EVERY_MS = 10_000;
const LOCK_CHECK_MS = 5_000;

export function indexCommand(): Command {
  return new Command('index')
    .description('index blocks from a Core node into PostgreSQL')
    .option('--rpc <url>', 'Core node base URL (env METRONOME_RPC_URL)', process.env.METRONOME_RPC_URL)
    .option('--source <source>', 'file:PATH to replay a block file (docs/block-files.md) instead of --rpc')
    .option('--db <url>', 'database URL (env METRONOME_DB_URL)', process.env.METRONOME_DB_URL)
    .option('--from <height>', 'start here instead of resuming (re-indexing is idempotent)', nonNegativeInt)
    .option('--to <height>', 'stop cleanly after this height', nonNegativeInt)
    .addOption(
      new Option('--failure-policy <policy>', 'what a block that fails deterministically does')
        .choices(['halt', 'record-and-continue'])
        .default(process.env.METRONOME_FAILURE_POLICY ?? 'halt'),
    )
    .option('--prefetch <n>', 'blocks fetched ahead', nonNegativeInt, 50)
    .option('--rpc-timeout-ms <ms>', 'per-request timeout for the node', nonNegativeInt, 10_000)
    .option(
      '--metrics-port <port>',
      'serve /metrics, /healthz, /readyz (env METRONOME_METRICS_PORT)',
      nonNegativeInt,
    )
    .option(
      '--challenges-every <n>',
      'run a challenge tick after every N indexed blocks (its own transactions)',
      nonNegativeInt,
    )
    .option(
      '--retry-deadline-ms <ms>',
      'give up retrying a block after this long (default: never)',
      nonNegativeInt,
    )
    .option('--no-migrate', 'do not apply pending migrations at start')
    .action(runIndexCommand);
}

async function runIndexCommand(flags: IndexFlags): Promise<void> {
  const logger = createLogger();
  const dbUrl = requireOption(flags.db, '--db', 'METRONOME_DB_URL');
  if (flags.source !== undefined && !flags.source.startsWith('file:')) {
    throw new InvalidArgumentError(`--source must look like file:PATH, got ${flags.source}`);
  }
  if (flags.from !== undefined && flags.to !== undefined && flags.to < flags.from) {
    throw new InvalidArgumentError(`--to ${flags.to} is below --from ${flags.from}`);
  }
  const metricsPort =
    flags.metricsPort ??
    (process.env.METRONOME_METRICS_PORT ? Number(process.env.METRONOME_METRICS_PORT) : undefined);
  const source: BlockSource =
    flags.source !== undefined
      ? fileSource(flags.source.slice('file:'.length))
      : rpcSource(requireOption(flags.rpc, '--rpc', 'METRONOME_RPC_URL'), { timeoutMs: flags.rpcTimeoutMs });
  const chainId = await source.chainId();
  const gate = parseDataTypes(process.env.OPENAUDIO_ETL_ENTITY_MANAGER_DATA_TYPES);
  const dispatcher = productionDispatcher(gate);
  logger.info(
    { chainId, handlers: dispatcher.handlerCount, dataTypes: gate.enabled },
    'entity manager enabled',
  );

  const h = await connect(dbUrl, { applicationName: 'metronome-index' });
  let lock: InstanceLock | undefined;
  let lockTimer: NodeJS.Timeout | undefined;
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    if (signals > 1) {
      logger.warn({ signal: sig }, 'second signal: exiting now (the open block transaction rolls back)');
      process.exit(130);
    }
    logger.info({ signal: sig }, 'shutting down: finishing the current block');
    controller.abort();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  const metrics = createMetrics();
  const server = metricsPort !== undefined ? await startOpsServer(metricsPort, metrics) : undefined;
  try {
    if (flags.migrate) logger.info(await migrate(h.db), 'migrations');
    if (h.backend === 'postgres')
      lock = await acquireInstanceLock(dbUrl, chainId, `metronome-index ${hostname()} pid ${process.pid}`);
    // A server restart drops the lock's session: take it again, or stop if another instance got it meanwhile.
    const heldLock = lock;
    lockTimer = heldLock
      ? setInterval(() => {
          heldLock.verify().catch((e: unknown) => {
            if (e instanceof InstanceLockedError) {
              logger.fatal({ err: e.message }, 'lost the single-instance lock to another indexer; stopping');
              process.exitCode = 1;
              controller.abort();
            }
            // Other errors: the database is down; the run loop is already retrying, verify again later.
          });
        }, LOCK_CHECK_MS)
      : undefined;
    const progress = progressLogger(logger);
    const challenges =
      flags.challengesEvery !== undefined && flags.challengesEvery > 0
        ? challengeScheduler(h.db, { logger, clock: systemClock }, flags.challengesEvery, (r) =>
            logger.info(
              { ms: Math.round(r.ms), failed: r.runs.filter((x) => x.status === 'failed').length },
              'challenge tick',
            ),
          )
        : undefined;
    const summary = await runIndexer({
      db: h.db,
      source,
      deps: { chainId, dispatcher, logger },
      clock: systemClock,
      ...(flags.from !== undefined && { explicitStart: flags.from }),
      ...(flags.to !== undefined && { endHeight: flags.to }),
      failurePolicy: flags.failurePolicy,
      prefetchBuffer: flags.prefetch,
      ...(flags.retryDeadlineMs !== undefined && { retryDeadlineMs: flags.retryDeadlineMs }),
      signal: controller.signal,
      observer: mergeObservers(metrics.observer, progress, {
        onBlock: ({ stats }) => challenges?.onBlockIndexed(stats.height),
        onStart: (r) => logger.info(r, 'block source: polling prefetcher'),
        onFetchRetry: (height, reason, err) =>
          logger.warn({ height, reason, err: err instanceof Error ? err.message : undefined }, 'fetch retry'),
        onBlockRetry: (err, attempt, delayMs) =>
          logger.warn({ height: err.height, attempt, delayMs, err: err.message }, 'block retry'),
        onGap: (err) => logger.error({ height: err.height, err: err.message }, 'block recorded as a gap'),
      }),
    });
    await challenges?.idle();
    logger.info(summary, summary.stoppedBy === 'end' ? 'ending block height reached' : 'indexer stopped');
  } catch (e) {
    if (e instanceof HaltError) {
      logger.fatal(
        { height: e.blockError.height, tx: e.blockError.txHash, err: e.message },
        'halted on a block failure',
      );
      process.exitCode = 1;
      return;
    }
    throw e;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    server?.close();
    clearInterval(lockTimer);
    await lock?.release();
    await h.close();
  }
}

function progressLogger(logger: ReturnType<typeof createLogger>): RunObserver {
  const started = systemClock.monotonicMs();
  let last = started;
  let blocks = 0;
  let txs = 0;
  let rejects = 0;
  let unrouted = 0;
  return {
    onBlock({ stats, chainHead, prefetchDepth }) {
      blocks++;
      txs += stats.txs;
      rejects += stats.rejected + stats.failed;
      unrouted += stats.unrouted;
      const now = systemClock.monotonicMs();
      if (now - last < PROGRESS_EVERY_MS) return;
      last = now;
      const secs = (now - started) / 1000;
      logger.info(
        {
          block: stats.height,
          blocks_behind: chainHead !== undefined ? chainHead - stats.height : null,
          blocks_per_sec: Math.round(blocks / secs),
          txs_per_sec: Math.round(txs / secs),
          em_rejected: rejects,
          em_unrouted: unrouted,
          prefetch_buffered: prefetchDepth,
          total_blocks: blocks,
          total_txs: txs,
        },
        'indexing progress',
      );
    },
  };
}

function mergeObservers(...all: RunObserver[]): RunObserver {
  return {
    onStart: (r) => all.forEach((o) => o.onStart?.(r)),
    onBlock: (e) => all.forEach((o) => o.onBlock?.(e)),
    onAlreadyIndexed: (h) => all.forEach((o) => o.onAlreadyIndexed?.(h)),
    onFetchRetry: (h, r, e, d) => all.forEach((o) => o.onFetchRetry?.(h, r, e, d)),
    onBlockRetry: (e, a, d) => all.forEach((o) => o.onBlockRetry?.(e, a, d)),
    onGap: (e) => all.forEach((o) => o.onGap?.(e)),
  };
}
