// Picks the test database backend once per run: DATABASE_URL, else an ephemeral PostgreSQL 15 started
// here, else (no server binaries, or TEST_DB=pglite) in-process PGlite. Migrates a template database
// so each test file can get a fresh copy in tens of milliseconds.
import { existsSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
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

export async function setup(project: TestProject): Promise<void> {
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
