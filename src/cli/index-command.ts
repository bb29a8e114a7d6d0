// `metronome index`: the daemon. Prefetch from the node (or a block file), index one block per transaction
// (group commit during backfill), structured logs with a progress line at most every 10 s, metrics and health
// on --metrics-port, graceful shutdown on SIGTERM/SIGINT (the current block finishes or rolls back, pools
// close, exit 0; a second signal exits at once), exit 1 naming the height on a halt.
import { hostname } from 'node:os';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { BlockSource } from '../chain/block-source.js';
import { fileSource } from '../chain/file-source.js';
import {
  DEFAULT_PREFETCH_BUFFER,
  DEFAULT_PREFETCH_BUFFER_BYTES,
  DEFAULT_TIP_POLL_MS,
} from '../chain/prefetcher.js';
import { DEFAULT_MAX_BODY_BYTES, rpcSource, waitForNode } from '../chain/rpc-source.js';
import { challengeScheduler } from '../challenges/schedule.js';
import { connect } from '../db/connect.js';
import { migrate } from '../db/migrate.js';
import { systemClock } from '../deps/clock.js';
import { createLogger, type Logger } from '../deps/logger.js';
import { parseDataTypes } from '../entity-manager/dispatcher.js';
import { productionDispatcher } from '../entity-manager/registry.js';
import { acquireInstanceLock, type InstanceLock, InstanceLockedError } from '../indexer/instance-lock.js';
import { GapRefusedError, GuardError, HaltError, runIndexer } from '../indexer/run.js';
import { startOpsServer } from '../ops/http.js';
import { logObserver, mergeObservers } from '../ops/log-observer.js';
import { createMetrics } from '../ops/metrics.js';
import { redactUrl } from '../shared/redact.js';
import {
  databaseUrl,
  fileSourceSpec,
  httpUrl,
  nonNegativeInt,
  port,
  positiveInt,
  requireOption,
} from './options.js';

interface IndexFlags {
  rpc?: string;
  source?: string;
  db?: string;
  from?: number;
  to?: number;
  failurePolicy: 'halt' | 'record-and-continue';
  prefetch: number;
  prefetchBytes: number;
  tipPollMs: number;
  rpcTimeoutMs: number;
  rpcMaxBodyBytes: number;
  readyWaitMs: number;
  metricsPort?: number;
  metricsHost: string;
  allowGap: boolean;
  retryDeadlineMs?: number;
  challengesEvery?: number;
  dataTypes?: string;
  logLevel: string;
  migrate: boolean;
  preparedStatements: boolean;
}

const LOCK_CHECK_MS = 5_000;
const LOCK_RETAKEN = 'the database session holding the single-instance lock had ended; took the lock again';
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function indexCommand(): Command {
  return new Command('index')
    .description('index blocks from a Core node (or a block file) into PostgreSQL')
    .addOption(new Option('--rpc <url>', 'Core node base URL').env('METRONOME_RPC_URL').argParser(httpUrl))
    .addOption(
      new Option(
        '--source <file:PATH>',
        'replay a block file (docs/block-files.md) instead of --rpc',
      ).argParser(fileSourceSpec),
    )
    .addOption(
      new Option('--db <url>', 'postgres://… (or pglite://DIR)')
        .env('METRONOME_DB_URL')
        .argParser(databaseUrl),
    )
    .option('--from <height>', 'start here instead of resuming (re-indexing is idempotent)', positiveInt)
    .option('--to <height>', 'stop cleanly after this height', positiveInt)
    .option(
      '--allow-gap',
      'with --from above the resume point: record the skipped heights in metronome_block_gaps and go on (refused otherwise)',
      false,
    )
    .addOption(
      new Option('--failure-policy <policy>', 'what a block that fails deterministically does')
        .choices(['halt', 'record-and-continue'])
        .env('METRONOME_FAILURE_POLICY')
        .default('halt'),
    )
    .addOption(
      new Option('--prefetch <n>', 'blocks fetched ahead')
        .env('METRONOME_PREFETCH')
        .argParser(positiveInt)
        .default(DEFAULT_PREFETCH_BUFFER),
    )
    .addOption(
      new Option('--prefetch-bytes <n>', 'and at most this many bytes of blocks fetched ahead')
        .env('METRONOME_PREFETCH_BYTES')
        .argParser(positiveInt)
        .default(DEFAULT_PREFETCH_BUFFER_BYTES),
    )
    .addOption(
      new Option('--tip-poll-ms <ms>', 'at the tip, ask the node for the next block this often')
        .env('METRONOME_TIP_POLL_MS')
        .argParser(positiveInt)
        .default(DEFAULT_TIP_POLL_MS),
    )
    .addOption(
      new Option('--rpc-timeout-ms <ms>', 'per-request timeout for the node')
        .env('METRONOME_RPC_TIMEOUT_MS')
        .argParser(positiveInt)
        .default(10_000),
    )
    .addOption(
      new Option('--rpc-max-body-bytes <n>', 'refuse a node answer larger than this')
        .env('METRONOME_RPC_MAX_BODY_BYTES')
        .argParser(positiveInt)
        .default(DEFAULT_MAX_BODY_BYTES),
    )
    .addOption(
      new Option('--ready-wait-ms <ms>', "wait this long at start for the node's GetStatus ready (0: don't)")
        .env('METRONOME_READY_WAIT_MS')
        .argParser(nonNegativeInt)
        .default(60_000),
    )
    .addOption(
      new Option('--metrics-port <port>', 'serve /metrics, /healthz, /readyz on this port')
        .env('METRONOME_METRICS_PORT')
        .argParser(port),
    )
    .addOption(
      new Option('--metrics-host <address>', 'address the metrics and health server listens on')
        .env('METRONOME_METRICS_HOST')
        .default('127.0.0.1'),
    )
    .addOption(
      new Option(
        '--data-types <list>',
        'entity types to index (unset: all; "": none; social handlers ignore it)',
      ).env('OPENAUDIO_ETL_ENTITY_MANAGER_DATA_TYPES'),
    )
    .addOption(
      new Option('--challenges-every <n>', 'run a challenge tick after every N indexed blocks')
        .env('METRONOME_CHALLENGES_EVERY')
        .argParser(nonNegativeInt),
    )
    .addOption(
      new Option(
        '--retry-deadline-ms <ms>',
        'give up on a block the database keeps failing, or a height the node keeps failing, after this long (default: never)',
      )
        .env('METRONOME_RETRY_DEADLINE_MS')
        .argParser(nonNegativeInt),
    )
    .addOption(
      new Option('--log-level <level>', 'pino level').choices(LOG_LEVELS).env('LOG_LEVEL').default('info'),
    )
    .option('--no-migrate', 'do not apply pending migrations at start')
    .addOption(
      new Option(
        '--no-prepared-statements',
        'never keep a prepared statement on a connection (behind a PgBouncer older than 1.21 in transaction mode)',
      ).env('METRONOME_NO_PREPARED_STATEMENTS'),
    )
    .action(runIndexCommand);
}

async function runIndexCommand(flags: IndexFlags): Promise<void> {
  const dbUrl = requireOption(flags.db, '--db', 'METRONOME_DB_URL');
  if (flags.source === undefined && !flags.rpc)
    throw new InvalidArgumentError('--rpc URL (or METRONOME_RPC_URL), or --source file:PATH, is required');
  if (flags.from !== undefined && flags.to !== undefined && flags.to < flags.from)
    throw new InvalidArgumentError(`--to ${flags.to} is below --from ${flags.from}`);
  const logger = createLogger(flags.logLevel);
  const clock = systemClock;

  // Signals first: a SIGTERM while waiting for the node or the database must still end the process cleanly.
  const controller = new AbortController();
  const metrics = createMetrics();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    if (signals > 1) {
      logger.warn({ signal: sig }, 'second signal: exiting now (the open block transaction rolls back)');
      process.exit(130);
    }
    logger.info({ signal: sig }, 'shutting down: finishing the current block');
    metrics.ready = false;
    controller.abort(new ShutdownRequested());
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  const server =
    flags.metricsPort !== undefined
      ? await startOpsServer(flags.metricsPort, metrics, flags.metricsHost)
      : undefined;
  if (server) {
    // The bound address, not the asked one: --metrics-port 0 picks a free port.
    const bound = server.address();
    const at = typeof bound === 'object' && bound !== null ? bound : undefined;
    logger.info(
      { host: at?.address ?? flags.metricsHost, port: at?.port },
      'serving /metrics, /healthz, /readyz',
    );
  }
  // The last committed height, for the fatal line of an exit that has no height of its own (a lost lock).
  let indexedHeight: number | undefined;

  let h: Awaited<ReturnType<typeof connect>> | undefined;
  let lock: InstanceLock | undefined;
  let lockTimer: NodeJS.Timeout | undefined;
  try {
    const { source, chainId } = await openSource(flags, logger, metrics, controller.signal);
    const gate = parseDataTypes(flags.dataTypes);
    const dispatcher = productionDispatcher(gate);
    logger.info(
      { chainId, handlers: dispatcher.handlerCount, dataTypes: gate.enabled ?? 'all' },
      'entity manager enabled',
    );

    h = await connect(dbUrl, {
      applicationName: 'metronome-index',
      preparedStatements: flags.preparedStatements,
    });
    metrics.watchRoundTrips(h.roundTrips);
    const db = h.db;
    logger.info({ db: redactUrl(dbUrl), backend: h.backend }, 'database');
    if (flags.migrate) logger.info(await migrate(db), 'migrations');
    if (h.backend === 'postgres')
      lock = await acquireInstanceLock(dbUrl, chainId, `metronome-index ${hostname()} pid ${process.pid}`);
    // A server restart drops the lock's session: the run loop takes it again before its next block
    // transaction (or stops if another instance got it meanwhile); this check also catches a session that
    // died unnoticed while the daemon idles at the tip.
    const heldLock = lock;
    lockTimer = heldLock
      ? setInterval(() => {
          heldLock.verify().then(
            (retaken) => {
              if (retaken) logger.warn(LOCK_RETAKEN);
            },
            (e: unknown) => {
              if (e instanceof InstanceLockedError) {
                logger.fatal(
                  fatalFields(e, indexedHeight),
                  'lost the single-instance lock to another indexer; stopping',
                );
                process.exitCode = 1;
                controller.abort();
              }
              // Other errors: the database is down; the run loop is already retrying, verify again later.
            },
          );
        }, LOCK_CHECK_MS)
      : undefined;
    const challenges =
      flags.challengesEvery !== undefined && flags.challengesEvery > 0
        ? challengeScheduler(db, { logger, clock }, flags.challengesEvery, (r) =>
            logger.info(
              { ms: Math.round(r.ms), failed: r.runs.filter((x) => x.status === 'failed').length },
              'challenge tick',
            ),
          )
        : undefined;
    const summary = await runIndexer({
      db,
      source,
      deps: { chainId, dispatcher, logger },
      clock,
      ...(flags.from !== undefined && { explicitStart: flags.from }),
      allowGap: flags.allowGap,
      ...(flags.to !== undefined && { endHeight: flags.to }),
      failurePolicy: flags.failurePolicy,
      prefetchBuffer: flags.prefetch,
      prefetchBufferBytes: flags.prefetchBytes,
      tipPollMs: flags.tipPollMs,
      ...(flags.retryDeadlineMs !== undefined && { retryDeadlineMs: flags.retryDeadlineMs }),
      signal: controller.signal,
      ...(heldLock && {
        beforeTransaction: async () => {
          if (await heldLock.ensure()) logger.warn(LOCK_RETAKEN);
        },
      }),
      observer: mergeObservers(metrics.observer, logObserver(logger, clock), {
        onBlock: ({ stats }) => {
          indexedHeight = stats.height;
          challenges?.onBlockIndexed(stats.height);
        },
      }),
    });
    await challenges?.idle();
    const how =
      summary.stoppedBy === 'end'
        ? 'ending block height reached'
        : summary.stoppedBy === 'source-exhausted'
          ? 'the block source has no more blocks'
          : 'indexer stopped';
    logger.info(summary, how);
  } catch (e) {
    if (controller.signal.aborted && signals > 0 && !(e instanceof HaltError || e instanceof GuardError)) {
      logger.info({ err: e instanceof Error ? e.message : String(e) }, 'stopped before indexing began');
      return;
    }
    // Every fatal exit is one JSON line with the height, the reason and the error class: the log is what
    // operators and their alerting read.
    if (e instanceof HaltError) {
      logger.fatal(
        { ...fatalFields(e, indexedHeight), height: e.blockError.height, tx: e.blockError.txHash },
        'halted on a block failure',
      );
    } else if (e instanceof GuardError) {
      logger.fatal(fatalFields(e, indexedHeight), 'stopping: cannot keep the single-instance lock');
    } else if (e instanceof GapRefusedError) {
      logger.fatal(fatalFields(e, indexedHeight), 'refused: --from would leave a gap');
    } else {
      logger.fatal(fatalFields(e, indexedHeight), 'stopping on a fatal error');
    }
    // And the one-line `error: …` on stderr (src/cli.ts) for whoever runs it by hand.
    throw e;
  } finally {
    metrics.ready = false;
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    server?.close();
    clearInterval(lockTimer);
    await lock?.release().catch(() => {});
    await h?.close();
  }
}

/**
 * The fields of a fatal line. `height` is where it failed when the error knows (the prefetcher's height, the
 * halted block, the block the lock check ran before), else the next height after the last committed one.
 */
export function fatalFields(e: unknown, indexedHeight: number | undefined): Record<string, unknown> {
  const own = (e as { height?: unknown } | null)?.height;
  const height = typeof own === 'number' ? own : indexedHeight !== undefined ? indexedHeight + 1 : null;
  return {
    height,
    indexedHeight: indexedHeight ?? null,
    errorClass: e instanceof Error ? e.name : typeof e,
    reason: e instanceof Error ? e.message : String(e),
    ...(e instanceof Error && e.cause instanceof Error && { causeClass: e.cause.name }),
  };
}

class ShutdownRequested extends Error {
  override name = 'ShutdownRequested';
  constructor() {
    super('shutdown requested');
  }
}

/** The block file, or the node: chain id from GetNodeInfo (waiting while it is down), readiness from GetStatus. */
async function openSource(
  flags: IndexFlags,
  logger: Logger,
  metrics: ReturnType<typeof createMetrics>,
  signal: AbortSignal,
): Promise<{ source: BlockSource; chainId: string }> {
  if (flags.source !== undefined) {
    const path = flags.source.slice('file:'.length);
    const source = fileSource(path);
    const chainId = await source.chainId();
    logger.info({ file: path, chainId }, 'block source: file');
    return { source, chainId };
  }
  const rpc = rpcSource(requireOption(flags.rpc, '--rpc', 'METRONOME_RPC_URL'), {
    timeoutMs: flags.rpcTimeoutMs,
    maxBodyBytes: flags.rpcMaxBodyBytes,
    // The daemon never writes the answer text anywhere: parse it and let it go.
    keepRaw: false,
  });
  const node = await waitForNode(rpc, {
    clock: systemClock,
    signal,
    readyWaitMs: flags.readyWaitMs,
    onWait: (what, err, delayMs) =>
      what === 'node-info'
        ? logger.warn(
            { err: err instanceof Error ? err.message : String(err), delayMs },
            'node not answering',
          )
        : logger.info({ err: err instanceof Error ? err.message : undefined }, 'node not ready yet'),
  });
  if (node.status?.head !== undefined) metrics.setChainHead(node.status.head);
  const fields = {
    rpc: redactUrl(flags.rpc ?? ''),
    chainId: node.chainId,
    ready: node.ready,
    synced: node.status?.synced,
    head: node.status?.head,
    earliestHeight: node.status?.earliestHeight,
  };
  if (node.ready) logger.info(fields, 'node');
  else logger.warn(fields, 'node not ready; indexing anyway (it retries whatever the node cannot serve)');
  if (node.status?.earliestHeight !== undefined && (flags.from ?? 1) < node.status.earliestHeight)
    logger.warn(
      { earliestHeight: node.status.earliestHeight },
      'the node prunes blocks: heights below its earliest height cannot be fetched from it',
    );
  return { source: rpc, chainId: node.chainId };
}
