// Writes whose answer nobody reads, held back and sent together with the next statement that needs an
// answer (or at `flush`), as one simple query: one round trip instead of one each. Order on the connection
// is unchanged, so every statement sees exactly what it saw before; what changes is *when* a held write's
// error is heard: at the flush, not at the write. Only a caller that treats any error in the scope as
// "undo the scope" may hold writes — the ManageEntity fast path (em-txs.ts), which rolls back its block
// savepoint and replays the block on the careful path, where nothing is held. Reads can also go together
// (`together`): the block view's first reads of every table, in one round trip.
import {
  CompiledQuery as Compiled,
  type CompiledQuery,
  type ConnectionProvider,
  type DatabaseConnection,
  type Kysely,
  type KyselyPlugin,
  PostgresDialect,
  type QueryResult,
  type RootOperationNode,
  Transaction,
} from 'kysely';
import { lastAnswers } from './connect.js';
import { inlineParameters } from './inline-parameters.js';
import type { Database } from './schema.js';

/** Bounds on what is held: past either, the held statements go at once. */
export const MAX_HELD_STATEMENTS = 500;
export const MAX_HELD_CHARS = 4 << 20;

export class DeferredStatements implements ConnectionProvider {
  private held: string[] = [];
  private chars = 0;
  /** Round trips that carried held statements (for tests and the bench). */
  sends = 0;

  constructor(
    private readonly inner: ConnectionProvider,
    /** A handle like the deferring one, on another connection provider. */
    private readonly handleOn: (provider: ConnectionProvider) => Kysely<Database>,
  ) {}

  /**
   * Runs `reads` with their first statements sent in one round trip, behind what is held. A read issues
   * its first statement synchronously (a query builder up to `execute()`); anything later runs as usual.
   */
  async together<T>(reads: readonly ((db: Kysely<Database>) => Promise<T>)[]): Promise<T[]> {
    const queued: Queued[] = [];
    let collecting = true;
    const db = this.handleOn({
      provideConnection: (consumer) =>
        collecting
          ? consumer({
              executeQuery: <R>(q: CompiledQuery) =>
                new Promise<QueryResult<R>>((resolve, reject) => {
                  queued.push({ q, resolve: (r) => resolve(r as QueryResult<R>), reject });
                }),
              streamQuery: () => {
                throw new Error('a read sent together cannot stream');
              },
            })
          : this.provideConnection(consumer),
    });
    const running = reads.map((r) => r(db));
    collecting = false;
    if (queued.length > 0) await this.inner.provideConnection((conn) => this.sendReads(conn, queued));
    return Promise.all(running);
  }

  private async sendReads(conn: DatabaseConnection, queued: readonly Queued[]): Promise<void> {
    const texts = queued.map((x) => inlineParameters(x.q.sql, x.q.parameters));
    try {
      if (texts.some((t) => t === null)) {
        if (this.held.length > 0) await this.send(conn, null);
        for (const x of queued) x.resolve(await conn.executeQuery(x.q));
        return;
      }
      const batch = [...this.held, ...(texts as string[])];
      this.held = [];
      this.chars = 0;
      this.sends++;
      const last = await conn.executeQuery<unknown>(Compiled.raw(batch.join(';\n')));
      const mine = lastAnswers(last.rows, queued.length);
      queued.forEach((x, i) => {
        x.resolve({ rows: [...mine[i]!] });
      });
    } catch (e) {
      for (const x of queued) x.reject(e);
    }
  }

  provideConnection<T>(consumer: (connection: DatabaseConnection) => Promise<T>): Promise<T> {
    return this.inner.provideConnection((conn) =>
      consumer({
        executeQuery: <R>(q: CompiledQuery) => this.execute<R>(conn, q),
        streamQuery: <R>(q: CompiledQuery, chunkSize?: number) => this.stream<R>(conn, q, chunkSize),
      }),
    );
  }

  /** Statements held and not yet sent. */
  get pending(): number {
    return this.held.length;
  }

  /** Sends what is held; its first error is thrown here. */
  async flush(): Promise<void> {
    if (this.held.length > 0) await this.inner.provideConnection((conn) => this.send(conn, null));
  }

  private async execute<R>(conn: DatabaseConnection, q: CompiledQuery): Promise<QueryResult<R>> {
    const text = holdable(q.query) ? inlineParameters(q.sql, q.parameters) : null;
    if (text !== null) {
      this.held.push(text);
      this.chars += text.length;
      if (this.held.length >= MAX_HELD_STATEMENTS || this.chars >= MAX_HELD_CHARS)
        await this.send(conn, null);
      return { rows: [] };
    }
    if (this.held.length === 0) return conn.executeQuery<R>(q);
    const own = q.sql.length <= MAX_HELD_CHARS ? inlineParameters(q.sql, q.parameters) : null;
    if (own === null) {
      await this.send(conn, null);
      return conn.executeQuery<R>(q);
    }
    // The held writes and this statement in one simple query; its answer is the last statement's
    // (connect.ts makes a multi-statement answer the last one's).
    return this.send<R>(conn, own);
  }

  private async *stream<R>(
    conn: DatabaseConnection,
    q: CompiledQuery,
    chunkSize?: number,
  ): AsyncIterableIterator<QueryResult<R>> {
    if (this.held.length > 0) await this.send(conn, null);
    yield* conn.streamQuery<R>(q, chunkSize);
  }

  private send<R>(conn: DatabaseConnection, last: string | null): Promise<QueryResult<R>> {
    const batch = last === null ? this.held : [...this.held, last];
    // Whatever the outcome, nothing stays held: on an error the server skipped the rest of the batch and
    // the caller's scope is undone.
    this.held = [];
    this.chars = 0;
    this.sends++;
    return conn.executeQuery<R>(Compiled.raw(batch.join(';\n')));
  }
}

interface Queued {
  readonly q: CompiledQuery;
  resolve(r: QueryResult<unknown>): void;
  reject(e: unknown): void;
}

/**
 * A statement that answers nothing anyone reads: a builder INSERT, UPDATE or DELETE without RETURNING, or
 * opening/releasing a savepoint. Raw SQL otherwise may be a read, so it is never held.
 */
function holdable(node: RootOperationNode): boolean {
  switch (node.kind) {
    case 'InsertQueryNode':
    case 'UpdateQueryNode':
    case 'DeleteQueryNode':
      return node.returning === undefined;
    case 'RawNode':
      return (
        node.parameters.length === 0 &&
        /^\s*(RELEASE\s+)?SAVEPOINT\s+\w+\s*$/i.test(node.sqlFragments.join(''))
      );
    default:
      return false;
  }
}

/**
 * `trx` as a handle whose holdable statements (see `holdable`) wait in `statements` until the next
 * statement that needs an answer, or `statements.flush()`. `plugin` sees every statement first.
 */
export function deferringTransaction(
  trx: Transaction<Database>,
  plugin: KyselyPlugin,
): { readonly db: Kysely<Database>; readonly statements: DeferredStatements } {
  const executor = trx.getExecutor().withPlugin(plugin);
  // A Transaction handle runs statements only (no pool, no nested transaction), so the dialect and driver
  // it is built with are never used; they are required fields of the handle.
  const dialect = new PostgresDialect({
    pool: () => Promise.reject(new Error('a deferring handle has no pool of its own')),
  });
  const driver = dialect.createDriver();
  const handleOn = (provider: ConnectionProvider) =>
    new Transaction<Database>({
      config: { dialect },
      dialect,
      driver,
      executor: executor.withConnectionProvider(provider),
    });
  const statements = new DeferredStatements(trx.getExecutor(), handleOn);
  return { db: handleOn(statements), statements };
}
