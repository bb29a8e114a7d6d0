// Picks the test database backend once per run: DATABASE_URL, else an ephemeral PostgreSQL 15 started
// here, else (no server binaries, or TEST_DB=pglite) in-process PGlite. Migrates a template database
// so each test file can get a fresh copy in tens of milliseconds.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { REGISTRY_ENV, reapDeadRuns, stopRecordedClusters } from '../../sim/cluster-registry.js';
import { type EphemeralPostgres, findPgBin, startEphemeralPostgres } from '../../sim/ephemeral-postgres.js';
import { connect } from '../../src/db/connect.js';
import { migrate } from '../../src/db/migrate.js';

export const TEMPLATE_DB = 'metronome_tmpl';

declare module 'vitest' {
  export interface ProvidedContext {
    dbBackend: 'postgres' | 'pglite';
    /** Server URL (maintenance database) when dbBackend is postgres; '' otherwise. */
    dbServerUrl: string;
  }
}

let server: EphemeralPostgres | undefined;

/** One registry directory per test run, named by the vitest main process's pid. */
export const REGISTRY_ROOT = join(tmpdir(), 'metronome-clusters');

let registry: string | undefined;

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

  const forced = process.env.TEST_DB;
  let serverUrl = process.env.DATABASE_URL ?? '';
  if (forced === 'pglite') serverUrl = '';
  else if (serverUrl === '' && findPgBin()) {
    const started = Date.now();
    server = await startEphemeralPostgres();
    serverUrl = server.url;
    console.log(`[global-setup] ephemeral PostgreSQL on ${server.url} in ${Date.now() - started} ms`);
  } else if (serverUrl === '' && (existsSync('/var/run/docker.sock') || process.env.DOCKER_HOST)) {
    console.log('[global-setup] a Docker engine answers, but Testcontainers is not wired here; using PGlite');
  }
  if (serverUrl !== '') {
    await prepareTemplate(serverUrl);
    project.provide('dbBackend', 'postgres');
    project.provide('dbServerUrl', serverUrl);
  } else {
    console.log('[global-setup] no PostgreSQL server: tests run on in-process PGlite');
    project.provide('dbBackend', 'pglite');
    project.provide('dbServerUrl', '');
  }
}

export async function teardown(): Promise<void> {
  await server?.stop();
  // Whatever a worker started and could not stop (a timed-out test, a crashed or killed worker).
  const left = registry === undefined ? 0 : stopRecordedClusters(registry);
  if (left > 0) console.log(`[global-teardown] stopped ${left} cluster(s) a test file left running`);
  stopEverything();
}

async function prepareTemplate(serverUrl: string): Promise<void> {
  const admin = await connect(serverUrl, { poolSize: 1 });
  try {
    const { sql } = await import('kysely');
    await sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ${TEMPLATE_DB}`.execute(
      admin.db,
    );
    await sql.raw(`DROP DATABASE IF EXISTS ${TEMPLATE_DB}`).execute(admin.db);
    await sql.raw(`CREATE DATABASE ${TEMPLATE_DB}`).execute(admin.db);
  } finally {
    await admin.close();
  }
  const tmpl = await connect(withDatabase(serverUrl, TEMPLATE_DB), { poolSize: 1 });
  try {
    await migrate(tmpl.db);
  } finally {
    await tmpl.close();
  }
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
