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
  constructor(
    readonly path: string,
    readonly line: number,
    reason: string,
  ) {
    super(`${path}:${line}: ${reason}`);
  }
}

/** Reads and validates a whole block file: heights must be consecutive, each line a complete response. */
export async function* readBlockFile(
  path: string,
): AsyncGenerator<{ line: number; block: Block; raw: string }> {
  const input = createReadStream(path);
  const stream = path.endsWith('.gz') ? input.pipe(createGunzip()) : input;
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  let n = 0;
  let previous: number | undefined;
  for await (const raw of lines) {
    n++;
    if (raw.trim() === '') throw new BlockFileError(path, n, 'empty line');
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch (e) {
      throw new BlockFileError(path, n, `not JSON (${(e as Error).message})`);
    }
    const h = (body as { block?: { height?: unknown } } | null)?.block?.height;
    if (h === undefined || h === null) throw new BlockFileError(path, n, 'block.height is missing');
    const height = Number(h);
    if (!Number.isSafeInteger(height) || height < 1)
      throw new BlockFileError(path, n, `block.height ${JSON.stringify(h)} is not a positive integer`);
    if (previous !== undefined && height === previous)
      throw new BlockFileError(path, n, `duplicate height ${height}`);
    if (previous !== undefined && height !== previous + 1)
      throw new BlockFileError(path, n, `height ${height} out of order (after ${previous})`);
    let decoded: ReturnType<typeof decodeGetBlockResponse>;
    try {
      decoded = decodeGetBlockResponse(body, height);
    } catch (e) {
      throw new BlockFileError(path, n, e instanceof DecodeError ? e.message : String(e));
    }
    if (decoded.status !== 'block')
      throw new BlockFileError(path, n, 'a "not produced yet" placeholder is not a block');
    previous = height;
    yield { line: n, block: decoded.block, raw };
  }
}

/** A BlockSource over a block file: heights past its last line are the end of the source. */
export function fileSource(path: string, chainId?: string): BlockSource {
  const lines = readBlockFile(path);
  let next: Block | undefined;
  let exhausted = false;
  let knownChainId = chainId;
  const advance = async () => {
    const r = await lines.next();
    next = r.done ? undefined : r.value.block;
    exhausted = r.done === true;
    if (next) knownChainId ??= next.chainId;
  };
  return {
    async chainId() {
      if (knownChainId === undefined && next === undefined && !exhausted) await advance();
      if (knownChainId === undefined)
        throw new BlockFileError(path, 0, 'the file holds no block to take a chain id from');
      return knownChainId;
    },
    async fetch(height): Promise<FetchResult> {
      if (next === undefined && !exhausted) await advance();
      // Lines below the requested height were indexed before (a resume inside the file).
      while (next !== undefined && next.height < height) await advance();
      if (next === undefined || next.height !== height) return { status: 'end' };
      const block = next;
      next = undefined;
      return { status: 'block', block, chainHead: undefined };
    },
  };
}
