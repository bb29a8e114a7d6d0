// Several statements in one round trip over the extended protocol: Parse (when needed), Bind, Describe and
// Execute for each, then a single Sync. The server runs them in order and, after an error, skips the rest
// up to the Sync, as it does for a multi-statement simple query; unlike one, it neither parses literals
// nor plans again a text it has prepared (a statement repeated block after block keeps its plan on the
// connection). One Sync, not one per statement: each Sync is a ReadyForQuery and a flush on the server,
// which cost what preparing saves (bench/FINDINGS.md, 2026-12-02).
import type { CompiledQuery, RootOperationNode } from 'kysely';
import pg from 'pg';

/** One statement of a batch: its text with `$n` placeholders and their values, as Kysely compiled them. */
export interface BatchStatement {
  readonly sql: string;
  readonly parameters: readonly unknown[];
  /**
   * May keep a plan on the connection: only a statement whose plan cannot depend on its values (see
   * `plansAlike`). A generic plan for a WHERE clause knows no value, so it cannot use a partial index whose
   * predicate a value would match (`is_current = $3`); one such UPDATE ran 3× slower prepared.
   */
  readonly prepare: boolean;
  /**
   * Prepared, and its plan scans a table (a read, an UPDATE, a DELETE, an INSERT with WITH): its name is
   * closed and parsed again each time its connection's batches double, so its generic plan is made again on
   * the tables as they are then. A session keeps a generic plan however much its tables grow: made in a
   * backfill's first blocks, it was a sequential scan kept for tens of thousands of rows (bench/FINDINGS.md).
   */
  readonly renew?: boolean;
}

/** A batch travels to connect.ts as the single parameter of a statement with this text. */
export class StatementBatch {
  constructor(readonly statements: readonly BatchStatement[]) {}
}

export const BATCH_SQL = '-- metronome statement batch';

/**
 * The text a batch shows the handle's plugins (a log, a fault injector): its statements' texts, one per
 * line group, then the marker. Never sent: connect.ts sends the statements themselves.
 */
export function batchText(statements: readonly BatchStatement[]): string {
  return `${statements.map((s) => s.sql).join(';\n')}\n${BATCH_SQL}`;
}

/** `q` as a statement of a batch. */
export function batchStatement(q: CompiledQuery): BatchStatement {
  const prepare = plansAlike(q);
  return { sql: q.sql, parameters: q.parameters, prepare, renew: prepare && scans(q) };
}

/** Whether a statement's plan reads a table: anything but a raw statement or an INSERT of VALUES alone. */
function scans(q: CompiledQuery): boolean {
  return q.query.kind !== 'RawNode' && !insertOfValues(q.query);
}

/** A builder INSERT of VALUES with no WITH: its plan neither scans nor depends on its values. */
function insertOfValues(node: RootOperationNode): boolean {
  return node.kind === 'InsertQueryNode' && node.with === undefined && node.values?.kind === 'ValuesNode';
}

/**
 * A statement whose plan is the same whatever its values: a builder INSERT of VALUES with no WITH; raw SQL
 * (the indexer's own per-block statements: the claim, em_block, the plays bridge, the finish, savepoints;
 * none compares a value with a partial index's predicate); any other statement without a boolean
 * parameter. Every partial index a handler's statement can use has a boolean predicate (`WHERE
 * is_current`), and the deferring handle writes booleans as literals (literal-booleans.ts), so its
 * UPDATEs, DELETEs and reads qualify (their names renewed, see `renew`); one that still carries a boolean
 * parameter is planned each time.
 */
function plansAlike(q: CompiledQuery): boolean {
  const node = q.query;
  if (node.kind === 'RawNode' || insertOfValues(node)) return true;
  return !q.parameters.some((p) => typeof p === 'boolean');
}

/** What a statement weighs against a batch's bound: its text and its parameters' (roughly). */
export function statementChars(q: CompiledQuery): number {
  let n = q.sql.length;
  for (const p of q.parameters) n += typeof p === 'string' ? p.length : 8;
  return n;
}

/** Prepared names per connection at most; past it, texts go unnamed (parsed and planned each time). */
export const MAX_NAMES_PER_CONNECTION = 256;
/** Texts remembered as seen once (a text is prepared on its second use); past it the memory starts over. */
const MAX_SEEN_TEXTS = 4096;

/** Texts seen once, process-wide: reads with IN lists and multi-row inserts make a text per length. */
const seenOnce = new Set<string>();

/** What one connection has prepared (or has a Parse on the wire for): name by text. */
interface ConnectionNames {
  readonly byText: Map<string, string>;
  /** The next name's number: a name is never issued twice, so one a failed batch left unknown stays unused. */
  next: number;
  /** Names of statements whose plans scan (`renew`), closed at the next renewal. */
  readonly renewable: Set<string>;
  /** Batches sent on the connection, and the count at which the renewable names are next closed. */
  batches: number;
  renewAt: number;
}

/** The first renewal, in batches; then at every doubling. */
const FIRST_RENEWAL = 16;

/** The protocol methods a batch uses: node-postgres's Connection, or PGlite's stand-in for it. */
interface ProtocolConnection {
  readonly stream?: { cork?: () => void; uncork?: () => void };
  parse(m: { text: string; name: string; types: readonly number[] }): void;
  bind(m: { portal: string; statement: string; values: readonly unknown[] }): void;
  describe(m: { type: 'P'; name: string }): void;
  execute(m: { portal: string; rows: number }): void;
  close(m: { type: 'S'; name: string }): void;
  sync(): void;
}

const namesOf = new WeakMap<object, ConnectionNames>();

/** node-postgres's own mapping of a JS value to its parameter text (exported, untyped). */
const { prepareValue } = (pg as unknown as { utils: { prepareValue(v: unknown): unknown } }).utils;

/**
 * A parameter's text, as node-postgres maps it. Arrays of scalars (the plays bridge sends seven of a few
 * hundred elements per block) are written here in one join: node-postgres builds them by concatenation,
 * element by element, which cost Node ~18% more CPU on plays-heavy.
 */
export function parameterValue(v: unknown): unknown {
  return Array.isArray(v) ? (arrayText(v) ?? prepareValue(v)) : prepareValue(v);
}

/** node-postgres's array text (`{…}`, elements double-quoted, NULL bare); null for an element it maps otherwise. */
function arrayText(items: readonly unknown[]): string | null {
  const parts: string[] = [];
  for (const item of items) {
    if (item === null || item === undefined) parts.push('NULL');
    else if (Array.isArray(item)) {
      const inner = arrayText(item);
      if (inner === null) return null;
      parts.push(inner);
    } else if (
      typeof item === 'string' ||
      typeof item === 'number' ||
      typeof item === 'bigint' ||
      typeof item === 'boolean'
    ) {
      const t = String(item);
      parts.push(
        `"${t.includes('\\') || t.includes('"') ? t.replace(/\\/g, '\\\\').replace(/"/g, '\\"') : t}"`,
      );
    } else return null;
  }
  return `{${parts.join(',')}}`;
}

type BatchAnswer = pg.QueryResult | pg.QueryResult[];

/**
 * The batch as a node-postgres query (a subclass of its Query, which pipeline mode requires): everything is
 * written at once; the rows of each statement are read by Query's own multi-result handling, answered with
 * one result per statement, in order.
 */
export class BatchQuery extends pg.Query {
  private readonly values: readonly (readonly unknown[])[];
  /** Names this batch parses first on its connection (forgotten should it fail). */
  private fresh: { readonly names: ConnectionNames; readonly texts: readonly string[] } | undefined;

  constructor(
    private readonly statements: readonly BatchStatement[],
    callback: (err: Error | undefined, answer: BatchAnswer) => void,
  ) {
    super({ text: BATCH_SQL }, (err, answer) => {
      if (err !== undefined && err !== null) this.forgetFresh();
      callback(err ?? undefined, answer as unknown as BatchAnswer);
    });
    // Every value mapped before anything is written: a value that cannot be sent fails the batch up front,
    // never half-written on the wire.
    this.values = statements.map((s) => s.parameters.map(parameterValue));
  }

  override submit = (connection: pg.Connection): void => {
    const con = connection as unknown as ProtocolConnection;
    let names = namesOf.get(connection);
    if (names === undefined) {
      names = { byText: new Map(), next: 1, renewable: new Set(), batches: 0, renewAt: FIRST_RENEWAL };
      namesOf.set(connection, names);
    }
    const fresh: string[] = [];
    con.stream?.cork?.();
    try {
      if (++names.batches >= names.renewAt) {
        names.renewAt *= 2;
        // Closed in this batch, ahead of its statements, which parse them again under new names.
        for (const text of names.renewable) {
          const old = names.byText.get(text);
          if (old !== undefined) con.close({ type: 'S', name: old });
          names.byText.delete(text);
        }
        names.renewable.clear();
      }
      this.statements.forEach((s, i) => {
        let name = s.prepare ? names.byText.get(s.sql) : '';
        if (name === undefined || name === '') {
          name = s.prepare ? nameFor(s.sql, names) : '';
          con.parse({ text: s.sql, name, types: [] });
          if (name !== '') {
            fresh.push(s.sql);
            if (s.renew === true) names.renewable.add(s.sql);
          }
        }
        con.bind({ portal: '', statement: name, values: this.values[i]! });
        con.describe({ type: 'P', name: '' });
        con.execute({ portal: '', rows: 0 });
      });
      con.sync();
    } finally {
      con.stream?.uncork?.();
    }
    this.fresh = { names, texts: fresh };
  };

  /** After a failure: the names this batch parsed first may or may not exist, so they are never used again. */
  private forgetFresh(): void {
    if (this.fresh === undefined) return;
    for (const t of this.fresh.texts) this.fresh.names.byText.delete(t);
  }
}

/**
 * A new name for `sql` on a connection, recorded, or '' (the unnamed statement, parsed each time) for a
 * text seen for the first time or a connection at its limit. A forgotten name is never reissued.
 */
function nameFor(sql: string, names: ConnectionNames): string {
  if (!seenOnce.has(sql)) {
    if (seenOnce.size >= MAX_SEEN_TEXTS) seenOnce.clear();
    seenOnce.add(sql);
    return '';
  }
  // Names in use, not names issued: renewal closes names and issues new ones.
  if (names.byText.size >= MAX_NAMES_PER_CONNECTION) return '';
  const name = `metronome_${names.next++}`;
  names.byText.set(sql, name);
  return name;
}
