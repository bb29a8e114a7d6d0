// Capture blocks from a node into a block file: the node's own answers, one per line, through the same
// prefetcher the indexer uses (retries the same height, never skips). Resumable: appending to an existing
// file continues after its last height, and a start that would leave a gap is refused.
import { closeSync, existsSync, openSync, readSync, fstatSync, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Clock } from '../deps/clock.js';
import type { BlockSource } from './block-source.js';
import { Prefetcher } from './prefetcher.js';

export class CaptureError extends Error {
  override name = 'CaptureError';
}

/** The height on the file's last line, or undefined for a missing or empty file. */
export function lastHeightInFile(path: string): number | undefined {
  if (!existsSync(path)) return undefined;
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return undefined;
    const len = Math.min(size, 4 << 20);
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, size - len);
    const lines = buf
      .toString('utf8')
      .split('\n')
      .filter((l) => l.trim() !== '');
    const last = lines.at(-1);
    if (!last) return undefined;
    const h = Number((JSON.parse(last) as { block?: { height?: unknown } }).block?.height);
    if (!Number.isSafeInteger(h)) throw new CaptureError(`${path}: the last line has no block height`);
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
  readonly onBlock?: (height: number) => void;
  readonly signal?: AbortSignal;
}

export async function captureBlocks(o: CaptureOptions): Promise<{ start: number; written: number }> {
  if (o.out.endsWith('.gz'))
    throw new CaptureError(
      'capture writes plain .jsonl (gzip it afterwards); appending to gzip is not supported',
    );
  const last = lastHeightInFile(o.out);
  if (last !== undefined && o.from > last + 1) {
    throw new CaptureError(`${o.out} ends at height ${last}; starting at ${o.from} would leave a gap`);
  }
  const start = last === undefined ? o.from : last + 1;
  if (start > o.to) return { start, written: 0 };
  const out = createWriteStream(o.out, { flags: 'a' });
  let written = 0;
  try {
    const prefetcher = new Prefetcher(o.source, {
      startHeight: start,
      endHeight: o.to,
      clock: o.clock,
      ...(o.signal ? { signal: o.signal } : {}),
    });
    for await (const item of prefetcher) {
      if (item.raw === undefined)
        throw new CaptureError('the source does not keep response bodies (use the RPC source)');
      if (!out.write(`${JSON.stringify(item.raw)}\n`)) await once(out, 'drain');
      written++;
      o.onBlock?.(item.block.height);
    }
  } finally {
    out.end();
    await once(out, 'finish');
  }
  return { start, written };
}
