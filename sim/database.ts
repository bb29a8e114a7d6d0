// The one way the simulator, the test suite and the benchmarks make and drop scratch databases on a
// PostgreSQL server: a fresh database (any leftover of the same name dropped first), empty or copied from a
// template, and its URL.
import { createHash } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import { connect } from '../src/db/connect.js';
import { migrate, readMigrations } from '../src/db/migrate.js';
import type { Database } from '../src/db/schema.js';

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

function checked(name: string): string {
  // Names are interpolated into DDL (identifiers cannot be parameters): only plain lower-case identifiers.
  if (!IDENTIFIER.test(name)) throw new Error(`not a plain database name: ${JSON.stringify(name)}`);
  return name;
}

/** The server URL with its database replaced. */
export function withDatabase(serverUrl: string, database: string): string {
  const u = new URL(serverUrl);
  u.pathname = `/${database}`;
  return u.toString();
}

/**
 * Creates `name` on the server (dropping a leftover first), from `template` if given, and returns its URL.
 * Copying a template fails while another session copies the same one; that error is retried.
 */
export async function createDatabase(
  serverUrl: string,
  name: string,
  opts: { readonly template?: string } = {},
): Promise<string> {
  const admin = await connect(serverUrl, { poolSize: 1 });
  try {
    await sql.raw(`DROP DATABASE IF EXISTS ${checked(name)} WITH (FORCE)`).execute(admin.db);
    // PostgreSQL 15's default copy strategy writes every block of the template through the WAL (~10 MB
    // here): 5–10x slower than copying the files after a checkpoint, which costs little on the test
    // clusters (fsync off). Older servers have no STRATEGY clause and always copy files.
    const version = await sql<{ v: string }>`SELECT current_setting('server_version_num') AS v`.execute(
      admin.db,
    );
    const fileCopy = opts.template !== undefined && Number(version.rows[0]?.v) >= 150000;
    const ddl = `CREATE DATABASE ${name}${opts.template ? ` TEMPLATE ${checked(opts.template)}` : ''}${fileCopy ? ' STRATEGY FILE_COPY' : ''}`;
    for (let attempt = 0; ; attempt++) {
      try {
        await sql.raw(ddl).execute(admin.db);
        break;
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        if (attempt < 50 && msg.includes('is being accessed by other users')) {
          await new Promise((r) => setTimeout(r, 20 + attempt * 10));
          continue;
        }
        throw e;
      }
    }
  } finally {
    await admin.close();
  }
  return withDatabase(serverUrl, name);
}

/** Drops `name`, ending any session still connected to it. */
export async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  const admin = await connect(serverUrl, { poolSize: 1 });
  try {
    await sql.raw(`DROP DATABASE IF EXISTS ${checked(name)} WITH (FORCE)`).execute(admin.db);
  } finally {
    await admin.close();
  }
}

/**
 * The name of a database holding this build's migrations, applied once per server and copied from then on
 * (a copy takes a fraction of a second; migrating from scratch takes 15–20 s on a loaded machine). The name
 * carries a hash of the migration files, so an edited or added migration gets a template of its own.
 * Concurrent callers (test workers, simulator runs) wait on an advisory lock; the template is built under
 * another name and renamed when complete, so a crash never leaves a half-migrated template behind.
 */
export async function migratedTemplate(serverUrl: string): Promise<string> {
  const hash = createHash('sha256');
  for (const m of readMigrations()) hash.update(`${m.file}:${m.checksum}:${m.preflight?.checksum ?? ''}\n`);
  const name = `metronome_tmpl_${hash.digest('hex').slice(0, 16)}`;
  return templateOnce(serverUrl, name, async (building) => {
    const h = await connect(await createDatabase(serverUrl, building), { poolSize: 1 });
    try {
      await migrate(h.db);
    } finally {
      await h.close();
    }
  });
}

/**
 * A database named `name` holding the migrated schema plus what `fill` loads, built once per server and
 * copied from then on: a scenario's ours and bug runs start from the same large table without loading it
 * twice (loading 1,000,000 rows takes ~15 s on a loaded machine; a FILE_COPY clone a second or two). Like
 * the migrated template, it stays on the server: `name` must change whenever `fill` does.
 */
export async function filledTemplate(
  serverUrl: string,
  name: string,
  fill: (db: Kysely<Database>) => Promise<void>,
): Promise<string> {
  const migrated = await migratedTemplate(serverUrl);
  return templateOnce(serverUrl, checked(`${migrated}_${name}`), async (building) => {
    const h = await connect(await createDatabase(serverUrl, building, { template: migrated }), {
      poolSize: 1,
    });
    try {
      await fill(h.db);
    } finally {
      await h.close();
    }
  });
}

/**
 * Makes database `name` once per server: concurrent callers (test workers, simulator runs) wait on an
 * advisory lock; `make` builds it under another name, renamed when complete, so a crash never leaves a
 * half-built template behind.
 */
async function templateOnce(
  serverUrl: string,
  name: string,
  make: (building: string) => Promise<void>,
): Promise<string> {
  const admin = await connect(serverUrl, { poolSize: 1 });
  try {
    // Session-level lock: the pool has one connection, so lock, check, build and unlock share a session.
    await sql`SELECT pg_advisory_lock(hashtext(${name}))`.execute(admin.db);
    try {
      const exists = await sql`SELECT 1 FROM pg_database WHERE datname = ${name}`.execute(admin.db);
      if (exists.rows.length === 0) {
        const building = checked(`${name}_b`);
        await make(building);
        await sql.raw(`ALTER DATABASE ${building} RENAME TO ${checked(name)}`).execute(admin.db);
      }
    } finally {
      await sql`SELECT pg_advisory_unlock(hashtext(${name}))`.execute(admin.db);
    }
  } finally {
    await admin.close();
  }
  return name;
}
