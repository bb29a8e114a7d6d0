// The parity corpus runner. Each case is data translated from a reference test (the Go ETL's handler
// tests first, the legacy Python indexer where they are silent): a setup of earlier blocks, one block
// under test, the outcome of each of its txs and the rows that must (or must not) exist afterwards.
// Every block goes through the production path: the node's wire JSON → decodeGetBlockResponse → indexBlock
// with the production dispatcher, each case on a database in the freshly migrated state (one copy of the
// template per file, reset between cases).
import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeGetBlockResponse } from '../../src/chain/decode.js';
import type { WireGetBlockResponse, WireTransaction } from '../../src/chain/wire.js';
import type { Database } from '../../src/db/schema.js';
import { silentLogger } from '../../src/deps/logger.js';
import { productionDispatcher } from '../../src/entity-manager/registry.js';
import { indexBlock } from '../../src/indexer/index-block.js';
import { createTestDb, type TestDb, testBackend } from '../support/db.js';

export const PARITY_CHAIN_ID = 'metronome-parity';
const GENESIS_MS = Date.UTC(2025, 0, 1);

/** The wallet every case uses for user `n` (deterministic, lower-case hex). */
export const walletOf = (n: number): string => `0x${n.toString(16).padStart(40, '0')}`;

/** One ManageEntity tx as data. `signer` defaults to the wallet of `user`; a number means that user's wallet. */
export interface EmStep {
  readonly user: number | string;
  readonly type: string;
  readonly id: number | string;
  readonly action: string;
  readonly signer?: number | string;
  /** An object goes inside the production `{"cid","data"}` envelope; a string is sent as is. */
  readonly metadata?: Readonly<Record<string, unknown>> | string;
  readonly migration?: boolean;
  /** The tx hash, for replaying one tx (a re-delivered tx); default: a fresh hash per step. */
  readonly hash?: string;
}

/** A row written straight into a table, for state no ManageEntity tx can produce (e.g. Solana tips). */
export interface RowSeed {
  readonly insert: keyof Database & string;
  readonly values: Readonly<Record<string, unknown>>;
}

/** `applied`, `unrouted`, or the reason code of a rejection. */
export type Outcome = string;

export interface RowExpect {
  readonly table: keyof Database & string;
  readonly where: Readonly<Record<string, unknown>>;
  /** Columns the single matching row must hold (numbers match numeric text; Dates compare as ISO). */
  readonly equals?: Readonly<Record<string, unknown>>;
  /** How many rows match `where` (default: exactly one when `equals` is given). */
  readonly count?: number;
}

/** A read that a row expectation cannot express; the rows must equal `rows` (same normalisation). */
export interface QueryExpect {
  readonly query: string;
  readonly rows: readonly Readonly<Record<string, unknown>>[];
}

export interface ParityCase {
  /** The reference test (and subtest) this case translates. */
  readonly name: string;
  /** Where it comes from: `go:<file>_test.go` or `py:<path>`. */
  readonly from: string;
  /** Blocks applied before the block under test; every ManageEntity tx in them must be applied. */
  readonly setup?: readonly (EmStep | RowSeed | readonly (EmStep | RowSeed)[])[];
  /** The block under test. */
  readonly block: EmStep | readonly EmStep[];
  /** One outcome per tx of `block`, in order. */
  readonly outcomes: readonly Outcome[];
  readonly rows?: readonly RowExpect[];
  readonly queries?: readonly QueryExpect[];
  /** A deliberate difference from the reference: the row of docs/parity.md that explains it. */
  readonly difference?: string;
}

/** Shorthand for the usual first step: user `id` created with its own wallet (handle `u<id>`). */
export function userCreate(id: number, metadata: Readonly<Record<string, unknown>> = {}): EmStep {
  return {
    user: id,
    type: 'User',
    id,
    action: 'Create',
    metadata: { handle: `u${id}`, name: `U${id}`, ...metadata },
  };
}

const isSeed = (s: EmStep | RowSeed): s is RowSeed => 'insert' in s;

let txSeq = 0;
function sha(...parts: (string | number)[]): string {
  return createHash('sha256').update(parts.join('|')).digest('hex');
}

function wireEm(step: EmStep): WireTransaction {
  const n = ++txSeq;
  const signer = step.signer === undefined ? walletOf(Number(step.user)) : step.signer;
  const metadata =
    step.metadata === undefined
      ? ''
      : typeof step.metadata === 'string'
        ? step.metadata
        : JSON.stringify({ cid: 'bafyparity', data: step.metadata });
  const me = {
    userId: String(step.user),
    entityType: step.type,
    entityId: String(step.id),
    action: step.action,
    metadata,
    signature: `0x${sha('sig', n)}`,
    signer: typeof signer === 'number' ? walletOf(signer) : signer,
    nonce: `0x${sha('nonce', n)}`,
  };
  return {
    hash: step.hash ?? sha('tx', n),
    transaction: step.migration ? { manageEntityMigration: me } : { manageEntity: me },
  };
}

function wireBlock(height: number, txs: readonly WireTransaction[]): WireGetBlockResponse {
  return {
    block: {
      height: String(height),
      hash: sha('block', height),
      chainId: PARITY_CHAIN_ID,
      proposer: sha('proposer').slice(0, 40),
      timestamp: new Date(GENESIS_MS + height * 1000).toISOString(),
      transactions: txs,
    },
    currentHeight: String(height),
  };
}

interface OutcomeRow {
  outcome: string;
  reason_code: string | null;
  reason: string | null;
}

/** One case's chain: a fresh database, heights from 1, every block through decode → indexBlock. */
class ParityChain {
  private height = 0;
  private readonly dispatcher = productionDispatcher();
  constructor(readonly tdb: TestDb) {}

  async block(steps: readonly (EmStep | RowSeed)[]): Promise<OutcomeRow[]> {
    for (const s of steps.filter(isSeed))
      await this.tdb.db
        .insertInto(s.insert)
        .values(s.values as never)
        .execute();
    const txs = steps.filter((s): s is EmStep => !isSeed(s)).map(wireEm);
    this.height++;
    const decoded = decodeGetBlockResponse(wireBlock(this.height, txs), this.height);
    if (decoded.status !== 'block') throw new Error('the parity block did not decode');
    await indexBlock(this.tdb.db, decoded.block, {
      chainId: PARITY_CHAIN_ID,
      dispatcher: this.dispatcher,
      logger: silentLogger,
    });
    return this.tdb.db
      .selectFrom('etl_transactions')
      .select(['outcome', 'reason_code', 'reason'])
      .where('block_height', '=', this.height)
      .orderBy('tx_index')
      .execute();
  }
}

const outcomeOf = (r: OutcomeRow): Outcome =>
  r.outcome === 'rejected'
    ? (r.reason_code ?? 'rejected')
    : r.outcome === 'failed'
      ? `failed: ${r.reason}`
      : r.outcome;

/** Tables that record the chain itself, not domain state: a rejected tx still writes these. */
const AUDIT = (t: string) =>
  t.startsWith('etl_') || t.startsWith('metronome_') || t === 'blocks' || t === 'core_indexed_blocks';

/**
 * Per table, its row count and an md5 over its whole rows (serial ids included: this compares one
 * database before and after, not replays across engines). The counts come in one statement and the md5s
 * in a second for the non-empty tables only: the golden digest's information_schema read and one round
 * trip per table cost a second per case, and an md5 aggregate over an empty table still costs ~5 ms.
 */
async function tablesDigest(tdb: TestDb, keep: (table: string) => boolean): Promise<Record<string, unknown>> {
  const listed = await sql<{
    t: string;
  }>`SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public'`.execute(tdb.db);
  const tables = listed.rows
    .map((r) => r.t)
    .filter(keep)
    .sort();
  const union = async <R>(perTable: (t: string) => ReturnType<typeof sql>, of: readonly string[]) =>
    of.length === 0
      ? []
      : (await sql<R>`${sql.join(of.map(perTable), sql` UNION ALL `)}`.execute(tdb.db)).rows;
  const counts = await union<{ t: string; n: number }>(
    (t) => sql`SELECT ${t}::text AS t, count(*)::int AS n FROM ${sql.table(t)}`,
    tables,
  );
  const md5s = await union<{ t: string; md5: string }>(
    (t) => sql`SELECT ${t}::text AS t, md5(string_agg(r::text, E'\n' ORDER BY r::text COLLATE "C")) AS md5
      FROM ${sql.table(t)} AS r`,
    counts.filter((c) => c.n > 0).map((c) => c.t),
  );
  const md5Of = new Map(md5s.map((r) => [r.t, r.md5]));
  return Object.fromEntries(counts.map((c) => [c.t, { rows: c.n, md5: md5Of.get(c.t) ?? '' }]));
}

const domainDigest = (tdb: TestDb) => tablesDigest(tdb, (t) => !AUDIT(t));

/** Every table and every sequence's position: what a reset database must share with a fresh copy. */
async function fullDigest(tdb: TestDb): Promise<Record<string, unknown>> {
  const seqs = await sql<{ s: string; v: string | null }>`
    SELECT sequencename AS s, last_value::text AS v FROM pg_sequences ORDER BY sequencename`.execute(tdb.db);
  return { tables: await tablesDigest(tdb, () => true), sequences: seqs.rows };
}

/** Database values in the shape the case wrote them: Dates as ISO text, numeric text as numbers where expected. */
function normalise(actual: unknown, expected: unknown): unknown {
  if (actual instanceof Date) return typeof expected === 'string' ? actual.toISOString() : actual;
  if (
    typeof expected === 'number' &&
    typeof actual === 'string' &&
    actual.trim() !== '' &&
    !Number.isNaN(Number(actual))
  )
    return Number(actual);
  if (Array.isArray(actual) && Array.isArray(expected))
    return actual.map((a, i) => normalise(a, expected[i]));
  if (actual !== null && typeof actual === 'object' && expected !== null && typeof expected === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(actual))
      out[k] = normalise(v, (expected as Record<string, unknown>)[k]);
    return out;
  }
  return actual;
}

async function selectWhere(tdb: TestDb, e: RowExpect): Promise<Record<string, unknown>[]> {
  let q = tdb.db.selectFrom(e.table).selectAll() as unknown as {
    where(c: string, op: string, v: unknown): typeof q;
    execute(): Promise<Record<string, unknown>[]>;
  };
  for (const [col, v] of Object.entries(e.where))
    q = v === null ? q.where(col, 'is', null) : q.where(col, '=', v);
  return q.execute();
}

/**
 * One database per test file, put back to the template's state after every case: a fresh copy per case
 * costs a CREATE and DROP DATABASE and a cold catalog cache on every connection (most of a case's time).
 */
let caseDb: { tdb: TestDb; pristine: Record<string, unknown> } | undefined;

async function caseDatabase(): Promise<TestDb> {
  if (caseDb === undefined) {
    const tdb = await createTestDb();
    caseDb = { tdb, pristine: await fullDigest(tdb) };
  }
  return caseDb.tdb;
}

/**
 * Deletes every row a case wrote and restarts the sequences, with triggers (foreign keys included) off so
 * that no trigger writes while rows go. Rows the migrations seed (`challenges`, `metronome_migrations`) are
 * kept. If the database then differs from the template in any table or sequence, it is dropped and the next
 * case gets a fresh copy, so a case never sees another's leftovers.
 */
async function resetCaseDatabase(): Promise<void> {
  if (caseDb === undefined) return;
  const { tdb, pristine } = caseDb;
  const clean = await tdb.db
    .transaction()
    .execute(async (trx) => {
      await sql`SET LOCAL session_replication_role = replica`.execute(trx);
      await sql`DO $$
        DECLARE t text;
        BEGIN
          FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'public'
              AND tablename NOT IN ('metronome_migrations', 'challenges') LOOP
            EXECUTE format('DELETE FROM %I', t);
          END LOOP;
          FOR t IN SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' LOOP
            EXECUTE format('ALTER SEQUENCE %I RESTART', t);
          END LOOP;
        END $$`.execute(trx);
      return true;
    })
    .catch(() => false);
  if (clean && isDeepStrictEqual(await fullDigest(tdb), pristine)) return;
  caseDb = undefined;
  await tdb.close();
}

/** Closes the file's case database (parityCases does it after the file's last case). */
export async function closeCaseDatabase(): Promise<void> {
  const tdb = caseDb?.tdb;
  caseDb = undefined;
  await tdb?.close();
}

export async function runCase(c: ParityCase): Promise<void> {
  const tdb = await caseDatabase();
  try {
    const chain = new ParityChain(tdb);
    for (const [i, step] of (c.setup ?? []).entries()) {
      const steps = Array.isArray(step) ? step : [step as EmStep | RowSeed];
      const got = await chain.block(steps);
      const bad = got.filter((r) => r.outcome !== 'applied');
      expect(bad, `setup block ${i + 1} must apply`).toEqual([]);
    }
    const block = Array.isArray(c.block) ? c.block : [c.block as EmStep];
    const allRejected = c.outcomes.every((o) => o !== 'applied');
    const before = allRejected ? await domainDigest(tdb) : undefined;
    const got = await chain.block(block);
    expect(got.map(outcomeOf), got.map((r) => r.reason ?? '').join(' | ')).toEqual([...c.outcomes]);
    if (before)
      expect(await domainDigest(tdb), 'a block of rejected txs writes no domain row').toEqual(before);
    for (const e of c.rows ?? []) {
      const rows = await selectWhere(tdb, e);
      const label = `${e.table} where ${JSON.stringify(e.where)}`;
      expect(rows.length, label).toBe(e.count ?? (e.equals ? 1 : rows.length));
      if (e.equals) expect(normalise(rows[0], e.equals), label).toMatchObject(e.equals);
    }
    for (const q of c.queries ?? []) {
      const res = await sql.raw<Record<string, unknown>>(q.query).execute(tdb.db);
      expect(normalise(res.rows, q.rows), q.query).toEqual(q.rows);
    }
  } finally {
    await resetCaseDatabase();
  }
}

/** Registers one vitest case per parity case; PostgreSQL only (the file's database copies the migrated template). */
export function parityCases(entity: string, cases: readonly ParityCase[]): void {
  describe.runIf(testBackend() === 'postgres')(`parity: ${entity}`, () => {
    afterAll(closeCaseDatabase);
    for (const c of cases) {
      it(`${c.name} [${c.from}]${c.difference ? ' (deliberate difference)' : ''}`, () => runCase(c));
    }
  });
}
