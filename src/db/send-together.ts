// Statements that must each stay a statement of their own (their own snapshot, their own trigger pass)
// but need not each wait for a round trip: sent together as one batch (statement-batch.ts), and every
// statement's rows read back (connect.ts, lastAnswers).
import { type CompiledQuery, type Kysely, sql } from 'kysely';
import { lastAnswers } from './connect.js';
import { MAX_HELD_CHARS } from './deferred-statements.js';
import type { Database } from './schema.js';
import {
  type BatchStatement,
  batchStatement,
  batchText,
  StatementBatch,
  statementChars,
} from './statement-batch.js';

/** A statement not yet compiled: a query builder or raw SQL. */
export interface Statement {
  compile(db: Kysely<Database>): CompiledQuery;
  /** Handed the statement's rows once it has run (a statement waiting in a group's line for a round trip). */
  readonly onRows?: (rows: readonly unknown[]) => void;
}

/** `statement`, whose rows are handed to `onRows` once it has run. */
export function answered(statement: Statement, onRows: (rows: readonly unknown[]) => void): Statement {
  return { compile: (db) => statement.compile(db), onRows };
}

/**
 * Statements run in order, each its own statement (its own snapshot and trigger pass), sent in as few
 * round trips as their size allows; the rows each answered. The first error stops the rest, as it would
 * one by one.
 */
export async function sendTogether(
  db: Kysely<Database>,
  statements: readonly Statement[],
): Promise<(readonly unknown[])[]> {
  const out: (readonly unknown[])[] = [];
  let batch: BatchStatement[] = [];
  let chars = 0;
  const send = async () => {
    if (batch.length === 0) return;
    // One statement for the handle's plugins to see; connect.ts sends the batch it carries.
    const r = await sql`${sql.raw(batchText(batch))} ${new StatementBatch(batch)}`.execute(db);
    // The last ones: a held `begin` may lead the batch (connect.ts).
    out.push(...lastAnswers(r.rows, batch.length));
    batch = [];
    chars = 0;
  };
  // Compiled without plugins: what the handle's plugins see is the batch actually sent.
  const bare = db.withoutPlugins();
  for (const q of statements.map((s) => s.compile(bare))) {
    batch.push(batchStatement(q));
    chars += statementChars(q);
    if (chars >= MAX_HELD_CHARS) await send();
  }
  await send();
  statements.forEach((s, i) => {
    s.onRows?.(out[i]!);
  });
  return out;
}
