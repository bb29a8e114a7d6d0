// A block's ManageEntity txs: their envelopes recorded as sent, then each applied in order, inside one
// savepoint for the block.
//
// Fast path: no savepoint per tx. Every handler runs parse → authorize → validate → write (authorize.ts),
// so a rejection comes before the tx's first write and there is nothing to undo; the block view serves
// the reads. The path gives up — rolls back to one savepoint around the block's txs and replays them on
// the careful path — whenever that contract cannot be trusted: a rejection after a write, or any hard
// error (a database error also leaves the transaction unusable until the rollback).
// Careful path: each tx in its own savepoint, as the contract-free default; outcomes are the same.
import { type Kysely, sql, type Transaction } from 'kysely';
import { parseInt64 } from '../chain/text.js';
import type { Block, ManageEntityTx } from '../chain/types.js';
import type { Database } from '../db/schema.js';
import { type Statement, sendTogether } from '../db/send-together.js';
import {
  type ApplyContext,
  applyManageEntity,
  type EmOutcome,
  type PrevalidatedParams,
  prevalidate,
} from '../entity-manager/apply.js';
import { pairKey } from '../entity-manager/block-view/lookups.js';
import { BlockView } from '../entity-manager/block-view/view.js';
import { sanitizeSlug } from '../entity-manager/handlers/common/slugs.js';
import { BlockError, describe, isRetryable } from '../shared/errors.js';
import { claimedEmBlock, claimWithEmBlock, claimWithEmBlockStatement } from './block-bookkeeping.js';
import { emBlockOf, emBlockStatement, expectedEmBlockStatement, resolveEmBlock } from './em-block.js';
import type { IndexDeps } from './index-block.js';
import { rawField, rawMetadata } from './raw-text.js';

export type TxResult = EmOutcome | { outcome: 'failed'; reasonCode: 'handler_error'; reason: string };

/**
 * How the block gets its em_block, in its first round trip: `take` the next number (a group's block, whose
 * height run.ts claimed already), or `claim` the height and take the number (a block alone).
 */
export type EmBlockClaim = 'take' | 'claim';

/**
 * The outcome of each tx of `txs`, in order, and the block's em_block; 'already-indexed' when `claim`
 * found the height taken (nothing written). Throws BlockError for infrastructure trouble. `before`:
 * statements to run first (the group's previous block's deferred triggers).
 */
export async function applyEmTxs(
  trx: Transaction<Database>,
  block: Block,
  txs: readonly ManageEntityTx[],
  claim: EmBlockClaim,
  deps: IndexDeps,
  before: readonly Statement[] = [],
  /**
   * Statements that close the block, built from the fast path's outcomes and sent behind its writes (in
   * the block savepoint, so a replay undoes them); `finished` says whether they went.
   */
  finish?: (emBlock: number, results: readonly TxResult[]) => readonly Statement[],
): Promise<
  { readonly emBlock: number; readonly results: TxResult[]; readonly finished: boolean } | 'already-indexed'
> {
  const ctxOf = (emBlock: number) => ctx(block, emBlock, trx, deps);
  const careful = async (emBlock: number) => ({
    emBlock,
    results: await applyCareful(trx, block, txs, emBlock, deps),
    finished: false,
  });
  if (deps.batching === false) {
    if (before.length > 0) await sendTogether(trx, before);
    if (claim === 'take') return careful(await resolveEmBlock(trx, block.hash));
    const emBlock = await claimWithEmBlock(trx, block);
    return emBlock === undefined ? 'already-indexed' : careful(emBlock);
  }
  const view = new BlockView(trx, { audit: deps.auditView === true, height: block.height });
  for (const s of before) view.statements.hold(s);
  // Before the block savepoint, so a replay on the careful path keeps the claim and the number; the answer
  // comes with the block's first reads.
  const asked = view.statements.askRows(
    claim === 'take' ? emBlockStatement(block.hash) : claimWithEmBlockStatement(block),
  );
  await sql`SAVEPOINT em_block`.execute(view.db);
  let answered: { readonly claimed: boolean; readonly number: number | undefined } | undefined;
  try {
    const pres = prepare(txs, view);
    await view.preload();
    const rows = await asked;
    answered = claim === 'take' ? { claimed: true, number: emBlockOf(rows) } : claimedEmBlock(rows);
    // A re-delivered block: it has only read.
    if (!answered.claimed) {
      await sql`RELEASE SAVEPOINT em_block`.execute(trx);
      return 'already-indexed';
    }
    // The envelopes' rows once the height is known to be this block's (held, they go with its writes);
    // inside the block savepoint, so a replay on the careful path writes them once. Nothing reads them.
    await recordManageEntities(view.db, block, txs);
    // Another writer took MAX+1 first: the number is taken again below, on the careful path.
    const emBlock = answered.number;
    const results = emBlock === undefined ? null : await applyFast(block, txs, pres, ctxOf(emBlock), view);
    if (emBlock !== undefined && results !== null) {
      const closing = finish?.(emBlock, results) ?? [];
      for (const s of closing) view.statements.hold(s);
      await sql`RELEASE SAVEPOINT em_block`.execute(view.db);
      // The block's held writes go now: an error in any of them is heard here and undoes the block below.
      await view.statements.flush();
      return { emBlock, results, finished: finish !== undefined };
    }
    // Given up without an error: what is held is sent, then rolled back with the rest.
    await view.statements.flush();
  } catch (e) {
    if (e instanceof BlockError) throw e;
    // Without the claim's answer (or for a height not its own) there is nothing to replay: the block fails.
    if (isRetryable(e) || answered?.claimed !== true) throw new BlockError(block.height, isRetryable(e), e);
  }
  await sql`ROLLBACK TO SAVEPOINT em_block`.execute(trx);
  // Taken inside the block savepoint from here on, which the careful path never rolls back.
  const out = await careful(answered?.number ?? (await resolveEmBlock(trx, block.hash)));
  await sql`RELEASE SAVEPOINT em_block`.execute(trx);
  return out;
}

/** How `opening` ended: undefined when it ran (or never went), its error otherwise. */
function failureOf(opening: Promise<void> | undefined): Promise<{ readonly e: unknown } | undefined> {
  return opening === undefined
    ? Promise.resolve(undefined)
    : opening.then(
        () => undefined,
        (e: unknown) => ({ e }),
      );
}

interface InFlight {
  readonly height: number;
  readonly sent: Promise<void>;
  readonly replay: () => Promise<void>;
}

/** Each envelope parsed once: for the keys to prefetch (named to the view) and for its handler. */
function prepare(txs: readonly ManageEntityTx[], view: BlockView, pres = txs.map(prevalidate)) {
  pres.forEach((pre, i) => {
    if (!('outcome' in pre)) expectKeys(view, pre.params, txs[i]!.manageEntity);
  });
  return pres;
}

type Prepared = ReturnType<typeof prepare>;

/**
 * A group's ManageEntity blocks in a line (applyGroup): one block view serves them all, each block's keys
 * are read with the previous block's (lookahead), and each block's writes are sent without waiting for
 * them, so the handlers of the next block run in Node while the server runs these writes.
 *
 * What keeps it exact:
 * - The view's sends go in order of issue, and a statement on the transaction itself waits for them
 *   (deferred-statements.ts `settled`); a read in flight gives way
 *   to every write issued behind it (keyed-lookup.ts), so the view answers what a read issued now would.
 * - A block's rows carry the number it expects (the previous block's plus one); the statement that takes
 *   the number raises otherwise, inside the block savepoint (em-block.ts expectedEmBlockStatement).
 * - Nothing of a block counts before the previous block's writes have run: their error fails the group,
 *   whose blocks are then indexed one by one (run.ts). A block's own trouble (an error, a rejection after a
 *   write, an unexpected number) is heard before its savepoint is released, and replays it on the careful
 *   path.
 */
export class EmLine {
  readonly view: BlockView;
  /** em_block of the line's previous block; undefined: the next block asks for its number. */
  private lastEm: number | undefined;
  /** The next ManageEntity block of the group, when there is one: its keys are read with this block's. */
  next: { readonly block: Block; readonly txs: readonly ManageEntityTx[] } | undefined;
  private readonly prepared = new Map<Block, Prepared>();
  /** The previous block's writes, on the wire, and how to replay that block should they fail. */
  private inFlight: InFlight | undefined;

  constructor(trx: Transaction<Database>, deps: IndexDeps) {
    this.view = new BlockView(trx, { audit: deps.auditView === true, height: 0 });
  }

  /**
   * Waits for the previous block's writes. When the server refused one, that block is replayed on the
   * careful path ('replayed': whatever the caller held is dropped, and what it sent after that block's
   * writes was undone with them, so the caller starts over). A lost connection, or a failure the block's
   * savepoint does not cover (its plays, its deferred triggers), is a BlockError for that block: the group
   * fails and run.ts indexes its blocks one by one.
   */
  async landed(): Promise<'landed' | 'replayed'> {
    const f = this.inFlight;
    this.inFlight = undefined;
    return this.hear(f);
  }

  private async hear(f: InFlight | undefined): Promise<'landed' | 'replayed'> {
    if (f === undefined) return 'landed';
    try {
      await f.sent;
      return 'landed';
    } catch (e) {
      if (e instanceof BlockError || isRetryable(e))
        throw e instanceof BlockError ? e : new BlockError(f.height, true, e);
      this.view.statements.discard(e);
      try {
        await this.view.statements.settled();
        await f.replay();
      } catch (again) {
        throw again instanceof BlockError ? again : new BlockError(f.height, isRetryable(again), e);
      }
      return 'replayed';
    }
  }

  /** The block's number, as the line expects it (undefined: ask). */
  get expected(): number | undefined {
    return this.lastEm === undefined ? undefined : this.lastEm + 1;
  }

  /**
   * Sends the block's held statements without waiting, then hears the previous block's (see `landed`):
   * the server has this block's writes queued behind the previous block's before Node waits for those.
   * Should the previous block be replayed, this block's writes, sent behind a refused statement, failed
   * with the transaction, and the caller starts this block over. `replay` replays this block on the
   * careful path should the server refuse its own writes (heard by the next block).
   */
  async sendThenHear(
    height: number,
    emBlock: number,
    replay: () => Promise<void>,
  ): Promise<'landed' | 'replayed'> {
    const previous = this.inFlight;
    this.inFlight = { height, sent: this.view.statements.sendNow(), replay };
    this.lastEm = emBlock;
    const heard = await this.hear(previous);
    if (heard === 'replayed') this.inFlight = undefined;
    return heard;
  }

  /**
   * Forgets this block's send, after the block's own trouble: whether its writes ran anyway (the trouble
   * was in Node, not on the server), in which case their savepoint is gone and nothing can replay them.
   */
  async dropOwnSend(): Promise<boolean> {
    const own = this.inFlight;
    this.inFlight = undefined;
    if (own === undefined) return false;
    return own.sent.then(
      () => true,
      () => false,
    );
  }

  /** The block went the careful path with `emBlock` (nothing is in flight). */
  replayed(emBlock: number): void {
    this.lastEm = emBlock;
    this.view.invalidateAll();
  }

  /** The block's envelopes parsed (once: the lookahead may have), its keys expected. */
  prepare(block: Block, txs: readonly ManageEntityTx[]): Prepared {
    const done = this.prepared.get(block);
    this.prepared.delete(block);
    return prepare(txs, this.view, done);
  }

  /** The next block's keys, expected now so they are read with this block's. */
  expectNext(): void {
    if (this.next === undefined || this.prepared.has(this.next.block)) return;
    this.prepared.set(this.next.block, prepare(this.next.txs, this.view));
  }
}

/**
 * A block's ManageEntity txs in a group's line (EmLine). `before`: statements to run first (the group's
 * pending line); `closing`: statements that go behind the block's writes, outside its savepoint (its plays
 * and deferred triggers). `inLine`: the block's writes and `closing` are on the wire (the group's
 * `EmLine.landed` hears them); otherwise the block went the careful path and `closing` was not sent.
 */
export async function applyEmTxsInLine(
  trx: Transaction<Database>,
  block: Block,
  txs: readonly ManageEntityTx[],
  deps: IndexDeps,
  line: EmLine,
  before: readonly Statement[],
  closing: readonly Statement[],
  /** What the caller does once the block, its writes refused by the server, was replayed (see EmLine.landed). */
  replayed: (out: { readonly emBlock: number; readonly results: TxResult[] }) => Promise<void>,
): Promise<{ readonly emBlock: number; readonly results: TxResult[]; readonly inLine: boolean }> {
  const view = line.view;
  view.beginBlock(block.height);
  for (const s of before) view.statements.hold(s);
  const expected = line.expected;
  // The line's first block asks for its number before the savepoint (a replay keeps it), as a block alone
  // does; the others have theirs checked inside it.
  const asked = expected === undefined ? view.statements.askRows(emBlockStatement(block.hash)) : undefined;
  await sql`SAVEPOINT em_block`.execute(view.db);
  if (expected !== undefined) view.statements.hold(expectedEmBlockStatement(block.hash, expected));
  let emBlock = expected;
  let answered = asked === undefined;
  let opening: Promise<void> | undefined;
  let results: TxResult[] | null = null;
  let failure: { readonly e: unknown } | undefined;
  try {
    const pres = line.prepare(block, txs);
    const ownReads = asked !== undefined || view.wantsLoad;
    line.expectNext();
    opening = view.prefetch();
    if (ownReads) await opening;
    if (asked !== undefined) {
      emBlock = emBlockOf(await asked);
      answered = true;
    }
    if (emBlock !== undefined) {
      // Nothing reads the envelopes' rows; held, they go with the block's writes.
      await recordManageEntities(view.db, block, txs);
      results = await applyFast(block, txs, pres, ctx(block, emBlock, trx, deps), view);
    }
  } catch (e) {
    failure = { e };
  }
  if (failure === undefined && results !== null && emBlock !== undefined) {
    // The block's writes go before the previous block's are heard (EmLine.sendThenHear); its opening (its
    // savepoint, its number's check, the next block's reads) went before them.
    await sql`RELEASE SAVEPOINT em_block`.execute(view.db);
    for (const s of closing) view.statements.hold(s);
    const heard = await line.sendThenHear(block.height, emBlock, async () => {
      await sql`ROLLBACK TO SAVEPOINT em_block`.execute(trx);
      await replayed(await replayCarefully(trx, block, txs, deps, line));
    });
    if (heard === 'replayed') return applyEmTxsInLine(trx, block, txs, deps, line, before, closing, replayed);
    failure = await failureOf(opening);
    if (failure === undefined) return { emBlock, results, inLine: true };
    // The block's own trouble: its writes went behind it and failed with the transaction, or (trouble in
    // Node alone) ran and released the savepoint, which leaves the group nothing to replay.
    if (await line.dropOwnSend()) throw new BlockError(block.height, false, failure.e);
  } else {
    // Nothing of this block counts before the previous block's writes have run; if they were refused,
    // that block was replayed and this one starts over.
    if ((await line.landed()) === 'replayed')
      return applyEmTxsInLine(trx, block, txs, deps, line, before, closing, replayed);
    failure ??= await failureOf(opening);
  }
  if (failure !== undefined) {
    const { e } = failure;
    if (e instanceof BlockError) throw e;
    // Without the opening on the wire (the group's pending line) or the number's answer, nothing replays.
    if (isRetryable(e) || opening === undefined || !answered)
      throw new BlockError(block.height, isRetryable(e), e);
  }
  // Given up, or the block's own error: what it holds goes nowhere, the savepoint undoes what it sent.
  view.statements.discard(failure?.e ?? new Error('block replayed on the careful path'));
  await view.statements.settled();
  await sql`ROLLBACK TO SAVEPOINT em_block`.execute(trx);
  return { ...(await replayCarefully(trx, block, txs, deps, line)), inLine: false };
}

/**
 * A lined block on the careful path, once rolled back to its savepoint. Its number is taken again: a
 * number asked before the savepoint is found by the block's hash, an expected one was rolled back.
 */
async function replayCarefully(
  trx: Transaction<Database>,
  block: Block,
  txs: readonly ManageEntityTx[],
  deps: IndexDeps,
  line: EmLine,
): Promise<{ readonly emBlock: number; readonly results: TxResult[] }> {
  const emBlock = await resolveEmBlock(trx, block.hash);
  const results = await applyCareful(trx, block, txs, emBlock, deps);
  await sql`RELEASE SAVEPOINT em_block`.execute(trx);
  line.replayed(emBlock);
  return { emBlock, results };
}

/** The careful path: the envelopes' rows, then each tx in its own savepoint. */
async function applyCareful(
  trx: Transaction<Database>,
  block: Block,
  txs: readonly ManageEntityTx[],
  emBlock: number,
  deps: IndexDeps,
): Promise<TxResult[]> {
  await recordManageEntities(trx, block, txs);
  const out: TxResult[] = [];
  for (const tx of txs)
    out.push(await applyInSavepoint(trx, tx, block, ctx(block, emBlock, trx, deps), deps));
  return out;
}

function ctx(block: Block, emBlock: number, db: Kysely<Database>, deps: IndexDeps): ApplyContext {
  return {
    db,
    logger: deps.logger,
    dispatcher: deps.dispatcher,
    emBlock,
    blockTime: block.timestamp,
    blockHash: block.hash,
    chainHeight: block.height,
  };
}

/** null = the block must be replayed on the careful path; a thrown error means the same. */
async function applyFast(
  block: Block,
  txs: readonly ManageEntityTx[],
  pres: Prepared,
  ctx: ApplyContext,
  view: BlockView,
): Promise<TxResult[] | null> {
  const db = view.db;
  const results: TxResult[] = [];
  for (const [i, tx] of txs.entries()) {
    view.tracker.startTx();
    let result: EmOutcome;
    try {
      result = await applyManageEntity(tx, { ...ctx, db }, pres[i]);
    } catch (e) {
      if (isRetryable(e)) throw new BlockError(block.height, true, e, tx.hash);
      return null;
    }
    if (result.outcome !== 'applied' && view.tracker.writes > 0) return null;
    results.push(result);
  }
  return results;
}

/**
 * The rows a tx's handler may consult, so each table is read once for the whole block. Eager: what the
 * handler reads on its usual path (read at the block's start); lazy: what it reads only on some paths (a
 * signer other than the user's wallet, a price already on record), read at first use. Either way a key
 * not named here is still answered, at the cost of a statement.
 */
function expectKeys(view: BlockView, p: PrevalidatedParams, me: ManageEntityTx['manageEntity']): void {
  const { signer, userId, entityId, metadata: m } = p;
  const { entityType: type, action } = me;
  const create = action === 'Create';
  const itemAction = action === 'Save' || action === 'Unsave' || action === 'Repost' || action === 'Unrepost';
  view.expect('userWallet', String(userId));
  // Authorization past the user's own wallet.
  view.expect('grant', pairKey(signer, userId), false);
  view.expect('liveApp', signer, type === 'User' && create);
  view.expect('activeWallet', signer, false);
  view.expect('userWallet', String(entityId), action === 'Follow' || action === 'Unfollow');
  view.expect('currentTrack', String(entityId), type === 'Track' || itemAction);
  view.expect('anyPlaylist', String(entityId), type === 'Playlist' || itemAction);
  view.expect('playlistIsAlbum', String(entityId), itemAction);
  view.expect('follow', pairKey(userId, entityId), action === 'Follow' || action === 'Unfollow');
  for (const t of ['track', 'playlist', 'album']) {
    view.expect('save', pairKey(userId, entityId, t), action === 'Save' || action === 'Unsave');
    view.expect('repost', pairKey(userId, entityId, t), action === 'Repost' || action === 'Unrepost');
  }
  if (type === 'Playlist' && (create || action === 'Update'))
    view.expect('livePlaylistTracks', String(entityId));
  if (type === 'User') view.expect('userEvents', String(userId));
  if (type === 'User' && action === 'Update') view.expect('userProfile', String(userId));
  if (!create) return;
  if (type === 'User') {
    view.expect('walletOwner', signer);
    const handle = m.str('handle');
    if (handle !== '') view.expect('handleOwner', handle.toLowerCase());
  } else if (type === 'Track') {
    view.expect('userHandle', String(userId));
    expectRoute(view, 'track', userId, sanitizeSlug(m.str('title'), entityId));
    view.expect('trackPrice', String(entityId), false);
  } else if (type === 'Playlist') {
    const name = m.str('playlist_name');
    if (name !== '') expectRoute(view, 'playlist', userId, sanitizeSlug(name, entityId));
    view.expect('albumPrice', String(entityId), false);
  }
}

function expectRoute(view: BlockView, kind: 'track' | 'playlist', owner: number, titleSlug: string): void {
  view.expect(kind === 'track' ? 'trackRouteMax' : 'playlistRouteMax', pairKey(owner, titleSlug));
  // A slug ending in a digit is also probed as it is (slugs.ts); others only after a collision.
  view.expect(
    kind === 'track' ? 'trackSlug' : 'playlistSlug',
    pairKey(owner, titleSlug),
    /\p{Nd}$/u.test(titleSlug),
  );
}

// A handler that fails (validation or hard error) leaves none of its writes: the savepoint is rolled back.
async function applyInSavepoint(
  trx: Transaction<Database>,
  tx: ManageEntityTx,
  block: Block,
  ctx: ApplyContext,
  deps: IndexDeps,
): Promise<TxResult> {
  await sql`SAVEPOINT em_tx`.execute(trx);
  try {
    const result = await applyManageEntity(tx, ctx);
    if (result.outcome === 'applied') {
      await sql`RELEASE SAVEPOINT em_tx`.execute(trx);
    } else {
      await sql`ROLLBACK TO SAVEPOINT em_tx`.execute(trx);
    }
    return result;
  } catch (e) {
    // Infrastructure trouble is not the tx's fault: fail the block so it is retried whole.
    if (isRetryable(e)) throw new BlockError(block.height, true, e, tx.hash);
    await sql`ROLLBACK TO SAVEPOINT em_tx`.execute(trx);
    deps.logger.error(
      { height: block.height, tx: tx.hash, err: describe(e) },
      'entity manager dispatch error; tx rolled back',
    );
    return { outcome: 'failed', reasonCode: 'handler_error', reason: describe(e) };
  }
}

/** The envelopes as sent: etl_manage_entities, and etl_addresses for signers not seen before. */
async function recordManageEntities(trx: Kysely<Database>, block: Block, emTxs: readonly ManageEntityTx[]) {
  const indexOf = new Map(block.txs.map((t, i) => [t, i]));
  const time = block.timestamp;
  for (const part of chunks(emTxs)) {
    await trx
      .insertInto('etl_manage_entities')
      .values(
        part.map((tx) => {
          const me = tx.manageEntity;
          return {
            address: rawField(me.signer.toLowerCase()),
            entity_type: rawField(me.entityType),
            entity_id: int64OrNull(me.entityId),
            user_id: int64OrNull(me.userId),
            action: rawField(me.action),
            metadata: me.metadata === '' ? null : rawMetadata(me.metadata),
            signature: rawField(me.signature),
            signer: rawField(me.signer),
            nonce: rawField(me.nonce),
            block_height: block.height,
            tx_hash: rawField(tx.hash),
            tx_index: indexOf.get(tx)!,
            created_at: time,
          };
        }),
      )
      .execute();
  }
  const addresses = [...new Set(emTxs.map((tx) => rawField(tx.manageEntity.signer.toLowerCase())))];
  await trx
    .insertInto('etl_addresses')
    .values(
      addresses.map((address) => ({
        address,
        pub_key: null,
        first_seen_block_height: block.height,
        created_at: time,
      })),
    )
    .onConflict((oc) => oc.column('address').doNothing())
    .execute();
}

function int64OrNull(s: string): string | null {
  return parseInt64(s)?.toString() ?? null;
}

/** Multi-row inserts stay under PostgreSQL's 65,535 bind parameters. */
function* chunks<T>(items: readonly T[], size = 2000): Generator<readonly T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

/** Production's constraint triggers deferred to commit (migration 0010). */
const DEFERRED_TRIGGERS = [
  'on_comment_notification',
  'on_comment_remix_contest_update',
  'on_fan_club_text_post',
];

/**
 * Deferred triggers fire at the end of each block, not at the end of a group commit: what they read
 * (mentions, threads, later comments) must be the block's state, whatever the transaction boundaries —
 * otherwise a restart that regroups blocks writes other notifications. IMMEDIATE fires the pending events
 * now; the named constraints are then deferred again for the next block in the group. The statements go
 * with the block's finish, or in a group with the next statement of the transaction (index-block.ts).
 */
export function deferredTriggerStatements(): Statement[] {
  return [
    sql.raw('SET CONSTRAINTS ALL IMMEDIATE'),
    sql.raw(`SET CONSTRAINTS ${DEFERRED_TRIGGERS.join(', ')} DEFERRED`),
  ];
}
