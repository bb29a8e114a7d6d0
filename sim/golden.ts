// Canonical digest of every table, computed in SQL so PGlite (PostgreSQL 18) and PostgreSQL 15 agree:
// per table, the row count and an md5 over the rows' text in byte order. Serial ids are left out —
// sequences are not rolled back by a crashed transaction — and so are operational timestamps.
import { readFileSync, writeFileSync } from 'node:fs';
import { type QueryExecutorProvider, sql } from 'kysely';

export type TableDigest = Record<string, { rows: number; md5: string }>;

/**
 * Rows whose value is a position in a sequence (a checkpoint over plays.id): like serial ids themselves,
 * they differ after a crashed transaction consumed sequence values, so they are left out of the digest.
 */
const SEQUENCE_DERIVED_ROWS: Readonly<Record<string, string>> = {
  indexing_checkpoints: `tablename NOT LIKE '%:last_play_id'`,
};

/** Columns that record when something happened on this machine, not what the chain said. */
const OPERATIONAL = new Set(['metronome_block_gaps.recorded_at', 'metronome_migrations.applied_at']);

/** Any schema: only raw SQL is run, so any Kysely instance (or transaction) will do. */
export async function digestTables(
  db: QueryExecutorProvider,
  opts: { exclude?: readonly string[] } = {},
): Promise<TableDigest> {
  const cols = await sql<{ table_name: string; column_name: string }>`
    SELECT c.table_name, c.column_name
    FROM information_schema.columns c
    JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
    WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
      AND coalesce(c.column_default, '') NOT LIKE 'nextval(%'
      AND c.table_name <> 'metronome_migrations'
    ORDER BY c.table_name, c.ordinal_position`.execute(db);
  const byTable = new Map<string, string[]>();
  for (const r of cols.rows) {
    if (opts.exclude?.includes(r.table_name) || OPERATIONAL.has(`${r.table_name}.${r.column_name}`)) continue;
    byTable.set(r.table_name, [...(byTable.get(r.table_name) ?? []), r.column_name]);
  }
  const out: TableDigest = {};
  for (const [table, columns] of [...byTable].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const row = columns.map((c) => `coalesce(${quoteIdent(c)}::text, '∅')`).join(` || '|' || `);
    const res = await sql<{ n: number; md5: string | null }>`
      SELECT count(*)::int AS n, md5(coalesce(string_agg(r, E'\n' ORDER BY r COLLATE "C"), '')) AS md5
      FROM (SELECT ${sql.raw(row)} AS r FROM ${sql.table(table)}
            ${sql.raw(SEQUENCE_DERIVED_ROWS[table] ? `WHERE ${SEQUENCE_DERIVED_ROWS[table]}` : '')}) AS t`.execute(
      db,
    );
    out[table] = { rows: res.rows[0]!.n, md5: res.rows[0]!.md5 ?? '' };
  }
  return out;
}

export interface Golden {
  readonly seed: number;
  readonly options: Readonly<Record<string, unknown>>;
  readonly digest: TableDigest;
}

export function readGolden(path: string): Golden | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Golden;
  } catch {
    return undefined;
  }
}

export function writeGolden(path: string, golden: Golden): void {
  writeFileSync(path, `${JSON.stringify(golden, null, 2)}\n`);
}

/** Tables whose digest differs, with both sides. */
export function diffDigests(expected: TableDigest, actual: TableDigest): string[] {
  const names = [...new Set([...Object.keys(expected), ...Object.keys(actual)])].sort();
  const out: string[] = [];
  for (const n of names) {
    const e = expected[n];
    const a = actual[n];
    if (!e || !a || e.rows !== a.rows || e.md5 !== a.md5) {
      out.push(
        `${n}: expected ${e ? `${e.rows} rows ${e.md5.slice(0, 8)}` : 'absent'}, got ${a ? `${a.rows} rows ${a.md5.slice(0, 8)}` : 'absent'}`,
      );
    }
  }
  return out;
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
