// Plain-SQL migrations from migrations/NNNN_name.sql, applied in order, recorded with a sha256 checksum.
// An applied file whose checksum changed is an error, not a re-run. docs/schema.md ("Migration runner")
// describes the three kinds of file:
//  - a transactional file (the default): every statement in one transaction, all or nothing;
//  - a file whose first line is `-- metronome:no-transaction`: statement by statement in autocommit
//    (CREATE INDEX CONCURRENTLY); every statement must be idempotent, so a crashed run resumes by
//    running the file again, and an INVALID index a crashed concurrent build left behind is rebuilt;
//  - a preflight, migrations/preflight/NNNN_name.sql: run right before the pending migration of the
//    same name (transactional or not, by the same first-line rule). It exists because applied files
//    are checksummed and may never change: when an earlier migration cannot run on some database
//    shape (a production clone lacking a column it indexes), the preflight makes the database look as
//    that migration assumes. Its checksum is recorded beside the migration's, never mixed into it.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Kysely, sql } from 'kysely';

/** migrations/ sits two levels above this file both in src/db and in dist/db. */
export const DEFAULT_MIGRATIONS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../migrations');

export const NO_TRANSACTION_DIRECTIVE = '-- metronome:no-transaction';
export const PREFLIGHT_DIR = 'preflight';
/**
 * `-- metronome:placeholder <index>` in a preflight: the preflight puts a placeholder under that index's
 * name (the migration's CREATE … IF NOT EXISTS then skips it), so the runner must not prebuild it.
 */
const PLACEHOLDER_RE = /^--\s*metronome:placeholder\s+([A-Za-z_][\w$]*)\s*$/gm;

/** One advisory key for every migrator: transactional files take it per transaction, others per session. */
const LOCK_KEY = 7361827;

export interface SqlStatement {
  /** The statement text without its trailing semicolon. */
  readonly sql: string;
  /** 1-based line of the statement's first character in its file. */
  readonly line: number;
}

export interface MigrationScript {
  /** File name relative to the migrations directory (`0004_social_graph.sql`, `preflight/0004_…`). */
  readonly file: string;
  readonly sql: string;
  readonly checksum: string;
  readonly transactional: boolean;
  readonly statements: readonly SqlStatement[];
}

export interface MigrationFile extends MigrationScript {
  readonly version: number;
  readonly name: string;
  readonly preflight?: MigrationScript;
}

export class MigrationError extends Error {
  override name = 'MigrationError';
}

/** A statement the server rejected, with where it is and everything the server said about it. */
export class MigrationStatementError extends MigrationError {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly statement: string,
    readonly code: string | undefined,
    readonly serverMessage: string,
    readonly detail: string | undefined,
    readonly hint: string | undefined,
    readonly transactional: boolean,
  ) {
    const excerpt = statement.length > 400 ? `${statement.slice(0, 400)}…` : statement;
    const lines = [
      `migration ${file} failed at line ${line}: ${serverMessage}${code ? ` (SQLSTATE ${code})` : ''}`,
      ...(detail ? [`  detail: ${detail}`] : []),
      ...(hint ? [`  hint: ${hint}`] : []),
      `  statement: ${excerpt.replace(/\n/g, '\n    ')}`,
      transactional
        ? '  nothing from this file was applied (its transaction was rolled back)'
        : '  statements before this one were applied (each is idempotent); fix the cause and run migrate again to resume',
    ];
    super(lines.join('\n'));
  }
}

const FILE_RE = /^(\d{4})_([a-z0-9_]+)\.sql$/;

export function readMigrations(dir: string = DEFAULT_MIGRATIONS_DIR): MigrationFile[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort();
  const preflightDir = join(dir, PREFLIGHT_DIR);
  const preflights = existsSync(preflightDir)
    ? readdirSync(preflightDir).filter((f) => f.endsWith('.sql'))
    : [];
  const out: MigrationFile[] = [];
  for (const file of files) {
    const m = FILE_RE.exec(file);
    if (!m) throw new MigrationError(`migration file name must look like 0001_name.sql: ${file}`);
    const version = Number(m[1]);
    if (out.length > 0 && out[out.length - 1]!.version === version) {
      throw new MigrationError(`two migrations share version ${version}`);
    }
    const pre = preflights.includes(file)
      ? script(`${PREFLIGHT_DIR}/${file}`, readFileSync(join(preflightDir, file), 'utf8'))
      : undefined;
    out.push({
      version,
      name: m[2]!,
      ...script(file, readFileSync(join(dir, file), 'utf8')),
      ...(pre ? { preflight: pre } : {}),
    });
  }
  for (const p of preflights) {
    if (!files.includes(p)) throw new MigrationError(`preflight ${PREFLIGHT_DIR}/${p} has no migration ${p}`);
  }
  return out;
}

function script(file: string, text: string): MigrationScript {
  return {
    file,
    sql: text,
    checksum: createHash('sha256').update(text).digest('hex'),
    transactional: text.split('\n', 1)[0]!.trim() !== NO_TRANSACTION_DIRECTIVE,
    statements: splitStatements(text),
  };
}

/**
 * Splits a SQL script into statements on top-level semicolons, honouring comments (`--`, nested
 * `/* *\/`), quoted strings ('…', E'…' with backslash escapes), quoted identifiers and dollar quotes
 * ($$…$$, $tag$…$tag$). Empty statements (comments only) are dropped.
 */
export function splitStatements(text: string): SqlStatement[] {
  const out: SqlStatement[] = [];
  let start = -1; // index of the current statement's first significant character
  let startLine = 1;
  let line = 1;
  let i = 0;
  const n = text.length;
  const begin = () => {
    if (start < 0) {
      start = i;
      startLine = line;
    }
  };
  const advance = (to: number) => {
    for (let k = i; k < to && k < n; k++) if (text.charCodeAt(k) === 10) line++;
    i = Math.min(to, n);
  };
  while (i < n) {
    const c = text[i]!;
    const next = text[i + 1];
    if (c === '-' && next === '-') {
      const end = text.indexOf('\n', i);
      advance(end < 0 ? n : end);
      continue;
    }
    if (c === '/' && next === '*') {
      let depth = 1;
      let k = i + 2;
      while (k < n && depth > 0) {
        if (text[k] === '/' && text[k + 1] === '*') {
          depth++;
          k += 2;
        } else if (text[k] === '*' && text[k + 1] === '/') {
          depth--;
          k += 2;
        } else k++;
      }
      advance(k);
      continue;
    }
    if (c === ';') {
      if (start >= 0) out.push({ sql: text.slice(start, i).trim(), line: startLine });
      start = -1;
      advance(i + 1);
      continue;
    }
    if (/\s/.test(c)) {
      advance(i + 1);
      continue;
    }
    begin();
    if (c === "'") {
      const escapes = i > 0 && /[eE]/.test(text[i - 1]!) && (i < 2 || !/[\w$]/.test(text[i - 2]!));
      let k = i + 1;
      while (k < n) {
        if (escapes && text[k] === '\\') k += 2;
        else if (text[k] === "'" && text[k + 1] === "'") k += 2;
        else if (text[k] === "'") break;
        else k++;
      }
      advance(k + 1);
      continue;
    }
    if (c === '"') {
      let k = i + 1;
      while (k < n) {
        if (text[k] === '"' && text[k + 1] === '"') k += 2;
        else if (text[k] === '"') break;
        else k++;
      }
      advance(k + 1);
      continue;
    }
    if (c === '$' && (i === 0 || !/[\w$]/.test(text[i - 1]!))) {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(text.slice(i, i + 64));
      if (tag) {
        const close = text.indexOf(tag[0], i + tag[0].length);
        advance(close < 0 ? n : close + tag[0].length);
        continue;
      }
    }
    advance(i + 1);
  }
  if (start >= 0) {
    const rest = text.slice(start).trim();
    if (rest !== '') out.push({ sql: rest, line: startLine });
  }
  return out;
}

export interface MigrateResult {
  readonly applied: string[];
  readonly skipped: number;
}

export interface MigrateOptions {
  /** Called before each pending migration (its preflight included) starts. */
  readonly onStart?: (file: string) => void;
  /** Called once per applied migration, after it is recorded. */
  readonly onApplied?: (file: string) => void;
  /** Called before each statement (tests use it to interrupt a concurrent build). */
  readonly onStatement?: (file: string, statement: SqlStatement) => void | Promise<void>;
  /** Called for each index built concurrently ahead of its transactional migration. */
  readonly onPrebuilt?: (file: string, index: string) => void;
  /**
   * Build the plain `CREATE [UNIQUE] INDEX IF NOT EXISTS` statements of a pending transactional file
   * CONCURRENTLY first, when their table already exists (default true; see prebuildIndexes).
   */
  readonly prebuildIndexes?: boolean;
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run against any schema shape.
type AnyDb = Kysely<any>;

async function ensureLedger(db: AnyDb): Promise<Map<number, { checksum: string }>> {
  await sql`CREATE TABLE IF NOT EXISTS metronome_migrations (
    version integer PRIMARY KEY,
    name text NOT NULL,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`.execute(db);
  // Ledgers written before preflights existed lack the column; the ALTER (an exclusive lock) only then.
  const col = await sql`SELECT 1 FROM information_schema.columns
    WHERE table_schema = current_schema() AND table_name = 'metronome_migrations' AND column_name = 'preflight_checksum'`.execute(
    db,
  );
  if (col.rows.length === 0) {
    await sql`ALTER TABLE metronome_migrations ADD COLUMN IF NOT EXISTS preflight_checksum text`.execute(db);
  }
  return readLedger(db);
}

async function readLedger(db: AnyDb): Promise<Map<number, { checksum: string }>> {
  const exists = await sql<{
    t: string | null;
  }>`SELECT to_regclass('metronome_migrations')::text AS t`.execute(db);
  if (!exists.rows[0]?.t) return new Map();
  const rows = await sql<{ version: number; checksum: string }>`
    SELECT version, checksum FROM metronome_migrations ORDER BY version`.execute(db);
  return new Map(rows.rows.map((r) => [r.version, { checksum: r.checksum }]));
}

function label(f: MigrationFile): string {
  return `${String(f.version).padStart(4, '0')}_${f.name}`;
}

function checkUnchanged(f: MigrationFile, prior: { checksum: string }): void {
  if (prior.checksum !== f.checksum) {
    throw new MigrationError(
      `migration ${label(f)} was already applied with checksum ${prior.checksum.slice(0, 12)}… ` +
        `but the file now hashes to ${f.checksum.slice(0, 12)}…; add a new migration instead of editing an applied one`,
    );
  }
}

export async function migrate(
  db: AnyDb,
  dir: string = DEFAULT_MIGRATIONS_DIR,
  options: MigrateOptions = {},
): Promise<MigrateResult> {
  const files = readMigrations(dir);
  const done = await ensureLedger(db);
  const applied: string[] = [];
  let skipped = 0;
  for (const f of files) {
    const prior = done.get(f.version);
    if (prior) {
      checkUnchanged(f, prior);
      skipped++;
      continue;
    }
    options.onStart?.(f.file);
    if (f.transactional && options.prebuildIndexes !== false) await prebuildIndexes(db, f, options);
    const ran =
      f.transactional && (!f.preflight || f.preflight.transactional)
        ? await applyInOneTransaction(db, f, options)
        : await applyInSession(db, f, options);
    if (ran) {
      applied.push(label(f));
      options.onApplied?.(f.file);
    } else skipped++;
  }
  return { applied, skipped };
}

const PLAIN_INDEX_RE =
  /^CREATE\s+(UNIQUE\s+)?INDEX\s+IF\s+NOT\s+EXISTS\s+("(?:[^"]|"")+"|[A-Za-z_][\w$]*)\s+ON\s+(?:ONLY\s+)?("(?:[^"]|"")+"|[A-Za-z_][\w$]*)/i;

export interface PrebuildCandidate {
  readonly index: string;
  readonly table: string;
  readonly statement: SqlStatement;
  /** The same statement with CONCURRENTLY. */
  readonly concurrently: string;
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function unquote(raw: string): string {
  return raw.startsWith('"') ? raw.slice(1, -1).replace(/""/g, '"') : raw.toLowerCase();
}

/** Plain index statements of a transactional script whose table exists already (a production clone). */
export async function prebuildCandidates(db: AnyDb, s: MigrationScript): Promise<PrebuildCandidate[]> {
  const out: PrebuildCandidate[] = [];
  for (const st of s.statements) {
    const m = PLAIN_INDEX_RE.exec(st.sql);
    if (!m) continue;
    const table = unquote(m[3]!);
    const r = await sql<{ t: string | null }>`SELECT to_regclass(${quoteIdent(table)})::text AS t`.execute(
      db,
    );
    if (!r.rows[0]?.t) continue;
    out.push({
      index: unquote(m[2]!),
      table,
      statement: st,
      concurrently: st.sql.replace(/^CREATE\s+(UNIQUE\s+)?INDEX\s+/i, (x) => `${x}CONCURRENTLY `),
    });
  }
  return out;
}

/**
 * A transactional migration's `CREATE INDEX IF NOT EXISTS` on a table production already fills would
 * hold a SHARE lock (every writer waits) for the whole build. So before the transaction, each such index
 * whose table exists is built CONCURRENTLY under the same name and definition; the statement in the
 * transaction is then a no-op, and the file's checksum is untouched. A build that fails (a column the
 * same file adds first, duplicate keys for a unique index) leaves nothing behind and falls back to the
 * transaction, which reports the error if there is one.
 */
async function prebuildIndexes(db: AnyDb, f: MigrationFile, options: MigrateOptions): Promise<void> {
  await db.connection().execute(async (conn) => {
    await sql`SELECT pg_advisory_lock(${LOCK_KEY})`.execute(conn);
    try {
      const again = await sql`SELECT 1 FROM metronome_migrations WHERE version = ${f.version}`.execute(conn);
      if (again.rows.length > 0) return;
      const placeholders = new Set([...(f.preflight?.sql ?? '').matchAll(PLACEHOLDER_RE)].map((m) => m[1]));
      for (const c of await prebuildCandidates(conn, f)) {
        if (placeholders.has(c.index)) continue;
        const state = await indexValidity(conn, c.index);
        if (state === 'valid') continue;
        if (state === 'invalid') await dropInvalidIndex(conn, c.index);
        try {
          await sql.raw(c.concurrently).execute(conn);
          options.onPrebuilt?.(f.file, c.index);
        } catch {
          await dropInvalidIndex(conn, c.index).catch(() => undefined);
        }
      }
    } finally {
      await sql`SELECT pg_advisory_unlock(${LOCK_KEY})`.execute(conn);
    }
  });
}

/** Preflight (if any) and body in one transaction; false when another migrator applied it meanwhile. */
async function applyInOneTransaction(db: AnyDb, f: MigrationFile, options: MigrateOptions): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    // Serialise concurrent migrators; the lock is released at commit.
    await sql`SELECT pg_advisory_xact_lock(${LOCK_KEY})`.execute(trx);
    const again = await sql`SELECT 1 FROM metronome_migrations WHERE version = ${f.version}`.execute(trx);
    if (again.rows.length > 0) return false;
    if (f.preflight) await runStatements(trx, f.preflight, true, options);
    await runStatements(trx, f, true, options);
    await record(trx, f);
    return true;
  });
}

/**
 * A file with a no-transaction part, on one session holding the advisory lock: a no-transaction script
 * runs statement by statement in autocommit, a transactional one (the other half) in its own transaction.
 */
async function applyInSession(db: AnyDb, f: MigrationFile, options: MigrateOptions): Promise<boolean> {
  return db.connection().execute(async (conn) => {
    await sql`SELECT pg_advisory_lock(${LOCK_KEY})`.execute(conn);
    try {
      const again = await sql`SELECT 1 FROM metronome_migrations WHERE version = ${f.version}`.execute(conn);
      if (again.rows.length > 0) return false;
      for (const s of f.preflight ? [f.preflight, f] : [f]) {
        if (s.transactional) {
          await conn.transaction().execute((trx) => runStatements(trx, s, true, options));
        } else {
          await runStatements(conn, s, false, options);
          await assertIndexesValid(conn, s);
        }
      }
      await record(conn, f);
      return true;
    } finally {
      await sql`SELECT pg_advisory_unlock(${LOCK_KEY})`.execute(conn);
    }
  });
}

async function record(db: AnyDb, f: MigrationFile): Promise<void> {
  await sql`INSERT INTO metronome_migrations (version, name, checksum, preflight_checksum)
            VALUES (${f.version}, ${f.name}, ${f.checksum}, ${f.preflight?.checksum ?? null})`.execute(db);
}

const CONCURRENT_INDEX_RE =
  /^CREATE\s+(?:UNIQUE\s+)?INDEX\s+CONCURRENTLY\s+(?:IF\s+NOT\s+EXISTS\s+)?("(?:[^"]|"")+"|[A-Za-z_][\w$]*)/i;

/** The index a `CREATE INDEX CONCURRENTLY` statement builds, or undefined for any other statement. */
export function concurrentIndexName(statement: string): string | undefined {
  const m = CONCURRENT_INDEX_RE.exec(statement);
  if (!m) return undefined;
  const raw = m[1]!;
  return raw.startsWith('"') ? raw.slice(1, -1).replace(/""/g, '"') : raw.toLowerCase();
}

async function indexValidity(db: AnyDb, name: string): Promise<'absent' | 'valid' | 'invalid'> {
  const r = await sql<{ valid: boolean }>`
    SELECT x.indisvalid AND x.indisready AS valid
    FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
    WHERE i.relname = ${name} AND i.relnamespace = current_schema()::regnamespace`.execute(db);
  const row = r.rows[0];
  return row === undefined ? 'absent' : row.valid ? 'valid' : 'invalid';
}

async function dropInvalidIndex(db: AnyDb, name: string): Promise<void> {
  if ((await indexValidity(db, name)) === 'invalid') {
    await sql`DROP INDEX CONCURRENTLY IF EXISTS ${sql.id(name)}`.execute(db);
  }
}

async function runStatements(
  db: AnyDb,
  s: MigrationScript,
  inTransaction: boolean,
  options: MigrateOptions,
): Promise<void> {
  for (const st of s.statements) {
    const index = inTransaction ? undefined : concurrentIndexName(st.sql);
    // A crashed concurrent build leaves an INVALID index that IF NOT EXISTS would keep forever.
    if (index) await dropInvalidIndex(db, index);
    await options.onStatement?.(s.file, st);
    try {
      await sql.raw(st.sql).execute(db);
    } catch (e) {
      // A failed concurrent build leaves its INVALID index behind; nothing half-built stays.
      if (index) await dropInvalidIndex(db, index).catch(() => undefined);
      throw statementError(s, st, inTransaction, e);
    }
  }
}

async function assertIndexesValid(db: AnyDb, s: MigrationScript): Promise<void> {
  for (const st of s.statements) {
    const index = concurrentIndexName(st.sql);
    if (index && (await indexValidity(db, index)) === 'invalid') {
      throw new MigrationError(`migration ${s.file}: index ${index} (line ${st.line}) is still INVALID`);
    }
  }
}

interface ServerError {
  message?: unknown;
  code?: unknown;
  detail?: unknown;
  hint?: unknown;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function statementError(
  s: MigrationScript,
  st: SqlStatement,
  transactional: boolean,
  e: unknown,
): MigrationStatementError {
  const se: ServerError = typeof e === 'object' && e !== null ? (e as ServerError) : {};
  return new MigrationStatementError(
    s.file,
    st.line,
    st.sql,
    str(se.code),
    str(se.message) ?? String(e),
    str(se.detail),
    str(se.hint),
    transactional,
  );
}

// ---------------------------------------------------------------------------------------------------
// Dry run: every pending script inside one transaction that is always rolled back, the catalog
// compared before and after each file. Concurrent index builds are not run (they cannot run in a
// transaction, and building them for real would be the change a dry run must not make): each is
// listed with what the real run would do.

export interface DryRunFile {
  readonly file: string;
  readonly transactional: boolean;
  readonly preflight?: string;
  readonly statements: number;
  /** `+ kind name: definition`, `- kind name`, `~ kind name: before → after`, sorted. */
  readonly changes: string[];
  /** Concurrent builds the real run would do (`build`, `rebuild INVALID`, or `exists`), and other
   * statements of no-transaction files a dry run cannot execute. */
  readonly concurrentIndexes: string[];
}

export interface DryRunResult {
  readonly pending: DryRunFile[];
  readonly skipped: number;
  /** The statement a real run would fail on, with the server's words; later files were not tried. */
  readonly failure?: MigrationStatementError;
}

class DryRunRollback extends Error {}

/** Statements PostgreSQL refuses inside a transaction block. */
const NOT_IN_TRANSACTION_RE =
  /\bCONCURRENTLY\b|^\s*(VACUUM|CREATE\s+DATABASE|DROP\s+DATABASE|ALTER\s+SYSTEM)\b/i;

export async function dryRun(db: AnyDb, dir: string = DEFAULT_MIGRATIONS_DIR): Promise<DryRunResult> {
  const files = readMigrations(dir);
  const done = await readLedger(db);
  const pending: DryRunFile[] = [];
  let skipped = 0;
  let failure: MigrationStatementError | undefined;
  for (const f of files) {
    const prior = done.get(f.version);
    if (prior) {
      checkUnchanged(f, prior);
      skipped++;
    }
  }
  await db
    .transaction()
    .execute(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(${LOCK_KEY})`.execute(trx);
      let before = await catalog(trx);
      for (const f of files) {
        if (done.has(f.version)) continue;
        const concurrentIndexes: string[] = [];
        if (f.transactional) {
          for (const c of await prebuildCandidates(trx, f)) {
            if ((await indexValidity(trx, c.index)) !== 'valid')
              concurrentIndexes.push(
                `${c.index}: prebuild before the transaction (${f.file}:${c.statement.line})`,
              );
          }
        }
        try {
          for (const s of f.preflight ? [f.preflight, f] : [f]) {
            for (const st of s.statements) {
              const index = concurrentIndexName(st.sql);
              if (index) {
                const state = await indexValidity(trx, index);
                concurrentIndexes.push(
                  `${index}: ${state === 'absent' ? 'build' : state === 'invalid' ? 'rebuild INVALID' : 'exists'} (${s.file}:${st.line})`,
                );
                continue;
              }
              if (!s.transactional && NOT_IN_TRANSACTION_RE.test(st.sql)) {
                concurrentIndexes.push(
                  `not run in a dry run (${s.file}:${st.line}): ${st.sql.slice(0, 120)}`,
                );
                continue;
              }
              await sql`SAVEPOINT metronome_dry_run`.execute(trx);
              try {
                await sql.raw(st.sql).execute(trx);
              } catch (e) {
                await sql`ROLLBACK TO SAVEPOINT metronome_dry_run`.execute(trx);
                throw statementError(s, st, s.transactional, e);
              }
            }
          }
        } catch (e) {
          if (!(e instanceof MigrationStatementError)) throw e;
          failure = e;
        }
        const after = await catalog(trx);
        pending.push({
          file: f.file,
          transactional: f.transactional && (!f.preflight || f.preflight.transactional),
          ...(f.preflight ? { preflight: f.preflight.file } : {}),
          statements: f.statements.length + (f.preflight?.statements.length ?? 0),
          changes: diffCatalog(before, after),
          concurrentIndexes,
        });
        before = after;
        if (failure) break;
      }
      throw new DryRunRollback();
    })
    .catch((e: unknown) => {
      if (!(e instanceof DryRunRollback)) throw e;
    });
  return { pending, skipped, ...(failure ? { failure } : {}) };
}

/** The public schema's objects as `kind name` → definition. */
export async function catalog(db: AnyDb): Promise<Map<string, string>> {
  const r = await sql<{ k: string; v: string }>`
    WITH ns AS (SELECT oid FROM pg_namespace WHERE nspname = current_schema())
    SELECT 'table ' || c.relname AS k, CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'partitioned table'
             WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'S' THEN 'sequence' END AS v
    FROM pg_class c WHERE c.relnamespace IN (SELECT oid FROM ns) AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
    UNION ALL
    SELECT 'column ' || c.relname || '.' || a.attname,
           format_type(a.atttypid, a.atttypmod) || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END
             || coalesce(' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid), '')
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE c.relnamespace IN (SELECT oid FROM ns) AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
    UNION ALL
    SELECT 'index ' || i.relname, pg_get_indexdef(i.oid) || CASE WHEN x.indisvalid THEN '' ELSE ' (INVALID)' END
    FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid WHERE i.relnamespace IN (SELECT oid FROM ns)
    UNION ALL
    SELECT 'constraint ' || c.relname || '.' || k.conname, pg_get_constraintdef(k.oid)
    FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid WHERE c.relnamespace IN (SELECT oid FROM ns)
    UNION ALL
    SELECT 'type ' || t.typname, 'enum (' || string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder) || ')'
    FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid WHERE t.typnamespace IN (SELECT oid FROM ns)
    GROUP BY t.typname
    UNION ALL
    SELECT 'function ' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')',
           'md5 ' || md5(pg_get_functiondef(p.oid))
    FROM pg_proc p WHERE p.pronamespace IN (SELECT oid FROM ns) AND p.prokind IN ('f', 'p')
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
    UNION ALL
    SELECT 'trigger ' || c.relname || '.' || t.tgname, pg_get_triggerdef(t.oid)
    FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
    WHERE NOT t.tgisinternal AND c.relnamespace IN (SELECT oid FROM ns)`.execute(db);
  return new Map(r.rows.map((x) => [x.k, x.v]));
}

export function diffCatalog(
  before: ReadonlyMap<string, string>,
  after: ReadonlyMap<string, string>,
): string[] {
  const out: string[] = [];
  for (const [k, v] of after) {
    const was = before.get(k);
    if (was === undefined) out.push(`+ ${k}: ${v}`);
    else if (was !== v) out.push(`~ ${k}: ${was} → ${v}`);
  }
  for (const k of before.keys()) if (!after.has(k)) out.push(`- ${k}`);
  return out.sort((a, b) => (a.slice(2) < b.slice(2) ? -1 : a.slice(2) > b.slice(2) ? 1 : 0));
}
