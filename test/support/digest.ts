// A content digest of every table, computed in SQL so PGlite and PostgreSQL agree. Serial ids are
// left out: sequences are not rolled back by an aborted transaction, so they differ after a crash.
import { type Kysely, sql } from 'kysely';

export type TableDigest = Record<string, { rows: number; md5: string }>;

// biome-ignore lint/suspicious/noExplicitAny: digests any schema.
export async function digestTables(db: Kysely<any>, opts: { exclude?: readonly string[] } = {}): Promise<TableDigest> {
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
    if (opts.exclude?.includes(r.table_name)) continue;
    byTable.set(r.table_name, [...(byTable.get(r.table_name) ?? []), r.column_name]);
  }
  const out: TableDigest = {};
  for (const [table, columns] of [...byTable].sort(([a], [b]) => a.localeCompare(b))) {
    const row = columns.map((c) => `coalesce(${quoteIdent(c)}::text, '∅')`).join(` || '|' || `);
    const res = await sql<{ n: number; md5: string | null }>`
      SELECT count(*)::int AS n, md5(coalesce(string_agg(r, E'\n' ORDER BY r COLLATE "C"), '')) AS md5
      FROM (SELECT ${sql.raw(row)} AS r FROM ${sql.table(table)}) AS t`.execute(db);
    out[table] = { rows: res.rows[0]!.n, md5: res.rows[0]!.md5 ?? '' };
  }
  return out;
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
