// indexBlock: ONE database transaction per chain block. Bookkeeping, every tx outcome, plays and their
// trigger effects commit together or not at all. The parts live beside this file: claim and finish
// (block-bookkeeping.ts), ManageEntity txs (em-txs.ts), plays (block-plays.ts).
import type { Kysely, Transaction } from 'kysely';
import { pgText } from '../chain/text.js';
import { type Block, isManageEntity, type Tx } from '../chain/types.js';
import type { Database } from '../db/schema.js';
import { type Statement, sendTogether } from '../db/send-together.js';
import type { Logger } from '../deps/logger.js';
import type { Dispatcher } from '../entity-manager/dispatcher.js';
import { BlockError, isRetryable } from '../shared/errors.js';
import {
  type BlockStats,
  claimBlock,
  claimBlocks,
  type Finished,
  finishBlocks,
  finishStatement,
  type TxRow,
} from './block-bookkeeping.js';
import {
  NO_PLAYS,
  type PlaysStats,
  playsStatements,
  recordPlays,
  recordPlaysOfBlocks,
} from './block-plays.js';
import { applyEmTxs, applyEmTxsInLine, deferredTriggerStatements, EmLine, type TxResult } from './em-txs.js';
import { classifyPlay, type PlayRecord, type PlaysHook } from './plays-bridge.js';
import { rawField } from './raw-text.js';

export type { BlockStats } from './block-bookkeeping.js';

export interface IndexDeps {
  readonly chainId: string;
  readonly dispatcher: Dispatcher;
  readonly logger: Logger;
  /** Defaults to the production bridge into `plays`. */
  readonly playsHook?: PlaysHook;
  /**
   * false: every ManageEntity tx in its own savepoint, without the block view (the careful path alone).
   * Default true. Tests compare the two paths row for row.
   */
  readonly batching?: boolean;
  /**
   * true: every value a handler patches into the block view is re-read from the database and must be equal
   * (a mismatch fails the block). Costs a read per patch; tests and the simulator's checks turn it on.
   */
  readonly auditView?: boolean;
}

/** A group transaction's bookkeeping (run.ts): its blocks claimed up front, their closing rows written at its end. */
export interface GroupBookkeeping {
  readonly claimed: ReadonlySet<number>;
  readonly done: Finished[];
  /**
   * Statements no one waits for, sent in front of the group's next statement: an EM block's deferred
   * triggers. An error in them fails the group, whose blocks are then indexed one by one (run.ts).
   */
  readonly pending: Statement[];
  /**
   * What completes once the group's line has gone: a plain run's results and closing rows, whose plays
   * figures come with the next block's first round trip. Run before the group's finish, in order.
   */
  readonly settle: (() => void)[];
}

/** The group's pending statements, now owned by the caller (who sends them first). */
export function takePending(group: GroupBookkeeping | undefined): Statement[] {
  return group ? group.pending.splice(0) : [];
}

export type IndexBlockResult =
  | { readonly status: 'indexed'; readonly stats: BlockStats }
  | { readonly status: 'already-indexed'; readonly height: number };

/** The `tx_type` recorded in etl_transactions for a decoded tx. */
export function txTypeOf(tx: Tx): string {
  if (tx.kind === 'manage_entity') return tx.migration ? 'manage_entity_migration' : 'manage_entity';
  if (tx.kind === 'plays') return 'play';
  return tx.txType;
}

export async function indexBlock(
  db: Kysely<Database>,
  block: Block,
  deps: IndexDeps,
): Promise<IndexBlockResult> {
  try {
    return await db.transaction().execute((trx) => applyBlock(trx, block, deps));
  } catch (e) {
    if (e instanceof BlockError) throw e;
    throw new BlockError(block.height, isRetryable(e), e);
  }
}

/**
 * Everything one block writes, inside a transaction the caller owns. The run loop may apply several
 * consecutive blocks in one transaction (group commit during backfill): each block is still all or
 * nothing, because a failure rolls back the whole group and the blocks are then retried one by one.
 */
export async function applyBlock(
  trx: Transaction<Database>,
  block: Block,
  deps: IndexDeps,
  group?: GroupBookkeeping,
): Promise<IndexBlockResult> {
  const emTxs = block.txs.filter(isManageEntity);
  // The em_block is taken in the block's first round trip with its reads; in a group the height is claimed
  // already, alone with the same statement.
  const hasEm = emTxs.length > 0;
  const claimed = group ? group.claimed.has(block.height) : hasEm || (await claimBlock(trx, block));
  if (!claimed) return { status: 'already-indexed', height: block.height };
  const playRecords = collectPlays(block);
  // A block alone without plays: its closing statements can go behind its ManageEntity writes, in the same
  // round trip, once the fast path's outcomes are known (applyEmTxs sends them inside the block savepoint, so
  // a replay on the careful path undoes them and they are sent again below).
  let finishedAlong: Finished | undefined;
  const finishAlong =
    !group && playRecords.length === 0
      ? (emBlock: number, results: readonly TxResult[]): Statement[] => {
          finishedAlong = summarize(block, emBlock, results, NO_PLAYS);
          return [...deferredTriggerStatements(), finishStatement(deps.chainId, [finishedAlong])];
        }
      : undefined;
  const em = hasEm
    ? await applyEmTxs(trx, block, emTxs, group ? 'take' : 'claim', deps, takePending(group), finishAlong)
    : undefined;
  if (em === 'already-indexed') return { status: 'already-indexed', height: block.height };
  if (em?.finished && finishedAlong) return { status: 'indexed', stats: finishedAlong.stats };

  const plays = await recordPlays(trx, block, playRecords, deps.playsHook, takePending(group));
  // The block's deferred triggers fire with the group's next statement, or alone with the block's finish.
  if (hasEm && group) group.pending.push(...deferredTriggerStatements());
  const done = summarize(block, em?.emBlock ?? null, em?.results ?? [], plays);
  if (group) group.done.push(done);
  else if (!hasEm) await finishBlocks(trx, deps.chainId, [done]);
  else await sendTogether(trx, [...deferredTriggerStatements(), finishStatement(deps.chainId, [done])]);
  return { status: 'indexed', stats: done.stats };
}

/** The block's plays, in tx order. */
function collectPlays(block: Block): PlayRecord[] {
  const out: PlayRecord[] = [];
  block.txs.forEach((tx, i) => {
    if (tx.kind === 'plays')
      tx.plays.forEach((p, j) => {
        out.push(classifyPlay(p, rawField(tx.hash), i, j));
      });
  });
  return out;
}

/** The block's closing rows: one per tx with its outcome, and the block's figures. */
function summarize(
  block: Block,
  emBlock: number | null,
  emResults: readonly TxResult[],
  plays: PlaysStats,
): Finished {
  let next = 0;
  const rows: TxRow[] = [];
  const reasons: Record<string, number> = {};
  const counts = { applied: 0, rejected: 0, failed: 0, unrouted: 0 };
  let emTxs = 0;
  for (let i = 0; i < block.txs.length; i++) {
    const tx = block.txs[i]!;
    const row: TxRow = {
      tx_hash: rawField(tx.hash),
      tx_index: i,
      tx_type: txTypeOf(tx),
      address: null,
      outcome: 'applied',
      reason_code: null,
      reason: null,
      entity_type: null,
      action: null,
    };
    if (tx.kind === 'manage_entity') {
      emTxs++;
      const me = tx.manageEntity;
      row.address = rawField(me.signer.toLowerCase());
      row.entity_type = pgText(clipText(me.entityType));
      row.action = pgText(clipText(me.action));
      const result = emResults[next++]!;
      row.outcome = result.outcome;
      if (result.outcome !== 'applied') {
        row.reason_code = result.reasonCode;
        row.reason = pgText(result.reason);
        reasons[result.reasonCode] = (reasons[result.reasonCode] ?? 0) + 1;
      }
      counts[result.outcome]++;
    } else {
      if (tx.kind === 'plays') row.address = tx.plays.length > 0 ? rawField(tx.plays[0]!.userId) : null;
      counts.applied++;
    }
    rows.push(row);
  }
  const stats: BlockStats = {
    height: block.height,
    emBlock,
    txs: block.txs.length,
    emTxs,
    ...counts,
    ...plays,
    reasons,
  };
  return { block, stats, rows };
}

/**
 * Consecutive blocks in one transaction the caller owns (the run loop's group commit during backfill): one
 * claim and one finish statement for all of them, each block's own work in between, runs of blocks without
 * ManageEntity txs together. Each block is still all or nothing: a failure rolls back the whole group.
 */
export async function applyGroup(
  trx: Transaction<Database>,
  blocks: readonly Block[],
  deps: IndexDeps,
): Promise<IndexBlockResult[]> {
  const book: GroupBookkeeping = {
    claimed: await claimBlocks(trx, blocks),
    done: [],
    pending: [],
    settle: [],
  };
  // The ManageEntity blocks in a line (em-txs.ts EmLine): the production bridge and the fast path only.
  const line = deps.batching !== false && deps.playsHook === undefined ? new EmLine(trx, deps) : undefined;
  const hasEm = blocks.map((b) => b.txs.some(isManageEntity));
  // In block order; a plain run's and a lined block's results are filled in when the group settles.
  const parts: IndexBlockResult[][] = [];
  for (let i = 0; i < blocks.length; ) {
    let j = i;
    while (j < blocks.length && !hasEm[j]) j++;
    if (j > i) {
      // The group's last run sends its plays itself: the line's last writes are heard first, so their
      // error names their block rather than surfacing as this run's "transaction is aborted".
      if (j === blocks.length) await line?.landed();
      parts.push(await applyPlainBlocks(trx, blocks.slice(i, j), deps, book, j < blocks.length));
      i = j;
    } else if (line) {
      const k = hasEm.indexOf(true, i + 1);
      const next = k < 0 ? undefined : blocks[k]!;
      line.next = next && { block: next, txs: next.txs.filter(isManageEntity) };
      parts.push(await applyLinedBlock(trx, blocks[i]!, deps, book, line));
      i++;
    } else {
      parts.push([await applyBlock(trx, blocks[i]!, deps, book)]);
      i++;
    }
  }
  // The line's last writes have run before anything is settled.
  await line?.landed();
  // A plain run's statements went with the next block's first round trip, unless that block was indexed
  // already and sent nothing: then they go now, before the finish that needs their answers.
  if (book.settle.length > 0 && book.pending.length > 0) await sendTogether(trx, takePending(book));
  for (const s of book.settle.splice(0)) s();
  book.done.sort((a, b) => a.block.height - b.block.height);
  const finish = book.done.length > 0 ? [finishStatement(deps.chainId, book.done)] : [];
  await sendTogether(trx, [...takePending(book), ...finish]);
  return parts.flat();
}

/**
 * A group's ManageEntity block in the line (em-txs.ts EmLine): its plays and deferred triggers go behind
 * its writes, and its results are filled in when the group settles. A block replayed on the careful path
 * finishes as applyBlock does.
 */
async function applyLinedBlock(
  trx: Transaction<Database>,
  block: Block,
  deps: IndexDeps,
  group: GroupBookkeeping,
  line: EmLine,
): Promise<IndexBlockResult[]> {
  if (!group.claimed.has(block.height)) return [{ status: 'already-indexed', height: block.height }];
  const records = collectPlays(block);
  const plays = playsStatements(trx, [{ block, records }]);
  const out: IndexBlockResult[] = [];
  const done = (em: { emBlock: number; results: readonly TxResult[] }, stats: PlaysStats) => {
    const d = summarize(block, em.emBlock, em.results, stats);
    group.done.push(d);
    out.push({ status: 'indexed', stats: d.stats });
  };
  let settle: (() => void) | undefined;
  const em = await applyEmTxsInLine(
    trx,
    block,
    block.txs.filter(isManageEntity),
    deps,
    line,
    takePending(group),
    [...plays.statements, ...deferredTriggerStatements()],
    // Its writes were refused after the next block had started: its plays and deferred triggers go now,
    // before anything of the next block (which starts over).
    async (replayed) => {
      const recorded = await recordPlays(trx, block, records, deps.playsHook);
      await sendTogether(trx, deferredTriggerStatements());
      settle = () => done(replayed, recorded);
    },
  );
  if (em.inLine) {
    group.settle.push(() => (settle ?? (() => done(em, plays.stats()[0]!)))());
    return out;
  }
  const recorded = await recordPlays(trx, block, records, deps.playsHook, takePending(group));
  group.pending.push(...deferredTriggerStatements());
  done(em, recorded);
  return out;
}

/**
 * Consecutive blocks without ManageEntity txs (empty, plays, other txs) in a few statements for the whole
 * run: one claim, each block's plays, one finish. Same rows as applyBlock on each block; used by the run
 * loop's group commit, where these blocks are the bulk of a mainnet backfill.
 */
export async function applyPlainBlocks(
  trx: Transaction<Database>,
  blocks: readonly Block[],
  deps: IndexDeps,
  group?: GroupBookkeeping,
  /**
   * The group goes on with a ManageEntity block: the run's plays statements wait in the group's line for
   * that block's first round trip, and its results are filled in when the group settles (run.ts).
   */
  lineGoesOn = false,
): Promise<IndexBlockResult[]> {
  for (const block of blocks) {
    if (block.txs.some(isManageEntity))
      throw new Error(`applyPlainBlocks: block ${block.height} has ManageEntity txs`);
  }
  const fresh = group?.claimed ?? (await claimBlocks(trx, blocks));
  const done: Finished[] = [];
  const results: IndexBlockResult[] = [];
  const mine = blocks.filter((b) => fresh.has(b.height));
  const rowsOf = new Map<Block, TxRow[]>();
  const playsOf = mine.map((block) => {
    const rows: TxRow[] = [];
    const records: PlayRecord[] = [];
    block.txs.forEach((tx, i) => {
      rows.push({
        tx_hash: tx.hash,
        tx_index: i,
        tx_type: txTypeOf(tx),
        address: tx.kind === 'plays' && tx.plays.length > 0 ? rawField(tx.plays[0]!.userId) : null,
        outcome: 'applied',
        reason_code: null,
        reason: null,
        entity_type: null,
        action: null,
      });
      if (tx.kind === 'plays')
        tx.plays.forEach((p, j) => {
          records.push(classifyPlay(p, rawField(tx.hash), i, j));
        });
    });
    rowsOf.set(block, rows);
    return { block, records };
  });
  const anyPlays = playsOf.some((p) => p.records.length > 0);
  const summarizeRun = (plays: readonly PlaysStats[]) => {
    const playsOfBlock = new Map(mine.map((b, i) => [b, plays[i]!]));
    for (const block of blocks) {
      const p = playsOfBlock.get(block);
      if (p === undefined) {
        results.push({ status: 'already-indexed', height: block.height });
        continue;
      }
      const stats: BlockStats = {
        height: block.height,
        emBlock: null,
        txs: block.txs.length,
        emTxs: 0,
        applied: block.txs.length,
        rejected: 0,
        failed: 0,
        unrouted: 0,
        ...p,
        reasons: {},
      };
      done.push({ block, stats, rows: rowsOf.get(block)! });
      results.push({ status: 'indexed', stats });
    }
  };
  if (group && lineGoesOn && anyPlays && deps.playsHook === undefined) {
    const line = playsStatements(trx, playsOf);
    group.pending.push(...line.statements);
    group.settle.push(() => {
      summarizeRun(line.stats());
      group.done.push(...done);
    });
    return results;
  }
  // The group's pending statements go with the run's plays; a run without plays leaves them pending.
  summarizeRun(await recordPlaysOfBlocks(trx, playsOf, deps.playsHook, anyPlays ? takePending(group) : []));
  if (group) group.done.push(...done);
  else await finishBlocks(trx, deps.chainId, done);
  return results;
}

function clipText(s: string): string {
  return s.length > 256 ? s.slice(0, 256) : s;
}
