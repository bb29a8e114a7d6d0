import type { Block } from './types.js';

/** What a source answers for one height. `not-yet` is the node's "height -1" placeholder. */
export type FetchResult =
  | {
      readonly status: 'block';
      readonly block: Block;
      readonly chainHead: number | undefined;
      /** The response body text exactly as the node sent it, when the source has one (block-file capture). */
      readonly raw?: string;
      /** About what the block (and raw, if kept) holds in memory: the bytes of the answer that were kept. */
      readonly sizeBytes?: number;
    }
  | { readonly status: 'not-yet'; readonly chainHead: number | undefined }
  | { readonly status: 'end' };

/**
 * Anything that can hand out blocks by height: the Core RPC, a block file, the simulator.
 * Errors are thrown (the prefetcher retries the same height); `end` means the source is finite and done.
 */
export interface BlockSource {
  readonly chainId: () => Promise<string>;
  readonly fetch: (height: number, signal: AbortSignal) => Promise<FetchResult>;
  readonly close?: () => Promise<void>;
}

/** An error retrying cannot fix (a malformed line in a block file): the prefetcher stops on it. */
export class SourceFatalError extends Error {
  override name = 'SourceFatalError';
}
