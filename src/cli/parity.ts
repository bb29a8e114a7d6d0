// `metronome parity compare --left URL --right URL [--tables …] [--since-em-block N]`
import { Command } from 'commander';
import { connect } from '../db/connect.js';
import { compareDatabases, unexpected } from '../parity/compare.js';
import { KNOWN_DIVERGENCES } from '../parity/known-divergences.js';
import { nonNegativeInt, requireOption } from './options.js';

export function parityCommand(): Command {
  const cmd = new Command('parity').description('compare the domain tables of two databases');
  cmd
    .command('compare')
    .option('--left <url>', 'database URL (e.g. ours)')
    .option('--right <url>', 'database URL (e.g. the legacy indexer)')
    .option('--tables <list>', 'comma-separated tables (default: the domain tables)')
    .option('--since-em-block <n>', 'only rows with blocknumber ≥ N', nonNegativeInt)
    .action(async (o: { left?: string; right?: string; tables?: string; sinceEmBlock?: number }) => {
      const left = await connect(requireOption(o.left, '--left', 'none'), {
        applicationName: 'metronome-parity',
      });
      const right = await connect(requireOption(o.right, '--right', 'none'), {
        applicationName: 'metronome-parity',
      });
      try {
        const reports = await compareDatabases(left.db, right.db, {
          ...(o.tables ? { tables: o.tables.split(',').map((t) => t.trim()) } : {}),
          ...(o.sinceEmBlock !== undefined ? { sinceEmBlock: o.sinceEmBlock } : {}),
        });
        console.table(reports.map(({ examples: _e, ...r }) => r));
        for (const r of reports) for (const e of r.examples) console.log(`${r.table}: ${e}`);
        console.log(
          `known divergences not compared: ${KNOWN_DIVERGENCES.map((d) => `${d.table}.${d.column}`).join(', ')}`,
        );
        const n = unexpected(reports);
        console.log(n === 0 ? 'parity: no unexpected differences' : `parity: ${n} unexpected differences`);
        if (n > 0) process.exitCode = 1;
      } finally {
        await left.close();
        await right.close();
      }
    });
  return cmd;
}
