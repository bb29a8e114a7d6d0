// Capture blocks from a node into a block file: the node's own answers, one per line, through the same
// prefetcher the indexer uses (retries the same height, never skips). Resumable: appending to an existing
// file continues after its last height, and a start that would leave a gap is refused.
import { once } from 'node:events';
import {
  closeSync,
  createWriteStream,
  existsSync,
  fstatSync,
  ftruncateSync,
  openSync,
  readSync,
} from 'node:fs';
import type { Clock } from '../deps/clock.js';
import type { BlockSource } from './block-source.js';
import { Prefetcher } from './prefetcher.js';

export class CaptureError extends Error {
  override name = 'CaptureError';
}

const TAIL_BYTES = 16 << 20;

/**
 * The height on the file's last line, or undefined for a missing or empty file. A last line without its
 * newline is what a killed capture leaves behind: it is cut off (`repair`) so the next line starts clean.
 */
export function lastHeightInFile(path: string, opts: { repair?: boolean } = {}): number | undefined {
  if (!existsSync(path)) return undefined;
  const fd = openSync(path, opts.repair ? 'r+' : 'r');
  try {
    let size = fstatSync(fd).size;
    if (size === 0) return undefined;
    const len = Math.min(size, TAIL_BYTES);
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, size - len);
    let tail = buf;
    if (buf[len - 1] !== 0x0a) {
      // Bytes, not characters: the cut must land exactly after the last newline.
      const cut = buf.lastIndexOf(0x0a);
      if (!opts.repair) throw new CaptureError(`${path}: the last line is incomplete`);
      if (cut < 0 && len < size)
        throw new CaptureError(`${path}: the last line is longer than ${TAIL_BYTES} bytes`);
      size -= len - (cut + 1);
      ftruncateSync(fd, size);
      tail = buf.subarray(0, cut + 1);
      if (size === 0) return undefined;
    }
    const last = tail
      .toString('utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .at(-1);
    if (last === undefined) return undefined;
    let h: number;
    try {
      h = Number((JSON.parse(last) as { block?: { height?: unknown } }).block?.height);
    } catch {
      throw new CaptureError(`${path}: the last line is not JSON`);
    }
    if (!Number.isSafeInteger(h) || h < 1)
      throw new CaptureError(`${path}: the last line has no block height`);
    return h;
  } finally {
    closeSync(fd);
  }
}

export interface CaptureOptions {
  readonly source: BlockSource;
  readonly from: number;
  readonly to: number;
  readonly out: string;
  readonly clock: Clock;
  readonly prefetchBuffer?: number;
  /** The first height this run fetches (after the file's last line when resuming). */
  readonly onStart?: (start: number) => void;
  readonly onBlock?: (height: number, written: number) => void;
  readonly onRetry?: (height: number, error: unknown) => void;
  readonly signal?: AbortSignal;
}

export async function captureBlocks(o: CaptureOptions): Promise<{ start: number; written: number }> {
  if (o.out.endsWith('.gz'))
    throw new CaptureError(
      'capture writes plain .jsonl (gzip it afterwards); appending to gzip is not supported',
    );
  const last = lastHeightInFile(o.out, { repair: true });
  if (last !== undefined && o.from > last + 1) {
    throw new CaptureError(`${o.out} ends at height ${last}; starting at ${o.from} would leave a gap`);
  }
  const start = last === undefined ? o.from : last + 1;
  o.onStart?.(start);
  if (start > o.to) return { start, written: 0 };
  const out = createWriteStream(o.out, { flags: 'a' });
  let written = 0;
  try {
    const prefetcher = new Prefetcher(o.source, {
      startHeight: start,
      endHeight: o.to,
      clock: o.clock,
      ...(o.prefetchBuffer !== undefined && { bufferSize: o.prefetchBuffer }),
      ...(o.signal && { signal: o.signal }),
      onRetry: (h, reason, err) => {
        if (reason === 'error') o.onRetry?.(h, err);
      },
    });
    for await (const item of prefetcher) {
      if (item.raw === undefined)
        throw new CaptureError('the source does not keep response bodies (use the RPC source)');
      // The node's bytes as they came; only a multi-line body is re-serialised (a line is one answer).
      const body = item.raw.trim();
      const line = /[\r\n]/.test(body) ? JSON.stringify(JSON.parse(body)) : body;
      // One write per line: a kill leaves at most one partial line, which the next run cuts off.
      if (!out.write(`${line}\n`)) await once(out, 'drain');
      written++;
      o.onBlock?.(item.block.height, written);
      if (o.signal?.aborted) break;
    }
  } finally {
    out.end();
    await once(out, 'finish');
  }
  return { start, written };
}
