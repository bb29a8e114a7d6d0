import { Command } from 'commander';
import { connect } from '../db/connect.js';
import { DEFAULT_MIGRATIONS_DIR, type DryRunResult, dryRun, migrate } from '../db/migrate.js';
import { systemClock } from '../deps/clock.js';
import { createLogger } from '../deps/logger.js';
import { requireOption } from './options.js';

export function migrateCommand(): Command {
  return new Command('migrate')
    .description(
      'apply pending migrations (checksummed; each in its own transaction unless its first line is ' +
        '"-- metronome:no-transaction")',
    )
    .option('--db <url>', 'database URL (env METRONOME_DB_URL)', process.env.METRONOME_DB_URL)
    .option(
      '--dry-run',
      'list what the pending migrations would create or change (run in a transaction that is rolled back)',
    )
    .option('--migrations <dir>', 'migrations directory', DEFAULT_MIGRATIONS_DIR)
    .action(async (opts: { db?: string; dryRun?: boolean; migrations: string }) => {
      const logger = createLogger();
      const h = await connect(requireOption(opts.db, '--db', 'METRONOME_DB_URL'), {
        applicationName: 'metronome-migrate',
      });
      try {
        if (opts.dryRun) {
          const plan = await dryRun(h.db, opts.migrations);
          process.stdout.write(formatDryRun(plan));
          // A migration that would fail is the answer the operator asked for (printed above), and exit 1.
          if (plan.failure) process.exitCode = 1;
          return;
        }
        let started = 0;
        const res = await migrate(h.db, opts.migrations, {
          onStart: () => {
            started = systemClock.monotonicMs();
          },
          onApplied: (file) => {
            logger.info({ file, ms: Math.round(systemClock.monotonicMs() - started) }, 'migration applied');
          },
        });
        logger.info(res, 'migrations applied');
      } finally {
        await h.close();
      }
    });
}

export function formatDryRun(plan: DryRunResult): string {
  const lines: string[] = [];
  if (plan.pending.length === 0) lines.push(`nothing to apply (${plan.skipped} migrations already applied)`);
  else
    lines.push(
      `${plan.pending.length} pending migrations (${plan.skipped} already applied); nothing was changed:`,
    );
  for (const p of plan.pending) {
    lines.push(
      '',
      `${p.file}${p.preflight ? ` (after ${p.preflight})` : ''}: ${p.statements} statements, ` +
        `${p.transactional ? 'one transaction' : 'no transaction (resumable)'}, ${p.changes.length} catalog changes`,
    );
    for (const c of p.changes) lines.push(`  ${c}`);
    for (const c of p.concurrentIndexes) lines.push(`  concurrently: ${c}`);
  }
  if (plan.failure) lines.push('', `would fail: ${plan.failure.message}`);
  return `${lines.join('\n')}\n`;
}
