// One place decides where a database lives. Every backend is reached through `pg` + Kysely's
// PostgresDialect, so PGlite (in-process) and PostgreSQL share one code path.
import { PGlite } from '@electric-sql/pglite';
import { createPgConfig } from '@electric-sql/pglite/node-postgres';
import {
  Kysely,
  type PostgresCursor,
  PostgresDialect,
  type PostgresPool,
  type PostgresPoolClient,
  type PostgresQueryResult,
} from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';
import { BatchQuery, type BatchStatement, StatementBatch } from './statement-batch.js';

// int8 (heights, counts, serial ids) is read as a JS number when it is a safe integer and kept as a
// string otherwise, on every backend alike. Set per pool, never on pg's global registry.
const INT8_OID = 20;
function parseInt8(text: string): number | string {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : text;
}
// `timestamp without time zone` holds UTC wall time everywhere in this schema: read it as UTC, whatever the
// process time zone is (pg's default parser would read it as local time).
const TIMESTAMP_OID = 1114;
function parseUtcTimestamp(text: string): Date | string {
  const d = new Date(`${text.replace(' ', 'T')}Z`);
  return Number.isNaN(d.getTime()) ? text : d;
}
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (format === 'binary') return pg.types.getTypeParser(oid, format);
    if (oid === INT8_OID) return parseInt8;
    if (oid === TIMESTAMP_OID) return parseUtcTimestamp;
    return pg.types.getTypeParser(oid, format);
  }) as typeof pg.types.getTypeParser,
};

export type DbBackend = 'pglite' | 'postgres';

export interface DbHandle {
  readonly db: Kysely<Database>;
  readonly backend: DbBackend;
  readonly url: string;
  /** Closes the pool and, for PGlite, the in-process engine. */
  close(): Promise<void>;
  /** Messages sent to the server through `db` so far (each waits for its answer: one round trip). */
  roundTrips(): number;
}

export interface ConnectOptions {
  /** Pool size for PostgreSQL; PGlite always has exactly one connection. */
  poolSize?: number;
  applicationName?: string;
  /**
   * Whether a batch may keep prepared statements on its connection (statement-batch.ts; default true).
   * Off behind a connection pooler that cannot carry them: PgBouncer before 1.21 in transaction mode.
   */
  preparedStatements?: boolean;
}

export class DbUrlError extends Error {
  override name = 'DbUrlError';
}

export function parseDbUrl(
  url: string,
): { backend: 'pglite'; dataDir: string | undefined } | { backend: 'postgres' } {
  if (url === 'pglite://memory' || url === 'pglite://') return { backend: 'pglite', dataDir: undefined };
  if (url.startsWith('pglite://')) {
    const dataDir = url.slice('pglite://'.length);
    if (!dataDir.startsWith('/'))
      throw new DbUrlError(`pglite URL needs an absolute path (pglite:///dir): ${url}`);
    return { backend: 'pglite', dataDir };
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return { backend: 'postgres' };
  throw new DbUrlError(
    `unsupported database URL (want pglite://memory, pglite:///dir or postgres://…): ${url}`,
  );
}

export async function connect(url: string, options: ConnectOptions = {}): Promise<DbHandle> {
  const parsed = parseDbUrl(url);
  if (parsed.backend === 'pglite') {
    const pglite = await PGlite.create(parsed.dataDir === undefined ? {} : { dataDir: parsed.dataDir });
    const pool = new pg.Pool({ ...createPgConfig(pglite), max: 1, types });
    const counter = { n: 0 };
    const db = new Kysely<Database>({
      dialect: new PostgresDialect({
        pool: lastResultPool(pool, counter, options.preparedStatements ?? true),
      }),
    });
    return {
      db,
      backend: 'pglite',
      url,
      roundTrips: () => counter.n,
      async close() {
        await db.destroy();
        await pglite.close();
      },
    };
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 4,
    application_name: options.applicationName ?? 'metronome',
    types,
    // A statement issued while others are on the wire is written at once, not when Node next hears the
    // server: the group's line issues a block's writes while the previous block's run (em-txs.ts EmLine).
    // Answers still come in order of issue; nothing here keeps a portal open across round trips.
    pipeline: true,
  });
  // An idle client losing its server must not crash the process; the next query reports it.
  pool.on('error', () => {});
  // A connection killed mid-transaction also emits on the checked-out client; the query in flight
  // already rejects with it, so the event itself must not become an uncaught exception.
  pool.on('connect', (client) => client.on('error', () => {}));
  const counter = { n: 0 };
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool: lastResultPool(pool, counter, options.preparedStatements ?? true) }),
  });
  return {
    db,
    backend: 'postgres',
    url,
    roundTrips: () => counter.n,
    async close() {
      await db.destroy();
    },
  };
}

/**
 * The pool as Kysely sees it, with one change: a batch of several statements (statement-batch.ts) answers
 * with its last statement's result (node-postgres answers with an array, which Kysely would read as no rows),
 * every statement's rows kept for `lastAnswers`. Held writes travel in front of the statement that needs an
 * answer (deferred-statements.ts).
 */
function lastResultPool(pool: pg.Pool, counter: { n: number }, prepare: boolean): PostgresPool {
  const clients = new WeakMap<pg.PoolClient, LastResultClient>();
  return {
    async connect() {
      const client = await pool.connect();
      let wrapped = clients.get(client);
      if (!wrapped) {
        wrapped = new LastResultClient(client, counter, prepare);
        clients.set(client, wrapped);
      }
      return wrapped;
    },
    end: () => pool.end(),
  };
}

/** Every statement's rows of a batch's answer, by the rows array of its last statement. */
const BATCHES = new WeakMap<readonly unknown[], readonly (readonly unknown[])[]>();

/**
 * The rows of the last `n` statements of the query whose answer (as Kysely returns it) has rows `rows`:
 * a batch's, or a single statement's own. Throws if the query had fewer statements.
 */
export function lastAnswers(rows: readonly unknown[], n: number): readonly (readonly unknown[])[] {
  const all = BATCHES.get(rows) ?? [rows];
  if (all.length < n) throw new Error(`${n} statements sent together, ${all.length} answers`);
  return all.slice(all.length - n);
}

const KYSELY_COMMANDS = new Set(['UPDATE', 'DELETE', 'INSERT', 'SELECT', 'MERGE']);
const isKyselyCommand = (c: string): c is PostgresQueryResult<unknown>['command'] => KYSELY_COMMANDS.has(c);

class LastResultClient implements PostgresPoolClient {
  /**
   * Kysely's `begin`, not sent yet: it travels in front of the transaction's first statement, one round
   * trip less per transaction (a block, at the tip). Nothing can run between them on this connection.
   */
  private beginHeld = false;

  constructor(
    private readonly client: pg.PoolClient,
    private readonly counter: { n: number },
    /** False: every statement of a batch goes unnamed (ConnectOptions.preparedStatements). */
    private readonly prepare: boolean,
  ) {}

  query<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>>;
  query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>;
  query<R>(
    q: string | PostgresCursor<R>,
    parameters?: ReadonlyArray<unknown>,
  ): Promise<PostgresQueryResult<R>> | PostgresCursor<R> {
    if (typeof q !== 'string') throw new Error('no cursor is configured for this pool');
    const params = parameters ?? [];
    const batch = params.length === 1 && params[0] instanceof StatementBatch ? params[0] : undefined;
    if (batch !== undefined) return this.batch<R>(batch.statements);
    if (q === 'begin' && params.length === 0 && !this.beginHeld) {
      this.beginHeld = true;
      return Promise.resolve({ command: 'SELECT', rowCount: 0, rows: [] });
    }
    if (this.beginHeld) {
      // Without parameters, one simple query (the text may hold several commands, as a migration does).
      if (params.length === 0) {
        this.beginHeld = false;
        return this.run<R>(`begin;\n${q}`, []);
      }
      return this.batch<R>([{ sql: q, parameters: params, prepare: false }]);
    }
    return this.run<R>(q, params);
  }

  /** `statements` in one round trip (statement-batch.ts), behind a held `begin` if there is one. */
  private batch<R>(statements: readonly BatchStatement[]): Promise<PostgresQueryResult<R>> {
    const own = this.prepare ? statements : statements.map((st) => ({ ...st, prepare: false }));
    const all = this.beginHeld ? [{ sql: 'begin', parameters: [], prepare: false }, ...own] : own;
    this.beginHeld = false;
    return this.answer<R>(
      new Promise((resolve, reject) => {
        this.client.query(new BatchQuery(all, (err, a) => (err ? reject(err) : resolve(a))));
      }),
    );
  }

  private run<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>> {
    return this.answer<R>(this.client.query(sql, [...parameters]));
  }

  /** One round trip's answer as Kysely reads it: the last statement's result, every statement's rows kept. */
  private async answer<R>(sent: Promise<pg.QueryResult | pg.QueryResult[]>): Promise<PostgresQueryResult<R>> {
    this.counter.n++;
    const answer = await sent;
    const r = Array.isArray(answer) ? answer[answer.length - 1]! : answer;
    if (Array.isArray(answer))
      BATCHES.set(
        r.rows,
        answer.map((a) => a.rows),
      );
    // Kysely reads the command only to report affected rows for these five; any other reads as none.
    return {
      command: isKyselyCommand(r.command) ? r.command : 'SELECT',
      rowCount: r.rowCount ?? 0,
      rows: r.rows as R[],
    };
  }

  release(): void {
    this.beginHeld = false;
    this.client.release();
  }
}
