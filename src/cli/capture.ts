// `metronome capture --rpc URL --from H1 --to H2 --out FILE`
import cliProgress from 'cli-progress';
import { Command } from 'commander';
import { captureBlocks } from '../chain/capture.js';
import { rpcSource } from '../chain/rpc-source.js';
import { systemClock } from '../deps/clock.js';
import { nonNegativeInt, requireOption } from './options.js';

export function captureCommand(): Command {
  return new Command('capture')
    .description('write blocks from a node to a block file (JSON Lines of GetBlock responses; resumable)')
    .option('--rpc <url>', 'Core node base URL (env METRONOME_RPC_URL)', process.env.METRONOME_RPC_URL)
    .requiredOption('--from <height>', 'first height', nonNegativeInt)
    .requiredOption('--to <height>', 'last height (inclusive)', nonNegativeInt)
    .requiredOption('--out <file>', 'block file to create or append to')
    .action(async (o: { rpc?: string; from: number; to: number; out: string }) => {
      const bar = process.stdout.isTTY
        ? new cliProgress.SingleBar(
            { format: 'capture [{bar}] {value}/{total}' },
            cliProgress.Presets.shades_classic,
          )
        : undefined;
      bar?.start(o.to - o.from + 1, 0);
      const r = await captureBlocks({
        source: rpcSource(requireOption(o.rpc, '--rpc', 'METRONOME_RPC_URL')),
        from: o.from,
        to: o.to,
        out: o.out,
        clock: systemClock,
        onBlock: (h) => bar?.update(h - o.from + 1),
      });
      bar?.stop();
      console.log(`captured ${r.written} blocks from height ${r.start} into ${o.out}`);
    });
}
