// `metronome challenges tick [--seed-checkpoints-to-max]`: one pass of every challenge processor.
import { Command, InvalidArgumentError } from 'commander';
import { runChallengeTick, seedCheckpointsToMax } from '../challenges/tick.js';
import { connect } from '../db/connect.js';
import { migrate } from '../db/migrate.js';
import { systemClock } from '../deps/clock.js';
import { createLogger } from '../deps/logger.js';

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

export function challengesCommand(): Command {
  const cmd = new Command('challenges').description(
    'challenge processors (incremental, per-processor checkpoints)',
  );
  cmd
    .command('tick')
    .description('run every challenge processor once, each in its own transaction')
    .option('--db <url>', 'database URL (postgres://…, pglite:///dir)', process.env.DATABASE_URL)
    .option(
      '--seed-checkpoints-to-max',
      'cutover onto a database the legacy indexer populated: set every missing checkpoint to the current max of its sources first',
    )
    .option('--batch <n>', 'dirty rows per processor per tick', positiveInt, 5000)
    .option('--no-migrate', 'do not apply pending migrations first')
    .action(
      async (opts: { db?: string; seedCheckpointsToMax?: boolean; batch: number; migrate: boolean }) => {
        if (!opts.db) throw new InvalidArgumentError('--db (or DATABASE_URL) is required');
        const logger = createLogger();
        const h = await connect(opts.db, { applicationName: 'metronome-challenges' });
        try {
          if (opts.migrate) await migrate(h.db);
          if (opts.seedCheckpointsToMax) {
            for (const s of await seedCheckpointsToMax(h.db)) logger.info(s, 'checkpoint seed');
          }
          const report = await runChallengeTick(h.db, { logger, clock: systemClock, batch: opts.batch });
          for (const r of report.runs) logger.info(r, 'challenge processor');
          logger.info({ ms: Math.round(report.ms) }, 'challenge tick done');
          if (report.runs.some((r) => r.status === 'failed')) process.exitCode = 1;
        } finally {
          await h.close();
        }
      },
    );
  return cmd;
}

/** One line in src/cli.ts: `registerChallenges(program)`. */
export function registerChallenges(program: Command): void {
  program.addCommand(challengesCommand());
}
