// Picks the test database backend once per run (the order is in ./db-selection.ts: DATABASE_URL, an
// ephemeral cluster from local server binaries, Testcontainers postgres:15, PGlite). Migrates a template
// database so each test file can get a fresh copy in tens of milliseconds.
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { REGISTRY_ENV, reapDeadRuns, stopRecordedClusters } from '../../sim/cluster-registry.js';
import { migratedTemplate } from '../../sim/database.js';
import { type EphemeralPostgres, findPgBin, startEphemeralPostgres } from '../../sim/ephemeral-postgres.js';
import { chooseTestDatabase } from './db-selection.js';
import { dockerAnswers } from './docker.js';

declare module 'vitest' {
  export interface ProvidedContext {
    dbBackend: 'postgres' | 'pglite';
    /** Server URL (maintenance database) when dbBackend is postgres; '' otherwise. */
    dbServerUrl: string;
    /** The migrated template database on that server (the one the simulator copies too); '' on PGlite. */
    dbTemplate: string;
  }
}

let server: EphemeralPostgres | undefined;

/** One registry directory per test run, named by the vitest main process's pid. */
export const REGISTRY_ROOT = join(tmpdir(), 'metronome-clusters');

let registry: string | undefined;

interface Stoppable {
  stop(): Promise<unknown>;
}
let container: Stoppable | undefined;

/** Loaded only on this path: nothing else in the suite touches Testcontainers or Docker. */
async function startContainer(image: string): Promise<string> {
  const started = Date.now();
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const c = await new PostgreSqlContainer(image)
    .withUsername('postgres')
    .withPassword('postgres')
    .withDatabase('postgres')
    // Test data is thrown away: durability only costs time.
    .withCommand([
      'postgres',
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'max_connections=200',
    ])
    .start();
  container = c;
  console.log(`[global-setup] Testcontainers ${image} on port ${c.getPort()} in ${Date.now() - started} ms`);
  return c.getConnectionUri();
}

function stopEverything(): void {
  if (registry === undefined) return;
  stopRecordedClusters(registry);
  rmSync(registry, { recursive: true, force: true });
}

function onSignal(signal: NodeJS.Signals): void {
  stopEverything();
  // Keep the signal's usual effect when nobody else (vitest) handles it.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

export async function setup(project: TestProject): Promise<void> {
  const reaped = reapDeadRuns(REGISTRY_ROOT);
  if (reaped > 0) console.log(`[global-setup] stopped ${reaped} cluster(s) left by a killed test run`);
  // Workers inherit the variable, so every cluster started in a test file is recorded here too.
  registry = join(REGISTRY_ROOT, String(process.pid));
  mkdirSync(registry, { recursive: true });
  process.env[REGISTRY_ENV] = registry;
  process.once('exit', stopEverything);
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(s, onSignal);

  const choice = await chooseTestDatabase({ env: process.env, pgBin: findPgBin(), dockerAnswers });
  let serverUrl = '';
  if (choice.kind === 'url') serverUrl = choice.url;
  else if (choice.kind === 'local-binaries') {
    const started = Date.now();
    server = await startEphemeralPostgres();
    serverUrl = server.url;
    console.log(`[global-setup] ephemeral PostgreSQL on ${server.url} in ${Date.now() - started} ms`);
  } else if (choice.kind === 'testcontainers') {
    serverUrl = await startContainer(choice.image);
  } else {
    console.log(`[global-setup] ${choice.why}`);
  }
  if (serverUrl !== '') {
    project.provide('dbTemplate', await migratedTemplate(serverUrl));
    project.provide('dbBackend', 'postgres');
    project.provide('dbServerUrl', serverUrl);
  } else {
    console.log('[global-setup] no PostgreSQL server: tests run on in-process PGlite');
    project.provide('dbBackend', 'pglite');
    project.provide('dbServerUrl', '');
    project.provide('dbTemplate', '');
  }
}

export async function teardown(): Promise<void> {
  await server?.stop();
  await container?.stop();
  // Whatever a worker started and could not stop (a timed-out test, a crashed or killed worker).
  const left = registry === undefined ? 0 : stopRecordedClusters(registry);
  if (left > 0) console.log(`[global-teardown] stopped ${left} cluster(s) a test file left running`);
  stopEverything();
}
