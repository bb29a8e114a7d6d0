// Fetches heights ahead of the indexer into a buffer bounded in blocks and in bytes. On an error it backs
// off (200 ms doubling, capped near 3.2 s) and retries THE SAME height: it never skips one. A not-yet answer
// is the tip, not an error: the height is asked again every tipPollMs, so a new block waits at most that long.
import type { Clock } from '../deps/clock.js';
import { nextBackoff } from '../shared/backoff.js';
import { type BlockSource, SourceFatalError } from './block-source.js';
import type { Block } from './types.js';

export interface PrefetchItem {
  readonly block: Block;
  /** The chain tip as last reported by the source, for "blocks behind". */
  readonly chainHead: number | undefined;
  /** The node's response body text, when the source keeps it. */
  readonly raw?: string;
  /** What the item holds in memory, as the source measured it (0 when it did not). */
  readonly sizeBytes: number;
  /** The height was asked for before the node had it: the block was fetched as the tip moved. */
  readonly atTip: boolean;
}

export interface PrefetchOptions {
  readonly startHeight: number;
  /** Inclusive; undefined = follow the chain forever. */
  readonly endHeight?: number;
  readonly bufferSize?: number;
  /** Stop fetching ahead while the buffered items hold this many bytes (one item is always allowed). */
  readonly bufferBytes?: number;
  /** How often a height the node has not produced yet is asked again. */
  readonly tipPollMs?: number;
  readonly clock: Clock;
  readonly signal?: AbortSignal;
  /**
   * Give up when one height keeps failing this long (default: retry forever). Not-yet answers (waiting at the
   * tip for the next block) never count.
   */
  readonly retryDeadlineMs?: number;
  /** Called for every failed or not-yet attempt, before the backoff sleep. */
  readonly onRetry?: (height: number, reason: 'error' | 'not-yet', error: unknown, delayMs: number) => void;
}

/** One height kept failing past the retry deadline. */
export class RetryDeadlineError extends SourceFatalError {
  override name = 'RetryDeadlineError';
  constructor(
    readonly height: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Blocks fetched ahead by default: as many as a backfill group holds (run.ts DEFAULT_MAX_GROUP_BLOCKS), since
 * a group takes what the buffer holds; the byte bound below still caps big blocks.
 */
export const DEFAULT_PREFETCH_BUFFER = 100;
export const DEFAULT_PREFETCH_BUFFER_BYTES = 256 * 1024 * 1024;
/** A GetBlock for a height the node lacks is a small answer: 20 a second costs the node little. */
export const DEFAULT_TIP_POLL_MS = 50;

export class Prefetcher implements AsyncIterable<PrefetchItem> {
  private readonly buffer: PrefetchItem[] = [];
  private readonly bufferSize: number;
  private readonly bufferBytes: number;
  private bufferedBytes = 0;
  private wakeConsumer: (() => void) | undefined;
  private wakeProducer: (() => void) | undefined;
  private done = false;
  private failure: unknown;
  private readonly controller = new AbortController();
  private started = false;

  constructor(
    private readonly source: BlockSource,
    private readonly opts: PrefetchOptions,
  ) {
    this.bufferSize = Math.max(1, opts.bufferSize ?? DEFAULT_PREFETCH_BUFFER);
    this.bufferBytes = Math.max(1, opts.bufferBytes ?? DEFAULT_PREFETCH_BUFFER_BYTES);
    opts.signal?.addEventListener('abort', () => this.stop(), { once: true });
  }

  get depth(): number {
    return this.buffer.length;
  }

  /** Bytes held by the buffered items. */
  get depthBytes(): number {
    return this.bufferedBytes;
  }

  stop(): void {
    if (!this.controller.signal.aborted) this.controller.abort(new Error('prefetcher stopped'));
    this.done = true;
    this.wake();
  }

  /** Blocks already fetched, without waiting: lets the run loop group-commit a backlog. */
  takeReady(max: number): PrefetchItem[] {
    const items = this.buffer.splice(0, Math.max(0, max));
    for (const item of items) this.bufferedBytes -= item.sizeBytes;
    if (items.length > 0) this.wakeProducer?.();
    return items;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<PrefetchItem> {
    if (!this.started) {
      this.started = true;
      void this.produce();
    }
    try {
      while (true) {
        const item = this.buffer.shift();
        if (item) {
          this.bufferedBytes -= item.sizeBytes;
          this.wakeProducer?.();
          yield item;
          continue;
        }
        if (this.failure !== undefined) throw this.failure;
        if (this.done) return;
        await new Promise<void>((resolve) => {
          this.wakeConsumer = resolve;
        });
      }
    } finally {
      this.stop();
    }
  }

  /** Full in blocks, or in bytes once it holds anything (a block larger than the bound still passes alone). */
  private isFull(): boolean {
    return (
      this.buffer.length >= this.bufferSize ||
      (this.buffer.length > 0 && this.bufferedBytes >= this.bufferBytes)
    );
  }

  private wake() {
    this.wakeConsumer?.();
    this.wakeProducer?.();
  }

  private async produce(): Promise<void> {
    const { clock, endHeight, onRetry } = this.opts;
    const tipPollMs = Math.max(1, this.opts.tipPollMs ?? DEFAULT_TIP_POLL_MS);
    const signal = this.controller.signal;
    let height = this.opts.startHeight;
    let backoff = 0;
    let failingSince: number | undefined;
    let waitedAtTip = false;
    try {
      while (!signal.aborted && (endHeight === undefined || height <= endHeight)) {
        if (this.isFull()) {
          await new Promise<void>((resolve) => {
            this.wakeProducer = resolve;
          });
          continue;
        }
        let result: Awaited<ReturnType<BlockSource['fetch']>>;
        try {
          result = await this.source.fetch(height, signal);
        } catch (e) {
          if (signal.aborted) break;
          if (e instanceof SourceFatalError) throw e;
          failingSince ??= clock.monotonicMs();
          const failingMs = clock.monotonicMs() - failingSince;
          if (this.opts.retryDeadlineMs !== undefined && failingMs > this.opts.retryDeadlineMs)
            throw new RetryDeadlineError(
              height,
              `height ${height}: the block source kept failing for ${Math.round(failingMs)} ms (retry deadline ${this.opts.retryDeadlineMs} ms): ${e instanceof Error ? e.message : String(e)}`,
              { cause: e },
            );
          backoff = nextBackoff(backoff);
          onRetry?.(height, 'error', e, backoff);
          await clock.sleep(backoff, signal).catch(() => {});
          continue;
        }
        if (result.status === 'end') break;
        failingSince = undefined;
        backoff = 0;
        if (result.status === 'not-yet') {
          waitedAtTip = true;
          onRetry?.(height, 'not-yet', undefined, tipPollMs);
          await clock.sleep(tipPollMs, signal).catch(() => {});
          continue;
        }
        if (result.block.height !== height) {
          throw new Error(`source returned block ${result.block.height} for height ${height}`);
        }
        const sizeBytes = result.sizeBytes ?? 0;
        this.buffer.push({
          block: result.block,
          chainHead: result.chainHead,
          ...(result.raw !== undefined ? { raw: result.raw } : {}),
          sizeBytes,
          atTip: waitedAtTip,
        });
        this.bufferedBytes += sizeBytes;
        waitedAtTip = false;
        height++;
        this.wakeConsumer?.();
      }
    } catch (e) {
      this.failure = e;
    }
    this.done = true;
    this.wakeConsumer?.();
  }
}
