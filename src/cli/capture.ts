// `metronome capture --rpc URL --from H1 --to H2 --out FILE`: the node's own GetBlock answers into a block
// file, through the indexer's prefetcher. Resumable: run it again and it continues after the file's last line.
import cliProgress from 'cli-progress';
import { Command, InvalidArgumentError, Option } from 'commander';
import { captureBlocks } from '../chain/capture.js';
import { rpcSource } from '../chain/rpc-source.js';
import { systemClock } from '../deps/clock.js';
import { createLogger } from '../deps/logger.js';
import { httpUrl, positiveInt, requireOption } from './options.js';

interface CaptureFlags {
  rpc?: string;
  from: number;
  to: number;
  out: string;
  prefetch: number;
  rpcTimeoutMs: number;
}

export function captureCommand(): Command {
  return new Command('capture')
    .description('write blocks from a node to a block file (JSON Lines of GetBlock responses; resumable)')
    .addOption(new Option('--rpc <url>', 'Core node base URL').env('METRONOME_RPC_URL').argParser(httpUrl))
    .requiredOption('--from <height>', 'first height', positiveInt)
    .requiredOption('--to <height>', 'last height (inclusive)', positiveInt)
    .requiredOption('--out <file>', 'block file to create or append to (.jsonl; gzip it afterwards)')
    .option('--prefetch <n>', 'blocks fetched ahead', positiveInt, 50)
    .option('--rpc-timeout-ms <ms>', 'per-request timeout for the node', positiveInt, 10_000)
    .action(async (o: CaptureFlags) => {
      if (o.to < o.from) throw new InvalidArgumentError(`--to ${o.to} is below --from ${o.from}`);
      const logger = createLogger();
      const source = rpcSource(requireOption(o.rpc, '--rpc', 'METRONOME_RPC_URL'), {
        timeoutMs: o.rpcTimeoutMs,
      });
      // Ctrl-C stops after the block being written: the file always ends with a whole line.
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      const bar = process.stderr.isTTY
        ? new cliProgress.SingleBar(
            { format: 'capture [{bar}] {value}/{total} blocks, height {height}, {eta_formatted} left' },
            cliProgress.Presets.shades_classic,
          )
        : undefined;
      let started = false;
      try {
        const r = await captureBlocks({
          source,
          from: o.from,
          to: o.to,
          out: o.out,
          clock: systemClock,
          prefetchBuffer: o.prefetch,
          signal: controller.signal,
          onStart: (start) => {
            started = true;
            bar?.start(o.to - start + 1, 0, { height: start - 1 });
            if (start > o.from)
              logger.info({ out: o.out, start }, 'resuming after the last line of the file');
          },
          onBlock: (h, done) => bar?.update(done, { height: h }),
          onRetry: (height, err) =>
            bar
              ? undefined
              : logger.warn({ height, err: err instanceof Error ? err.message : String(err) }, 'fetch retry'),
        });
        bar?.stop();
        logger.info(
          { out: o.out, from: r.start, blocks: r.written, stopped: controller.signal.aborted },
          r.written === 0 && r.start > o.to
            ? 'nothing to capture: the file already ends at --to'
            : 'captured',
        );
      } finally {
        if (started) bar?.stop();
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    });
}
