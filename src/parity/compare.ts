// Field-by-field comparison of domain tables between two databases (ours and, say, the legacy indexer's).
// Rows are matched on each table's primary key; rows either side modified past the shared em_block window
// are skipped; known divergences (known-divergences.ts) are not compared.
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.js';
import { isKnownDivergence } from './known-divergences.js';

export const DEFAULT_TABLES = [
  'users',
  'tracks',
  'playlists',
  'follows',
  'saves',
  'reposts',
  'subscriptions',
  'shares',
  'track_routes',
  'playlist_routes',
  'muted_users',
  'track_downloads',
] as const;
// Aggregates (aggregate_user, aggregate_track, aggregate_playlist, aggregate_plays) carry no blocknumber, so they
// can only be compared when both sides stand at the same height: name them with --tables then.

/** Rows read per table per side; a bigger table is compared on its first rows by key and says so. */
export const MAX_ROWS_PER_TABLE = 200_000;

export interface TableReport {
  readonly table: string;
  readonly left: number;
  readonly right: number;
  readonly onlyLeft: number;
  readonly onlyRight: number;
  readonly differing: number;
  readonly skippedPastWindow: number;
  readonly truncated: boolean;
  /** A few examples: key and the columns that differ. */
  readonly examples: readonly string[];
}

export interface CompareOptions {
  readonly tables?: readonly string[];
  readonly sinceEmBlock?: number;
}

type Row = Record<string, unknown>;

async function primaryKey(db: Kysely<Database>, table: string): Promise<string[]> {
  const r = await sql<{ col: string }>`
    SELECT a.attname AS col FROM pg_index i
    JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
    WHERE i.indrelid = ${table}::regclass AND i.indisprimary
    ORDER BY array_position(i.indkey::int2[], a.attnum)`.execute(db);
  return r.rows.map((x) => x.col);
}

async function hasColumn(db: Kysely<Database>, table: string, column: string): Promise<boolean> {
  const r = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM information_schema.columns WHERE table_schema = 'public' AND table_name = ${table} AND column_name = ${column}`.execute(
    db,
  );
  return r.rows[0]!.n > 0;
}

async function maxBlocknumber(db: Kysely<Database>, table: string): Promise<number | null> {
  const r = await sql<{ m: number | null }>`SELECT max(blocknumber) AS m FROM ${sql.table(table)}`.execute(
    db,
  );
  return r.rows[0]?.m ?? null;
}

async function readRows(
  db: Kysely<Database>,
  table: string,
  key: string[],
  since: number | undefined,
  hasBn: boolean,
  currentOnly: boolean,
): Promise<Row[]> {
  const since_ = since !== undefined && hasBn ? sql`blocknumber >= ${since}` : sql`true`;
  const current = currentOnly ? sql`is_current` : sql`true`;
  const where = sql`WHERE ${since_} AND ${current}`;
  const order = sql.raw(key.map((k) => `"${k}"`).join(', '));
  const r = await sql<{
    j: Row;
  }>`SELECT to_jsonb(t) AS j FROM ${sql.table(table)} t ${where} ORDER BY ${order} LIMIT ${MAX_ROWS_PER_TABLE + 1}`.execute(
    db,
  );
  return r.rows.map((x) => x.j);
}

export async function compareTable(
  left: Kysely<Database>,
  right: Kysely<Database>,
  table: string,
  opts: CompareOptions = {},
): Promise<TableReport> {
  const pk = await primaryKey(left, table);
  // Versioned tables (is_current + txhash in the key): compare the current row of each entity, matched without
  // txhash, which an in-place update changes.
  const hasCurrent = pk.includes('txhash') && (await hasColumn(left, table, 'is_current'));
  const key = pk.filter((c) => !hasCurrent || (c !== 'txhash' && c !== 'is_current'));
  if (key.length === 0) throw new Error(`table ${table} has no primary key to match rows on`);
  const hasBn = await hasColumn(left, table, 'blocknumber');
  // The shared window: rows past the lower of the two sides' high-water marks may simply not have reached
  // the other side yet.
  const [lm, rm] = hasBn
    ? await Promise.all([maxBlocknumber(left, table), maxBlocknumber(right, table)])
    : [null, null];
  const window = lm !== null && rm !== null ? Math.min(lm, rm) : null;
  const [l, r] = await Promise.all([
    readRows(left, table, key, opts.sinceEmBlock, hasBn, hasCurrent),
    readRows(right, table, key, opts.sinceEmBlock, hasBn, hasCurrent),
  ]);
  const truncated = l.length > MAX_ROWS_PER_TABLE || r.length > MAX_ROWS_PER_TABLE;
  const k = (row: Row) => JSON.stringify(key.map((c) => row[c]));
  const rightByKey = new Map(r.slice(0, MAX_ROWS_PER_TABLE).map((row) => [k(row), row]));
  let onlyLeft = 0;
  let differing = 0;
  let skipped = 0;
  const examples: string[] = [];
  const pastWindow = (row: Row | undefined) =>
    window !== null && row !== undefined && typeof row.blocknumber === 'number' && row.blocknumber > window;
  for (const row of l.slice(0, MAX_ROWS_PER_TABLE)) {
    const id = k(row);
    const other = rightByKey.get(id);
    rightByKey.delete(id);
    if (pastWindow(row) || pastWindow(other)) {
      skipped++;
      continue;
    }
    if (!other) {
      onlyLeft++;
      if (examples.length < 5) examples.push(`${id}: only on the left`);
      continue;
    }
    const cols = Object.keys(row).filter(
      (c) => !isKnownDivergence(table, c) && JSON.stringify(row[c]) !== JSON.stringify(other[c]),
    );
    if (cols.length > 0) {
      differing++;
      if (examples.length < 5)
        examples.push(
          `${id}: ${cols.map((c) => `${c} ${JSON.stringify(row[c])} ≠ ${JSON.stringify(other[c])}`).join(', ')}`,
        );
    }
  }
  let onlyRight = 0;
  for (const [id, row] of rightByKey) {
    if (pastWindow(row)) {
      skipped++;
      continue;
    }
    onlyRight++;
    if (examples.length < 5) examples.push(`${id}: only on the right`);
  }
  return {
    table,
    left: l.length,
    right: r.length,
    onlyLeft,
    onlyRight,
    differing,
    skippedPastWindow: skipped,
    truncated,
    examples,
  };
}

export async function compareDatabases(
  left: Kysely<Database>,
  right: Kysely<Database>,
  opts: CompareOptions = {},
): Promise<TableReport[]> {
  const out: TableReport[] = [];
  for (const t of opts.tables ?? DEFAULT_TABLES) out.push(await compareTable(left, right, t, opts));
  return out;
}

export function unexpected(reports: readonly TableReport[]): number {
  return reports.reduce((s, r) => s + r.onlyLeft + r.onlyRight + r.differing, 0);
}
