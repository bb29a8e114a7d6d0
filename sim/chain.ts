// The simulated chain: a pure function of (seed, options) → one GetBlock response per height, in the
// node's own proto3 JSON (int64 as strings, metadata as a JSON string in the {"cid","data"} envelope).
// The indexer reaches it through a BlockSource that decodes with the production decoder.
import { createHash } from 'node:crypto';
import type { WireGetBlockResponse, WireTransaction } from '../src/chain/wire.js';
import { blockTimestamp } from './clock.js';
import { PlaysGenerator } from './gen-plays.js';
import { Rng } from './rng.js';
import {
  coverageDraft,
  type Draft,
  GENERATORS,
  type GenContext,
  HOSTILE,
  HOSTILE_KINDS,
} from './txgen/index.js';
import { World } from './world.js';

export const SIM_CHAIN_ID = 'metronome-sim';

export type BlockKind = 'empty' | 'plays' | 'em' | 'mixed' | 'large' | 'genesis';

export interface ChainOptions {
  readonly seed: number;
  readonly blocks: number;
  /** Share of ManageEntity txs made hostile (0..1). */
  readonly hostileShare?: number;
  /** Include a run of 500 empty blocks somewhere (poison: long stretches without em_block). */
  readonly emptyRun?: boolean;
  /** Scale of plays per block (1 = default). */
  readonly playsScale?: number;
}

export interface BlockInfo {
  readonly height: number;
  readonly kind: BlockKind;
  readonly em: number;
  readonly plays: number;
  readonly hostile: Readonly<Record<string, number>>;
  readonly generators: Readonly<Record<string, number>>;
}

export const MAX_BLOCKS = 1_000_000;

/** What the harness needs of a chain: the generated one, or one read from a block file. */
export interface ChainView {
  readonly length: number;
  /** The run of 500 empty blocks (a poison fault kind) is part of this chain. */
  readonly emptyRun: boolean;
  responseFor(height: number): WireGetBlockResponse;
  blockInfo(height: number): BlockInfo;
}

export class SimChain implements ChainView {
  private readonly responses: WireGetBlockResponse[] = [];
  readonly info: BlockInfo[] = [];
  private readonly world: World;
  private readonly txRng: Rng;
  private readonly playRng: Rng;
  private readonly playsGen: PlaysGenerator;
  private readonly scheduleRng: Rng;
  private readonly emptyRunAt: number;
  private readonly coverageRng: Rng;

  constructor(readonly opts: ChainOptions) {
    if (opts.blocks < 0 || opts.blocks > MAX_BLOCKS) throw new Error(`blocks must be in [0, ${MAX_BLOCKS}]`);
    this.world = World.create(opts.seed);
    this.txRng = Rng.stream(opts.seed, 'txs');
    this.playRng = Rng.stream(opts.seed, 'plays');
    this.playsGen = new PlaysGenerator(this.playRng, this.world, sha, opts.seed);
    this.scheduleRng = Rng.stream(opts.seed, 'schedule');
    this.coverageRng = Rng.stream(opts.seed, 'coverage');
    this.emptyRunAt =
      opts.emptyRun && opts.blocks > 700 ? Rng.stream(opts.seed, 'empty-run').int(50, opts.blocks - 550) : -1;
  }

  get length(): number {
    return this.opts.blocks;
  }

  get emptyRun(): boolean {
    return this.emptyRunAt > 0;
  }

  /** The node's answer for a height: the block, or the "not produced yet" placeholder past the tip. */
  responseFor(height: number): WireGetBlockResponse {
    if (height < 1 || height > this.opts.blocks) {
      return {
        block: {
          height: '-1',
          hash: '',
          chainId: SIM_CHAIN_ID,
          proposer: '',
          timestamp: null,
          transactions: [],
        },
        currentHeight: '0',
      };
    }
    while (this.responses.length < height) this.generateNext();
    return this.responses[height - 1]!;
  }

  blockInfo(height: number): BlockInfo {
    this.responseFor(height);
    return this.info[height - 1]!;
  }

  private kindFor(height: number): BlockKind {
    if (height <= 3) return 'genesis';
    if (this.emptyRunAt > 0 && height >= this.emptyRunAt && height < this.emptyRunAt + 500) return 'empty';
    return this.scheduleRng.weighted<BlockKind>([
      ['empty', 35],
      ['plays', 25],
      ['em', 15],
      ['mixed', 20],
      ['large', 1.5],
    ]);
  }

  private generateNext(): void {
    const height = this.responses.length + 1;
    const kind = this.kindFor(height);
    const jitter = this.scheduleRng.int(0, 999_999);
    const time = blockTimestamp(height, jitter);
    const rng = this.txRng;
    const ctx: GenContext = { world: this.world, rng, height, time };
    const txs: WireTransaction[] = [];
    const hostile: Record<string, number> = {};
    const generators: Record<string, number> = {};
    const hash = sha(this.opts.seed, 'block', height);
    // The CometBFT fallback path answers in upper case; the decoder must normalise it.
    const blockHash = this.scheduleRng.chance(0.05) ? hash.toUpperCase() : hash;

    const emCount =
      kind === 'genesis'
        ? 8
        : kind === 'em' || kind === 'mixed'
          ? rng.int(1, 8)
          : kind === 'large'
            ? rng.int(50, 150)
            : 0;
    for (let i = 0; i < emCount; i++) {
      const draft = this.draft(ctx, kind === 'genesis', hostile, generators);
      if (draft) txs.push(this.emTx(draft, height, txs.length, time, blockHash));
    }
    const scale = this.opts.playsScale ?? 1;
    const playTxs = kind === 'plays' || kind === 'mixed' ? rng.int(1, 3) : kind === 'large' ? 1 : 0;
    let plays = 0;
    for (let i = 0; i < playTxs; i++) {
      const n = Math.max(
        1,
        Math.round((kind === 'large' ? this.playRng.int(300, 1500) : this.playRng.int(1, 25)) * scale),
      );
      const tx = this.playsTx(n, height, txs.length, time, blockHash);
      plays += tx.count;
      txs.push(tx.tx);
    }
    if (kind !== 'empty' && kind !== 'genesis' && this.scheduleRng.chance(0.05)) {
      txs.push(
        this.wrap(
          {
            slaRollup: {
              timestamp: time,
              blockStart: String(Math.max(1, height - 10)),
              blockEnd: String(height),
              reports: [],
            },
          },
          height,
          txs.length,
          time,
          blockHash,
        ),
      );
    }
    // A coverage draft (txgen/coverage.ts) now and then, own stream, last in the block: no other tx moves.
    if (emCount > 0 && kind !== 'genesis' && this.coverageRng.chance(0.15)) {
      const c = coverageDraft({ ...ctx, rng: this.coverageRng });
      if (c) {
        txs.push(this.emTx(c.draft, height, txs.length, time, blockHash));
        generators[`coverage:${c.key}`] = 1;
      }
    }
    this.responses.push({
      block: {
        height: String(height),
        hash: blockHash,
        chainId: SIM_CHAIN_ID,
        proposer: sha(this.opts.seed, 'proposer', height % 7).slice(0, 40),
        timestamp: time,
        transactions: txs,
      },
      currentHeight: String(this.opts.blocks),
    });
    this.info.push({ height, kind, em: emCount, plays, hostile, generators });
  }

  private draft(
    ctx: GenContext,
    genesis: boolean,
    hostile: Record<string, number>,
    generators: Record<string, number>,
  ): Draft | undefined {
    const pick = genesis
      ? GENERATORS.find((g) => g.key === 'User:Create')!
      : ctx.rng.weighted(GENERATORS.map((g) => [g, g.weight] as const));
    const hostileKind =
      !genesis && ctx.rng.chance(this.opts.hostileShare ?? 0.1) ? ctx.rng.pick(HOSTILE_KINDS) : undefined;
    // A hostile tx must not change the world model: generate it from a throwaway view.
    const draft = hostileKind ? pick.gen({ ...ctx, world: shadow(ctx.world) }) : pick.gen(ctx);
    if (!draft) return undefined;
    generators[pick.key] = (generators[pick.key] ?? 0) + 1;
    if (!hostileKind) return draft;
    hostile[hostileKind] = (hostile[hostileKind] ?? 0) + 1;
    return HOSTILE[hostileKind]!(draft, ctx);
  }

  private emTx(d: Draft, height: number, index: number, time: string, blockHash: string): WireTransaction {
    const metadata =
      d.metadata === undefined
        ? ''
        : typeof d.metadata === 'string'
          ? d.metadata
          : JSON.stringify({ cid: `bafy${sha(height, index).slice(0, 20)}`, data: d.metadata });
    return this.wrap(
      {
        manageEntity: {
          userId: String(d.userId),
          entityType: d.entityType,
          entityId: String(d.entityId),
          action: d.action,
          metadata,
          signature: `0x${sha(this.opts.seed, 'sig', height, index)}${sha(height, index).slice(0, 66)}`,
          signer: d.signer,
          nonce: `0x${sha(this.opts.seed, 'nonce', height, index)}`,
        },
      },
      height,
      index,
      time,
      blockHash,
    );
  }

  private playsTx(
    n: number,
    height: number,
    index: number,
    time: string,
    blockHash: string,
  ): { tx: WireTransaction; count: number } {
    const plays = this.playsGen.playsFor(n, height, index, time);
    return { tx: this.wrap({ plays: { plays } }, height, index, time, blockHash), count: plays.length };
  }

  private wrap(
    oneof: Record<string, unknown>,
    height: number,
    index: number,
    time: string,
    blockHash: string,
  ): WireTransaction {
    return {
      hash: sha(this.opts.seed, 'tx', height, index).toUpperCase(),
      transaction: { signature: '', requestId: sha(height, index).slice(0, 32), ...oneof },
      chainId: SIM_CHAIN_ID,
      height: String(height),
      blockHash,
      timestamp: time,
      transactionv2: null,
    };
  }
}

/** A copy-on-write view so hostile drafts cannot mutate the real world model. */
function shadow(world: World): World {
  const s = Object.create(world) as World;
  for (const k of ['users', 'tracks', 'playlists', 'apps', 'comments', 'events'] as const) {
    Object.defineProperty(s, k, { value: [...world[k]].map((x) => ({ ...x })) });
  }
  for (const k of ['follows', 'saves', 'reposts', 'subscriptions', 'grants', 'mutes', 'reactions'] as const) {
    Object.defineProperty(s, k, { value: new Set(world[k]) });
  }
  for (const k of ['nextUserId', 'nextTrackId', 'nextPlaylistId', 'nextCommentId', 'nextEventId'] as const) {
    Object.defineProperty(s, k, { value: world[k], writable: true });
  }
  return s;
}

export function sha(...parts: (string | number)[]): string {
  return createHash('sha256').update(parts.join('|')).digest('hex');
}
