// Plain-SQL migrations from migrations/NNNN_name.sql, applied in order, each in its own transaction,
// recorded with a sha256 checksum. An applied file whose checksum changed is an error, not a re-run.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Kysely, sql } from 'kysely';

/** migrations/ sits two levels above this file both in src/db and in dist/db. */
export const DEFAULT_MIGRATIONS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../migrations');

export interface MigrationFile {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
  readonly checksum: string;
}

export class MigrationError extends Error {
  override name = 'MigrationError';
}

const FILE_RE = /^(\d{4})_([a-z0-9_]+)\.sql$/;

export function readMigrations(dir: string = DEFAULT_MIGRATIONS_DIR): MigrationFile[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort();
  const out: MigrationFile[] = [];
  for (const file of files) {
    const m = FILE_RE.exec(file);
    if (!m) throw new MigrationError(`migration file name must look like 0001_name.sql: ${file}`);
    const text = readFileSync(join(dir, file), 'utf8');
    const version = Number(m[1]);
    if (out.length > 0 && out[out.length - 1]!.version === version) {
      throw new MigrationError(`two migrations share version ${version}`);
    }
    out.push({ version, name: m[2]!, sql: text, checksum: createHash('sha256').update(text).digest('hex') });
  }
  return out;
}

export interface MigrateResult {
  readonly applied: string[];
  readonly skipped: number;
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run against any schema shape.
type AnyDb = Kysely<any>;

export async function migrate(db: AnyDb, dir: string = DEFAULT_MIGRATIONS_DIR): Promise<MigrateResult> {
  const files = readMigrations(dir);
  await sql`CREATE TABLE IF NOT EXISTS metronome_migrations (
    version integer PRIMARY KEY,
    name text NOT NULL,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`.execute(db);
  const rows = await sql<{ version: number; name: string; checksum: string }>`
    SELECT version, name, checksum FROM metronome_migrations ORDER BY version`.execute(db);
  const done = new Map(rows.rows.map((r) => [r.version, r]));
  const applied: string[] = [];
  let skipped = 0;
  for (const f of files) {
    const prior = done.get(f.version);
    if (prior) {
      if (prior.checksum !== f.checksum) {
        throw new MigrationError(
          `migration ${f.version}_${f.name} was already applied with checksum ${prior.checksum.slice(0, 12)}… ` +
            `but the file now hashes to ${f.checksum.slice(0, 12)}…; add a new migration instead of editing an applied one`,
        );
      }
      skipped++;
      continue;
    }
    await db.transaction().execute(async (trx) => {
      // Serialise concurrent migrators; the lock is released at commit.
      await sql`SELECT pg_advisory_xact_lock(7361827)`.execute(trx);
      const again = await sql`SELECT 1 FROM metronome_migrations WHERE version = ${f.version}`.execute(trx);
      if (again.rows.length > 0) return;
      await sql.raw(f.sql).execute(trx);
      await sql`INSERT INTO metronome_migrations (version, name, checksum) VALUES (${f.version}, ${f.name}, ${f.checksum})`.execute(
        trx,
      );
    });
    applied.push(`${String(f.version).padStart(4, '0')}_${f.name}`);
  }
  return { applied, skipped };
}
