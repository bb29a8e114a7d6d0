import type { BlockSource, FetchResult } from '../../src/chain/block-source.js';
import type { Block } from '../../src/chain/types.js';
import { TEST_CHAIN_ID } from './chain.js';

/** A scripted source: per-height failures before success, "not yet" answers, and a call log. */
export class MemorySource implements BlockSource {
  readonly calls: number[] = [];
  private readonly failuresLeft = new Map<number, number>();
  private readonly notYetLeft = new Map<number, number>();

  constructor(private readonly blocks: readonly Block[]) {}

  failTimes(height: number, times: number): this {
    this.failuresLeft.set(height, times);
    return this;
  }

  notYetTimes(height: number, times: number): this {
    this.notYetLeft.set(height, times);
    return this;
  }

  chainId = async () => TEST_CHAIN_ID;

  fetch = async (height: number): Promise<FetchResult> => {
    this.calls.push(height);
    const fails = this.failuresLeft.get(height) ?? 0;
    if (fails > 0) {
      this.failuresLeft.set(height, fails - 1);
      throw Object.assign(new Error(`rpc unavailable at ${height}`), { code: 'ECONNRESET' });
    }
    const notYet = this.notYetLeft.get(height) ?? 0;
    if (notYet > 0) {
      this.notYetLeft.set(height, notYet - 1);
      return { status: 'not-yet', chainHead: undefined };
    }
    const block = this.blocks.find((b) => b.height === height);
    if (!block) return { status: 'end' };
    return { status: 'block', block, chainHead: this.blocks.at(-1)?.height };
  };
}
