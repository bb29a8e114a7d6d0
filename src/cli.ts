#!/usr/bin/env node
// The metronome command: a thin registry of subcommands (each in src/cli/).
import { Command } from 'commander';
import { captureCommand } from './cli/capture.js';
import { registerChallenges } from './cli/challenges.js';
import { handlersCommand } from './cli/handlers.js';
import { indexCommand } from './cli/index-command.js';
import { migrateCommand } from './cli/migrate.js';
import { parityCommand } from './cli/parity.js';

const program = new Command('metronome').description('OpenAudio Core chain indexer').showHelpAfterError();
program.addCommand(migrateCommand());
program.addCommand(indexCommand());
registerChallenges(program);
program.addCommand(parityCommand());
program.addCommand(captureCommand());
program.addCommand(handlersCommand());

program.parseAsync(process.argv).catch((e: unknown) => {
  // Bad flags and environment variables, an unreachable database, a bad block file: one clear line.
  console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
