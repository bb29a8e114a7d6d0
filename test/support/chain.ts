// Test chain: builds blocks with deterministic hashes and timestamps and feeds them to the real indexBlock.
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Block, ManageEntity, ManageEntityTx, Play, PlaysTx, Tx } from '../../src/chain/types.js';
import type { Database } from '../../src/db/schema.js';
import { silentLogger } from '../../src/deps/logger.js';
import type { Dispatcher } from '../../src/entity-manager/dispatcher.js';
import { productionDispatcher } from '../../src/entity-manager/registry.js';
import { type IndexBlockResult, type IndexDeps, indexBlock } from '../../src/indexer/index-block.js';

export const TEST_CHAIN_ID = 'metronome-test';
const GENESIS_MS = Date.UTC(2025, 0, 1);

export function hashOf(...parts: (string | number)[]): string {
  return createHash('sha256').update(parts.join('|')).digest('hex');
}

export function blockAt(
  height: number,
  txs: readonly Tx[],
  opts: { hash?: string; timestamp?: string } = {},
): Block {
  return {
    height,
    hash: opts.hash ?? hashOf('block', height),
    chainId: TEST_CHAIN_ID,
    proposer: hashOf('proposer', height).slice(0, 40),
    timestamp: opts.timestamp ?? new Date(GENESIS_MS + height * 1000).toISOString(),
    txs,
  };
}

let txCounter = 0;

export type EmFields = Pick<ManageEntity, 'entityType' | 'action'> & {
  userId: number | string;
  entityId: number | string;
  signer: string;
  /** An object is JSON-encoded inside the production `{"cid","data"}` envelope; a string is sent as is. */
  metadata?: Record<string, unknown> | string;
  migration?: boolean;
};

export function emTx(f: EmFields): ManageEntityTx {
  const metadata =
    f.metadata === undefined
      ? ''
      : typeof f.metadata === 'string'
        ? f.metadata
        : JSON.stringify({ cid: 'bafytest', data: f.metadata });
  const n = ++txCounter;
  return {
    kind: 'manage_entity',
    hash: hashOf('em', n, f.entityType, f.action, String(f.userId), String(f.entityId)),
    migration: f.migration ?? false,
    manageEntity: {
      userId: String(f.userId),
      entityType: f.entityType,
      entityId: String(f.entityId),
      action: f.action,
      metadata,
      signature: `0x${hashOf('sig', n)}`,
      signer: f.signer,
      nonce: `0x${hashOf('nonce', n)}`,
    },
  };
}

export function playsTx(plays: readonly Partial<Play>[]): PlaysTx {
  const n = ++txCounter;
  return {
    kind: 'plays',
    hash: hashOf('plays', n),
    plays: plays.map((p, i) => ({
      userId: p.userId ?? '1',
      trackId: p.trackId ?? '1',
      timestamp: p.timestamp ?? new Date(GENESIS_MS + n * 1000 + i).toISOString(),
      signature: p.signature ?? `0x${hashOf('play', n, i)}`,
      city: p.city ?? 'Denver',
      region: p.region ?? 'Colorado',
      country: p.country ?? 'United States',
    })),
  };
}

export interface TxOutcomeRow {
  tx_index: number;
  outcome: string;
  reason_code: string | null;
  reason: string | null;
}

/** A chain that appends one block per `apply` call and reads back each tx's recorded outcome. */
export class TestChain {
  height: number;
  readonly deps: IndexDeps;

  constructor(
    readonly db: Kysely<Database>,
    opts: { startHeight?: number; dispatcher?: Dispatcher; deps?: Partial<IndexDeps> } = {},
  ) {
    this.height = (opts.startHeight ?? 1) - 1;
    this.deps = {
      chainId: TEST_CHAIN_ID,
      dispatcher: opts.dispatcher ?? productionDispatcher(),
      logger: silentLogger,
      ...opts.deps,
    };
  }

  async block(...txs: Tx[]): Promise<IndexBlockResult> {
    this.height++;
    return indexBlock(this.db, blockAt(this.height, txs), this.deps);
  }

  /** Indexes one block with these txs and returns their recorded outcomes in tx order. */
  async apply(...txs: Tx[]): Promise<TxOutcomeRow[]> {
    await this.block(...txs);
    return this.db
      .selectFrom('etl_transactions')
      .select(['tx_index', 'outcome', 'reason_code', 'reason'])
      .where('block_height', '=', this.height)
      .orderBy('tx_index')
      .execute();
  }

  /** Indexes one tx and returns its outcome row. */
  async one(tx: Tx): Promise<TxOutcomeRow> {
    const [row] = await this.apply(tx);
    if (!row) throw new Error('no etl_transactions row recorded');
    return row;
  }
}
