// Shared by the production-contract tests: the production clone (the public dump, loaded into the
// suite's PostgreSQL 15 as superuser) and a simulated chain indexed straight through indexBlock.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Kysely, type QueryExecutorProvider, sql } from 'kysely';
import { inject } from 'vitest';
import { SIM_CHAIN_ID, SimChain } from '../../sim/chain.js';
import { withDatabase } from '../../sim/database.js';
import { decodeGetBlockResponse } from '../../src/chain/decode.js';
import { connect } from '../../src/db/connect.js';
import type { Database } from '../../src/db/schema.js';
import { silentLogger } from '../../src/deps/logger.js';
import { productionDispatcher } from '../../src/entity-manager/registry.js';
import { indexBlock } from '../../src/indexer/index-block.js';
import { adminQuery, type TestDb } from '../support/db.js';

export const PRODUCTION_DIR = join(import.meta.dirname, '../../../shared/reference/production');
export const DUMP = join(PRODUCTION_DIR, '01_schema.pg15.sql');
export const OLD_DUMP = join(PRODUCTION_DIR, 'superseded/01_schema.0185668.sql');
export const AFTER_DUMP = join(PRODUCTION_DIR, 'after_dump/track_collaborators_table.sql');
export const QUERIES_DIR = join(PRODUCTION_DIR, 'queries');

/**
 * The dump as one script the simple-query protocol can run: psql meta-commands dropped, and settings
 * this PostgreSQL does not know (transaction_timeout in the PostgreSQL 17 original) left out.
 */
export function dumpScript(path: string): string {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => !l.startsWith('\\') && !l.startsWith('SET transaction_timeout'))
    .join('\n');
}

/** Indexes blocks 1..blocks of the seeded simulated chain, one indexBlock call per height. */
export async function indexSimChain(db: Kysely<Database>, seed: number, blocks: number): Promise<void> {
  const chain = new SimChain({ seed, blocks, hostileShare: 0.1 });
  const deps = { chainId: SIM_CHAIN_ID, dispatcher: productionDispatcher(), logger: silentLogger };
  for (let h = 1; h <= chain.length; h++) {
    const d = decodeGetBlockResponse(chain.responseFor(h), h);
    if (d.status !== 'block') throw new Error(`height ${h}: ${d.status}`);
    await indexBlock(db, d.block, deps);
  }
}

export interface ApiQuery {
  readonly file: string;
  readonly name: string;
  /** The query with sqlc parameters rewritten to $1, $2, … (one number per distinct name). */
  readonly sql: string;
}

/** The API's named sqlc queries (`-- name: X :many`), parameters rewritten for PREPARE. */
export function apiQueries(): ApiQuery[] {
  const out: ApiQuery[] = [];
  for (const file of readdirSync(QUERIES_DIR)
    .filter((f) => f.endsWith('.sql'))
    .sort()) {
    const text = readFileSync(join(QUERIES_DIR, file), 'utf8');
    const parts = text.split(/^-- name: /m).slice(1);
    for (const part of parts) {
      const name = part.split(/\s/, 1)[0]!;
      const body = part
        .slice(part.indexOf('\n') + 1)
        .trim()
        .replace(/;\s*$/, '');
      const numbers = new Map<string, number>();
      const n = (param: string) => {
        if (!numbers.has(param)) numbers.set(param, numbers.size + 1);
        return `$${numbers.get(param)}`;
      };
      const rewritten = body
        .replace(/sqlc\.n?arg\(\s*'?([A-Za-z_]\w*)'?\s*\)/g, (_, p: string) => n(p))
        .replace(/sqlc\.slice\(\s*'?([A-Za-z_]\w*)'?\s*\)/g, (_, p: string) => n(p))
        .replace(/(?<![<@\w:])@([A-Za-z_]\w*)/g, (_, p: string) => n(p));
      out.push({ file, name, sql: rewritten });
    }
  }
  return out;
}

/**
 * Production's columns our handlers do not write (docs/schema.md lists them, with why). Production's own
 * triggers fill some of them on a clone (aggregate_user.score…), so the cutover comparison leaves them out.
 */
export const UNWRITTEN_PRODUCTION_COLUMNS: Readonly<Record<string, readonly string[]>> = {
  // Written only by the legacy indexer's catch-all (a metadata key named like a column), by other
  // services (audio analysis, ownership checks) or never by the Go ETL: docs/schema.md.
  tracks: [
    'credits_splits',
    'create_date',
    'file_type',
    'metadata_multihash',
    'placement_hosts',
    'audio_analysis_error_count',
    'is_owned_by_user',
    'parental_warning',
    'territory_codes',
  ],
  users: [
    'primary_id',
    'secondary_ids',
    'replica_set_update_signer',
    'has_collectibles',
    'user_storage_account',
    'user_authority_account',
  ],
  aggregate_user: [
    'supporter_count',
    'supporting_count',
    'dominant_genre',
    'dominant_genre_count',
    'score',
    'total_track_count',
    'track_share_count',
  ],
  aggregate_track: ['comment_count', 'share_count'],
  aggregate_playlist: ['share_count'],
  core_indexed_blocks: ['parenthash', 'plays_slot'],
  shares: ['slot'],
  user_tips: ['updated_at'],
  reward_codes: ['mint', 'reward_address', 'amount', 'created_at', 'remaining_uses', 'signature'],
};

/** Our columns production deliberately lacks (docs/schema.md "Deliberate differences"). */
export const OURS_NOT_IN_PRODUCTION: Readonly<Record<string, readonly string[]>> = {
  blocks: ['is_current'],
};

export interface TableFingerprint {
  readonly rows: number;
  readonly md5: string;
}

/**
 * Tables and columns compared: every base table of `db`, serial ids and unwritten columns left out
 * (`all`: every column).
 */
export async function comparableColumns(
  db: QueryExecutorProvider,
  opts: { all?: boolean } = {},
): Promise<Map<string, string[]>> {
  const r = await sql<{ t: string; c: string }>`
    SELECT c.table_name AS t, c.column_name AS c
    FROM information_schema.columns c
    JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
    WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
      AND (${opts.all ?? false} OR coalesce(c.column_default, '') NOT LIKE 'nextval(%')
      AND c.table_name <> 'metronome_migrations'
    ORDER BY c.table_name, c.ordinal_position`.execute(db);
  const out = new Map<string, string[]>();
  for (const { t, c } of r.rows) {
    if (!opts.all && UNWRITTEN_PRODUCTION_COLUMNS[t]?.includes(c)) continue;
    out.set(t, [...(out.get(t) ?? []), c]);
  }
  return out;
}

/** Row count and md5 of the rows' text over `columns`, in byte order (same on both databases). */
export async function fingerprint(
  db: QueryExecutorProvider,
  table: string,
  columns: readonly string[],
): Promise<TableFingerprint> {
  const row = columns.map((c) => `coalesce(${quote(c)}::text, '∅')`).join(` || '|' || `);
  const r = await sql<{ n: number; md5: string }>`
    SELECT count(*)::int AS n, md5(coalesce(string_agg(r, E'\n' ORDER BY r COLLATE "C"), '')) AS md5
    FROM (SELECT ${sql.raw(row)} AS r FROM ${sql.table(table)}) AS x`.execute(db);
  return { rows: r.rows[0]!.n, md5: r.rows[0]!.md5 };
}

/** Up to `limit` rows (as text over `columns`) that one side has and the other lacks. */
export async function rowsOnlyIn(
  a: QueryExecutorProvider,
  b: QueryExecutorProvider,
  table: string,
  columns: readonly string[],
  limit = 3,
): Promise<{ onlyA: string[]; onlyB: string[] }> {
  const row = columns.map((c) => `coalesce(${quote(c)}::text, '∅')`).join(` || '|' || `);
  const q = async (db: QueryExecutorProvider) =>
    (await sql<{ r: string }>`SELECT ${sql.raw(row)} AS r FROM ${sql.table(table)}`.execute(db)).rows.map(
      (x) => x.r,
    );
  const [ra, rb] = [await q(a), await q(b)];
  const count = (rows: string[]) =>
    rows.reduce((m, r) => m.set(r, (m.get(r) ?? 0) + 1), new Map<string, number>());
  const [ca, cb] = [count(ra), count(rb)];
  const only = (x: Map<string, number>, y: Map<string, number>) =>
    [...x]
      .filter(([r, n]) => (y.get(r) ?? 0) < n)
      .map(([r]) => r)
      .sort()
      .slice(0, limit);
  return { onlyA: only(ca, cb), onlyB: only(cb, ca) };
}

function quote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A database on the suite's server loaded from a production dump (superuser: it creates extensions). */
export async function createProductionClone(
  opts: { dump?: string; afterDump?: boolean; tweak?: string } = {},
): Promise<TestDb> {
  const name = `prod_${process.pid}_${++cloneCounter}`;
  await adminQuery(`DROP DATABASE IF EXISTS ${name}`);
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = withDatabase(inject('dbServerUrl'), name);
  // The dump empties search_path for its session: load on a connection of its own, then drop it.
  const loader = await connect(url, { poolSize: 1 });
  try {
    await sql.raw(dumpScript(opts.dump ?? DUMP)).execute(loader.db);
    if (opts.afterDump ?? true) {
      await sql`RESET search_path`.execute(loader.db);
      await sql.raw(readFileSync(AFTER_DUMP, 'utf8')).execute(loader.db);
    }
  } finally {
    await loader.close();
  }
  const h = await connect(url, { poolSize: 4 });
  if (opts.tweak) await sql.raw(opts.tweak).execute(h.db);
  return {
    db: h.db,
    url,
    backend: 'postgres',
    roundTrips: h.roundTrips,
    async close() {
      await h.close();
      await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}
let cloneCounter = 0;
