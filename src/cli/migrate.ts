import { Command } from 'commander';
import { connect } from '../db/connect.js';
import { migrate } from '../db/migrate.js';
import { createLogger } from '../deps/logger.js';
import { requireOption } from './options.js';

export function migrateCommand(): Command {
  return new Command('migrate')
    .description('apply pending migrations (each in its own transaction, checksummed)')
    .option('--db <url>', 'database URL (env METRONOME_DB_URL)', process.env.METRONOME_DB_URL)
    .action(async (opts: { db?: string }) => {
      const logger = createLogger();
      const h = await connect(requireOption(opts.db, '--db', 'METRONOME_DB_URL'), {
        applicationName: 'metronome-migrate',
      });
      try {
        const res = await migrate(h.db);
        logger.info(res, 'migrations applied');
      } finally {
        await h.close();
      }
    });
}
