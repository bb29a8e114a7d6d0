// Block files: JSON Lines, one GetBlock response per line exactly as the node sent it (optionally gzip).
// Every line is validated before its block is handed out; a malformed line stops the source with the line
// number and the reason, so nothing past it is indexed. See docs/block-files.md.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { type BlockSource, type FetchResult, SourceFatalError } from './block-source.js';
import { DecodeError, decodeGetBlockResponse } from './decode.js';
import type { Block } from './types.js';

export class BlockFileError extends SourceFatalError {
  override name = 'BlockFileError';
  /** The height being fetched when the file failed (set by the source; the reader knows lines only). */
  height: number | undefined;
  constructor(
    readonly path: string,
    /** 1-based; 0 when the problem is the file as a whole. */
    readonly line: number,
    readonly reason: string,
  ) {
    super(line > 0 ? `${path}:${line}: ${reason}` : `${path}: ${reason}`);
  }
}

export interface BlockFileLine {
  readonly line: number;
  readonly block: Block;
  /** The line's text, the node's answer as it was sent. */
  readonly raw: string;
}

/** Reads and validates a whole block file: heights consecutive, one chain, each line a complete response. */
export async function* readBlockFile(path: string): AsyncGenerator<BlockFileLine> {
  const input = createReadStream(path);
  const stream = path.endsWith('.gz') ? input.pipe(createGunzip()) : input;
  // pipe() does not forward a read error (ENOENT) to the gunzip stream: forward it, so readline sees it.
  if (stream !== input) input.once('error', (e) => stream.destroy(e));
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  let n = 0;
  let previous: number | undefined;
  let chainId: string | undefined;
  try {
    for await (const raw of lines) {
      n++;
      const line = validateLine(path, n, raw, previous, chainId);
      previous = line.block.height;
      chainId = line.block.chainId;
      yield line;
    }
  } catch (e) {
    if (e instanceof BlockFileError) throw e;
    // I/O or gzip trouble (a missing file, a truncated .gz): fatal, never a silent early end of the file.
    const code = (e as { code?: unknown }).code;
    throw new BlockFileError(
      path,
      n === 0 ? 0 : n + 1,
      `cannot read ${n === 0 ? 'the file' : 'past the previous line'}: ${(e as Error).message}${typeof code === 'string' && !(e as Error).message.includes(code) ? ` (${code})` : ''}`,
    );
  } finally {
    lines.close();
    stream.destroy();
    input.destroy();
  }
}

function validateLine(
  path: string,
  n: number,
  raw: string,
  previous: number | undefined,
  chainId: string | undefined,
): BlockFileLine {
  if (raw.trim() === '') throw new BlockFileError(path, n, 'empty line');
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch (e) {
    throw new BlockFileError(path, n, `not JSON (truncated?): ${(e as Error).message}`);
  }
  const block = (body as { block?: unknown } | null)?.block;
  if (typeof block !== 'object' || block === null) throw new BlockFileError(path, n, 'no "block" object');
  const h = (block as { height?: unknown }).height;
  if (h === undefined || h === null) throw new BlockFileError(path, n, 'block.height is missing');
  if (h === '-1' || h === -1)
    throw new BlockFileError(path, n, 'a "not produced yet" placeholder (height -1) is not a block');
  const height =
    typeof h === 'string' && /^\d{1,16}$/.test(h) ? Number(h) : typeof h === 'number' ? h : Number.NaN;
  if (!Number.isSafeInteger(height) || height < 1)
    throw new BlockFileError(path, n, `block.height ${JSON.stringify(h)} is not a positive integer`);
  if (previous !== undefined && height === previous)
    throw new BlockFileError(path, n, `duplicate height ${height} (the previous line has it too)`);
  if (previous !== undefined && height !== previous + 1)
    throw new BlockFileError(path, n, `height ${height} out of order (expected ${previous + 1})`);
  let decoded: ReturnType<typeof decodeGetBlockResponse>;
  try {
    decoded = decodeGetBlockResponse(body, height);
  } catch (e) {
    throw new BlockFileError(path, n, e instanceof DecodeError ? e.message : String(e));
  }
  if (decoded.status !== 'block')
    throw new BlockFileError(path, n, 'a "not produced yet" placeholder (height -1) is not a block');
  if (chainId !== undefined && decoded.block.chainId !== chainId)
    throw new BlockFileError(
      path,
      n,
      `chain id "${decoded.block.chainId}" differs from the first line's "${chainId}"`,
    );
  return { line: n, block: decoded.block, raw };
}

/**
 * A BlockSource over a block file. Heights below the first line's are an error (the database would be
 * left with a gap); heights past the last line are the end of the source.
 */
export function fileSource(path: string): BlockSource {
  const lines = readBlockFile(path);
  let next: BlockFileLine | undefined;
  let exhausted = false;
  let handedOut = false;
  const advance = async () => {
    const r = await lines.next();
    next = r.done ? undefined : r.value;
    exhausted = r.done === true;
  };
  return {
    async chainId() {
      if (next === undefined && !exhausted) await advance();
      if (next === undefined) throw new BlockFileError(path, 0, 'the file holds no block');
      return next.block.chainId;
    },
    async fetch(height): Promise<FetchResult> {
      try {
        return await fetchHeight(height);
      } catch (e) {
        if (e instanceof BlockFileError) e.height ??= height;
        throw e;
      }
    },
    async close() {
      await lines.return(undefined);
    },
  };

  async function fetchHeight(height: number): Promise<FetchResult> {
    if (next === undefined && !exhausted) await advance();
    // Lines below the requested height were indexed before (a resume inside the file).
    while (next !== undefined && next.block.height < height) await advance();
    if (next === undefined) return { status: 'end' };
    if (next.block.height > height) {
      if (handedOut) return { status: 'end' };
      throw new BlockFileError(
        path,
        next.line,
        `the file starts at height ${next.block.height} but the next height to index is ${height}; pass --from ${next.block.height} to start there`,
      );
    }
    const { block, raw } = next;
    next = undefined;
    handedOut = true;
    // The line and its parsed copy (UTF-16 length as the measure: near enough for a memory bound).
    return { status: 'block', block, chainHead: undefined, raw, sizeBytes: 2 * raw.length };
  }
}
