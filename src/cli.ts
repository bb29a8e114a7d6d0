#!/usr/bin/env node
// The metronome command: a thin registry of subcommands (each in src/cli/).
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { captureCommand } from './cli/capture.js';
import { registerChallenges } from './cli/challenges.js';
import { handlersCommand } from './cli/handlers.js';
import { indexCommand } from './cli/index-command.js';
import { migrateCommand } from './cli/migrate.js';
import { parityCommand } from './cli/parity.js';
import { redactSecrets } from './shared/redact.js';

// package.json sits one level above both src/cli.ts (tsx) and dist/cli.js (the build, the Docker image).
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

const program = new Command('metronome')
  .description('OpenAudio Core chain indexer')
  .version(version)
  .showHelpAfterError();
program.addCommand(migrateCommand());
program.addCommand(indexCommand());
registerChallenges(program);
program.addCommand(parityCommand());
program.addCommand(captureCommand());
program.addCommand(handlersCommand());

// Commander quotes an invalid option value back in its error ("argument 'postgres://u:pw@…' is invalid"):
// every command's error output goes through the redaction first.
const redacted = { outputError: (text: string, write: (s: string) => void) => write(redactSecrets(text)) };
const configure = (c: Command): void => {
  c.configureOutput(redacted);
  for (const sub of c.commands) configure(sub);
};
configure(program);

program
  .parseAsync(process.argv)
  .catch((e: unknown) => {
    // Bad flags and environment variables, an unreachable database, a bad block file: one clear line.
    console.error(`error: ${redactSecrets(e instanceof Error ? e.message : String(e))}`);
    process.exitCode = 1;
  })
  .finally(() => {
    // Every command has finished its work and closed what it opened when it settles. A handle leaked all the
    // same (a socket, a timer) must not keep a finished daemon alive, holding a database session: exit
    // anyway, and say so. The timer itself does not hold the process.
    setTimeout(() => {
      console.error('warning: open handles kept the process alive after the command finished; exiting');
      process.exit();
    }, 5_000).unref();
  });
