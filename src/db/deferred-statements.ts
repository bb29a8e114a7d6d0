// Writes whose answer nobody reads, held back and sent together with the next statement that needs an
// answer (or at `flush`), as one batch (statement-batch.ts): one round trip instead of one each. Order on
// the connection is unchanged, so every statement sees exactly what it saw before; what changes is *when* a
// held write's error is heard: at the flush, not at the write. Only a caller that treats any error in the
// scope as "undo the scope" may hold writes — the ManageEntity fast path (em-txs.ts), which rolls back its
// block savepoint and replays the block on the careful path, where nothing is held. Reads can also go together
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
import { LiteralBooleans } from './literal-booleans.js';
import type { Database } from './schema.js';
import type { Statement } from './send-together.js';
import { BATCH_SQL, batchStatement, StatementBatch, statementChars } from './statement-batch.js';

/** Bounds on what is held: past either, the held statements go at once. */
export const MAX_HELD_STATEMENTS = 500;
export const MAX_HELD_CHARS = 4 << 20;

export class DeferredStatements implements ConnectionProvider {
  /** In order: writes nobody waits for, and statements whose answer is waited for (`answer`). */
  private held: Held[] = [];
  private chars = 0;
  /** Round trips that carried held statements (for tests and the bench). */
  sends = 0;
  /** Sends not yet settled (see `settled`). */
  private readonly onTheWire = new Set<Promise<void>>();

  constructor(
    private readonly inner: ConnectionProvider,
    /** A handle like the deferring one, on another connection provider. */
    private readonly handleOn: (provider: ConnectionProvider) => Kysely<Database>,
    /** The handle statements given as `Statement`s are compiled with (the transaction's own plugins). */
    private readonly compiler: Kysely<Database>,
  ) {}

  /**
   * Runs `reads` with their first statements sent in one round trip, behind what is held. A read issues
   * its first statement synchronously (a query builder up to `execute()`); anything later runs as usual.
   */
  async together<T>(reads: readonly ((db: Kysely<Database>) => Promise<T>)[]): Promise<T[]> {
    const running = Promise.all(reads.map((r) => this.ask(r)));
    // Heard through `running` too: whoever awaits it hears the error, never as an unhandled rejection.
    running.catch(() => {});
    if (this.held.some((h) => h.answer !== undefined)) await this.flush();
    return running;
  }

  /**
   * Queues `read`'s first statement behind what is held, without sending it: its answer comes when the
   * held statements next go (a statement that needs an answer, `together` or `flush`), so the caller
   * must await it only after one of those.
   */
  ask<T>(read: (db: Kysely<Database>) => Promise<T>): Promise<T> {
    let collecting = true;
    const db = this.handleOn({
      provideConnection: (consumer) =>
        collecting
          ? consumer({
              executeQuery: <R>(q: CompiledQuery) => this.enqueue<R>(q),
              streamQuery: () => {
                throw new Error('a read sent together cannot stream');
              },
            })
          : this.provideConnection(consumer),
    });
    const running = read(db);
    collecting = false;
    running.catch(() => {});
    return running;
  }

  /** `statement` held behind what is held; its rows go to its `onRows`, if it has one. */
  hold(statement: Statement): void {
    const { onRows } = statement;
    if (onRows) {
      // A failure is heard by the send that carried it; the statement's reader then never runs.
      this.askRows(statement).then(onRows, () => {});
      return;
    }
    this.push({ q: statement.compile(this.compiler) });
  }

  private push(h: Held): void {
    this.held.push(h);
    this.chars += statementChars(h.q);
  }

  /** `statement`'s rows, with it queued behind what is held, as `ask` does. */
  askRows(statement: Statement): Promise<readonly unknown[]> {
    const q = statement.compile(this.compiler);
    const rows = this.enqueue(q).then((r) => r.rows);
    // A caller that gave up before awaiting it (its scope failed first) must not leave an unhandled rejection.
    rows.catch(() => {});
    return rows;
  }

  /**
   * A connection that holds what it can without touching the transaction's own: a write is held even
   * while an earlier send is still on the wire (the group's pipeline, em-txs.ts). Each send waits its turn
   * on the transaction's connection behind the sends asked before it, so they go in order of issue; a
   * statement on the transaction itself waits for `settled` first.
   */
  provideConnection<T>(consumer: (connection: DatabaseConnection) => Promise<T>): Promise<T> {
    return consumer({
      executeQuery: <R>(q: CompiledQuery) => this.execute<R>(q),
      streamQuery: <R>(q: CompiledQuery, chunkSize?: number) => this.stream<R>(q, chunkSize),
    });
  }

  /** Statements held and not yet sent. */
  get pending(): number {
    return this.held.length;
  }

  /** Sends what is held; its first error is thrown here. */
  async flush(): Promise<void> {
    if (this.held.length > 0) await this.sendHeld(this.take());
  }

  /**
   * Sends what is held without waiting for it: the statements leave the line now (whatever is held later
   * goes behind them), and the returned promise settles when they have run; its error is heard only by
   * whoever awaits it.
   */
  sendNow(): Promise<void> {
    if (this.held.length === 0) return Promise.resolve();
    const sent = this.sendHeld(this.take());
    sent.catch(() => {});
    return sent;
  }

  /**
   * Drops what is held, unsent (a scope that failed and is rolled back anyway); whoever waits for a
   * dropped statement's answer hears `reason`.
   */
  discard(reason: unknown): void {
    for (const h of this.take()) h.answer?.reject(reason);
  }

  private take(): Held[] {
    const held = this.held;
    this.held = [];
    this.chars = 0;
    return held;
  }

  private sendHeld(held: readonly Held[]): Promise<void> {
    // The connection is the send's only while it issues its statements: once they are written, the next
    // send (or a statement on the transaction) may go behind them without waiting for their answers.
    let answered!: Promise<void>;
    const sent = this.inner
      .provideConnection(async (conn) => {
        answered = this.send(conn, held);
        answered.catch(() => {});
      })
      .then(() => answered);
    this.onTheWire.add(sent);
    sent.then(
      () => this.onTheWire.delete(sent),
      () => this.onTheWire.delete(sent),
    );
    return sent;
  }

  /**
   * Settles once every send issued so far has run or failed. Statements issued on the transaction itself
   * (around this handle) must wait for it: the transaction's connection is handed out in turn, but not
   * strictly in the order it was asked for, so a ROLLBACK TO SAVEPOINT issued right after a send failed
   * could overtake a send still waiting for its turn.
   */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.onTheWire]);
  }

  private async execute<R>(q: CompiledQuery): Promise<QueryResult<R>> {
    if (holdable(q.query)) {
      this.push({ q });
      if (this.held.length >= MAX_HELD_STATEMENTS || this.chars >= MAX_HELD_CHARS) await this.flush();
      return { rows: [] };
    }
    if (this.held.length === 0) return this.inner.provideConnection((conn) => conn.executeQuery<R>(q));
    // The held statements and this one in one batch.
    const answer = this.enqueue<R>(q);
    await this.flush();
    return answer;
  }

  private async *stream<R>(q: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    await this.flush();
    // The transaction's connection, kept until the stream ends (as Kysely's own executor keeps it).
    let release!: () => void;
    const conn = await new Promise<DatabaseConnection>((resolve, reject) => {
      this.inner
        .provideConnection(
          (c) =>
            new Promise<void>((done) => {
              release = done;
              resolve(c);
            }),
        )
        .catch(reject);
    });
    try {
      yield* conn.streamQuery<R>(q, chunkSize);
    } finally {
      release();
    }
  }

  /** Holds `q` and answers when it has gone. */
  private enqueue<R>(q: CompiledQuery): Promise<QueryResult<R>> {
    let answer!: Answer;
    const p = new Promise<QueryResult<R>>((resolve, reject) => {
      answer = { resolve: (r) => resolve(r as QueryResult<R>), reject };
    });
    // The error is also thrown by the send that carried it; whoever awaits `p` hears it as well.
    p.catch(() => {});
    this.push({ q, answer });
    return p;
  }

  /**
   * Sends everything held, in order, as one batch; each statement that is waited for gets its own rows (the
   * last one its whole result: its row count too, which Kysely reads for writes). After an error the server
   * skips the rest of the batch; whoever waits for a statement in it hears the error.
   */
  private async send(conn: DatabaseConnection, held: readonly Held[]): Promise<void> {
    this.sends++;
    const batch = new StatementBatch(held.map((h) => batchStatement(h.q)));
    try {
      const last = await conn.executeQuery<unknown>(Compiled.raw(BATCH_SQL, [batch]));
      if (!held.some((h) => h.answer !== undefined)) return;
      const rows = lastAnswers(last.rows, held.length);
      held.forEach((h, n) => {
        h.answer?.resolve(n === held.length - 1 ? last : { rows: [...rows[n]!] });
      });
    } catch (e) {
      for (const h of held) h.answer?.reject(e);
      throw e;
    }
  }
}

interface Answer {
  resolve(r: QueryResult<unknown>): void;
  reject(e: unknown): void;
}

interface Held {
  readonly q: CompiledQuery;
  /** Set when someone waits for the statement's answer. */
  readonly answer?: Answer;
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
 * statement that needs an answer, or `statements.flush()`. `plugin` sees every statement first, before
 * its booleans are made literal.
 */
export function deferringTransaction(
  trx: Transaction<Database>,
  plugin: KyselyPlugin,
): { readonly db: Kysely<Database>; readonly statements: DeferredStatements } {
  // Booleans as literals: the handlers' statements may then keep their plans (literal-booleans.ts).
  const executor = trx.getExecutor().withPlugin(plugin).withPlugin(new LiteralBooleans());
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
  const statements = new DeferredStatements(trx.getExecutor(), handleOn, trx);
  return { db: handleOn(statements), statements };
}
