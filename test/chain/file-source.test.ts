// The block-file source: every malformed line stops the source with its line number and reason (and the
// indexer commits nothing past it); gzip, a resume inside the file and a file starting above the resume
// height behave as documented in docs/block-files.md.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { SIM_CHAIN_ID, SimChain } from '../../sim/chain.js';
import { SimClock } from '../../sim/clock.js';
import { SourceFatalError } from '../../src/chain/block-source.js';
import { BlockFileError, fileSource, readBlockFile } from '../../src/chain/file-source.js';
import { silentLogger } from '../../src/deps/logger.js';
import { productionDispatcher } from '../../src/entity-manager/registry.js';
import { runIndexer } from '../../src/indexer/run.js';
import { createTestDb, indexedHeights } from '../support/db.js';

const dir = mkdtempSync(join(tmpdir(), 'metronome-file-source-'));
let files = 0;
const chain = new SimChain({ seed: 11, blocks: 6 });
const lines = [1, 2, 3, 4, 5, 6].map((h) => JSON.stringify(chain.responseFor(h)));

function write(content: string | Buffer, ext = '.jsonl'): string {
  const path = join(dir, `f${++files}${ext}`);
  writeFileSync(path, content);
  return path;
}

async function readAll(path: string): Promise<number[]> {
  const heights: number[] = [];
  for await (const l of readBlockFile(path)) heights.push(l.block.height);
  return heights;
}

const ab = new AbortController().signal;

describe('block file validation', () => {
  const l = lines;
  const cases: [string, string[], number, RegExp][] = [
    ['truncated JSON', [l[0]!, l[1]!.slice(0, 40), l[2]!], 2, /not JSON \(truncated\?\)/],
    [
      'a missing height',
      [l[0]!, l[1]!.replace('"height":"2"', '"hight":"2"'), l[2]!],
      2,
      /block\.height is missing/,
    ],
    ['no block at all', [l[0]!, '{"currentHeight":"3"}'], 2, /no "block" object/],
    ['a height out of order', [l[0]!, l[2]!, l[1]!], 2, /height 3 out of order \(expected 2\)/],
    ['a height going back', [l[0]!, l[1]!, l[2]!, l[0]!], 4, /height 1 out of order \(expected 4\)/],
    ['a duplicate', [l[0]!, l[1]!, l[1]!, l[2]!], 3, /duplicate height 2/],
    ['an empty line', [l[0]!, '', l[1]!], 2, /empty line/],
    [
      'a non-integer height',
      [l[0]!, l[1]!.replace('"height":"2"', '"height":"2.5"')],
      2,
      /not a positive integer/,
    ],
    [
      'a block the decoder rejects',
      [l[0]!, l[1]!.replace(/"hash":"[0-9a-f]+","chainId"/, '"hash":"zz","chainId"')],
      2,
      /block\.hash is not hex/,
    ],
    [
      'a not-yet placeholder',
      [
        l[0]!,
        '{"block":{"height":"-1","hash":"","chainId":"x","proposer":"","timestamp":null,"transactions":[]}}',
      ],
      2,
      /not produced yet/,
    ],
    [
      'a second chain',
      [l[0]!, l[1]!.replaceAll(`"chainId":"${SIM_CHAIN_ID}"`, '"chainId":"other-chain"')],
      2,
      /chain id "other-chain" differs/,
    ],
  ];

  it.each(cases)('stops on %s, naming the line', async (_name, content, line, reason) => {
    const path = write(`${content.join('\n')}\n`);
    const err = await readAll(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BlockFileError);
    expect(err).toBeInstanceOf(SourceFatalError); // the prefetcher does not retry it
    expect(err).toMatchObject({ path, line });
    expect((err as Error).message).toMatch(new RegExp(`^${path.replaceAll('.', '\\.')}:${line}: `));
    expect((err as Error).message).toMatch(reason);
  });

  it('reads .jsonl.gz through gunzip, line for line', async () => {
    const path = write(gzipSync(`${lines.join('\n')}\n`), '.jsonl.gz');
    const raws: string[] = [];
    for await (const x of readBlockFile(path)) raws.push(x.raw);
    expect(raws).toEqual(lines);
  });

  it('a truncated .gz is an error naming where reading stopped, never a quiet early end', async () => {
    const gz = gzipSync(`${lines.join('\n')}\n`);
    const path = write(gz.subarray(0, gz.length - 12), '.jsonl.gz');
    const err = await readAll(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BlockFileError);
    expect((err as Error).message).toMatch(/cannot read|unexpected end/);
  });

  it('a missing file is an error at the first call', async () => {
    const source = fileSource(join(dir, 'nope.jsonl'));
    await expect(source.chainId()).rejects.toThrow(/nope\.jsonl: cannot read the file: .*ENOENT/);
  });
});

describe('fileSource', () => {
  it('hands out each height with the line text, skips lines below a resume height, ends after the last line', async () => {
    const source = fileSource(write(`${lines.join('\n')}\n`));
    expect(await source.chainId()).toBe(SIM_CHAIN_ID);
    const r4 = await source.fetch(4, ab);
    expect(r4).toMatchObject({ status: 'block', block: { height: 4 }, raw: lines[3] });
    expect(await source.fetch(5, ab)).toMatchObject({ status: 'block', block: { height: 5 } });
    expect(await source.fetch(6, ab)).toMatchObject({ status: 'block', block: { height: 6 } });
    expect(await source.fetch(7, ab)).toEqual({ status: 'end' });
  });

  it('a file that starts above the next height to index is refused (it would leave a gap)', async () => {
    const source = fileSource(write(`${lines.slice(3).join('\n')}\n`));
    await expect(source.fetch(1, ab)).rejects.toThrow(
      /starts at height 4 but the next height to index is 1; pass --from 4/,
    );
    const again = fileSource(write(`${lines.slice(3).join('\n')}\n`));
    expect(await again.fetch(4, ab)).toMatchObject({ status: 'block', block: { height: 4 } });
  });
});

describe('indexing from a bad file', () => {
  it.each([
    ['truncated JSON', [0, 1, 2, 3].map((i) => (i === 2 ? lines[2]!.slice(0, 50) : lines[i]!)), 3],
    ['a duplicate', [lines[0]!, lines[1]!, lines[1]!, lines[2]!], 3],
  ])('%s: the indexer stops with the line and commits nothing past it', async (_name, content, line) => {
    const path = write(`${content.join('\n')}\n`);
    const t = await createTestDb();
    try {
      const err = await runIndexer({
        db: t.db,
        source: fileSource(path),
        deps: { chainId: SIM_CHAIN_ID, dispatcher: productionDispatcher(), logger: silentLogger },
        clock: new SimClock(),
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BlockFileError);
      expect((err as BlockFileError).line).toBe(line);
      const heights = await indexedHeights(t.db);
      // Everything before the bad line, nothing after it.
      expect(heights).toEqual(Array.from({ length: line - 1 }, (_, i) => i + 1));
    } finally {
      await t.close();
    }
  });

  // Checked against what the generator recorded about each block (its own bookkeeping, not the decoder's
  // output on the same text): a reader that re-ordered, dropped or mis-decoded lines fails here.
  it('the reader hands out each gzipped line in file order, as the node answered it, decoded to the generated block', async () => {
    const read: { line: number; raw: string; height: number; hash: string; plays: number; txs: number }[] =
      [];
    for await (const l of readBlockFile(write(gzipSync(`${lines.join('\n')}\n`), '.jsonl.gz')))
      read.push({
        line: l.line,
        raw: l.raw,
        height: l.block.height,
        hash: l.block.hash,
        plays: l.block.txs.reduce((n, t) => n + (t.kind === 'plays' ? t.plays.length : 0), 0),
        txs: l.block.txs.length,
      });
    expect(read.map((r) => r.line)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(read.map((r) => r.raw)).toEqual(lines);
    expect(read.map((r) => r.height)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(read.map((r) => r.plays)).toEqual([1, 2, 3, 4, 5, 6].map((h) => chain.blockInfo(h).plays));
    expect(read.every((r) => /^[0-9a-f]{64}$/.test(r.hash))).toBe(true);
    expect(new Set(read.map((r) => r.hash)).size).toBe(6);
    // Genesis blocks carry the generator's account-creating txs.
    expect(read.slice(0, 3).every((r) => r.txs > 0)).toBe(true);
  });
});
