// Block files: a simulated chain saved, replayed through the production file source, gives the same
// digest as indexing the chain directly; malformed lines stop with their line number and nothing past them.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BlockSource } from '../../src/chain/block-source.js';
import { decodeGetBlockResponse } from '../../src/chain/decode.js';
import { BlockFileError, fileSource } from '../../src/chain/file-source.js';
import { silentLogger } from '../../src/deps/logger.js';
import { productionDispatcher } from '../../src/entity-manager/registry.js';
import { runIndexer } from '../../src/indexer/run.js';
import { saveBlocks } from '../../sim/block-file.js';
import { SIM_CHAIN_ID, SimChain } from '../../sim/chain.js';
import { SimClock } from '../../sim/clock.js';
import { createTestDb, type TestDb } from '../support/db.js';
import { digestTables } from '../support/digest.js';

const deps = () => ({ chainId: SIM_CHAIN_ID, dispatcher: productionDispatcher(), logger: silentLogger });
const dir = mkdtempSync(join(tmpdir(), 'metronome-blocks-'));

describe('block files', () => {
  let a: TestDb;
  let b: TestDb;
  beforeAll(async () => {
    [a, b] = await Promise.all([createTestDb(), createTestDb()]);
  });
  afterAll(async () => Promise.all([a?.close(), b?.close()]));

  it('round trip: simulate → save → index from the file = index the chain directly', async () => {
    const chain = new SimChain({ seed: 10, blocks: 150, hostileShare: 0.1 });
    const path = join(dir, 'chain.jsonl');
    expect(await saveBlocks(chain, path)).toBe(150);
    const direct: BlockSource = {
      chainId: async () => SIM_CHAIN_ID,
      fetch: async (h) => {
        if (h > chain.length) return { status: 'end' };
        const d = decodeGetBlockResponse(chain.responseFor(h), h);
        return d.status === 'block' ? d : { status: 'end' };
      },
    };
    await runIndexer({ db: a.db, source: direct, deps: deps(), clock: new SimClock() });
    const s = await runIndexer({ db: b.db, source: fileSource(path), deps: deps(), clock: new SimClock() });
    expect(s).toMatchObject({ lastHeight: 150, stoppedBy: 'source-exhausted' });
    expect(await digestTables(b.db)).toEqual(await digestTables(a.db));
    // The file is the node's own answer, line for line.
    const first = JSON.parse(readFileSync(path, 'utf8').split('\n')[0]!);
    expect(first).toEqual(chain.responseFor(1));
  });

  it.each([
    ['truncated JSON', (l: string[]) => [l[0]!, l[1]!.slice(0, 40), l[2]!], 2, /not JSON/],
    [
      'a missing height',
      (l: string[]) => [l[0]!, l[1]!.replace(/"height":"2"/, '"hight":"2"'), l[2]!],
      2,
      /height is missing/,
    ],
    ['a height out of order', (l: string[]) => [l[0]!, l[2]!, l[1]!], 2, /out of order/],
    ['a duplicate', (l: string[]) => [l[0]!, l[1]!, l[1]!, l[2]!], 3, /duplicate height 2/],
  ])('stops on %s, naming the line, and indexes nothing past it', async (_name, mutate, line, reason) => {
    const chain = new SimChain({ seed: 11, blocks: 3 });
    const lines = [1, 2, 3].map((h) => JSON.stringify(chain.responseFor(h)));
    const path = join(dir, `bad-${line}-${Math.random().toString(36).slice(2)}.jsonl`);
    writeFileSync(path, `${mutate(lines).join('\n')}\n`);
    const t = await createTestDb();
    try {
      const err = await runIndexer({
        db: t.db,
        source: fileSource(path),
        deps: deps(),
        clock: new SimClock(),
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BlockFileError);
      expect((err as BlockFileError).line).toBe(line);
      expect((err as Error).message).toMatch(reason);
      const heights = await t.db
        .selectFrom('etl_blocks')
        .select('block_height')
        .orderBy('block_height')
        .execute();
      expect(heights.map((r) => r.block_height).every((h) => h < line)).toBe(true);
    } finally {
      await t.close();
    }
  });
});

describe('capture', () => {
  it('capture from the simulator RPC server equals --save-blocks byte for byte, resuming without duplicates or gaps', async () => {
    const { startRpcServer } = await import('../../sim/rpc-server.js');
    const { captureBlocks, CaptureError } = await import('../../src/chain/capture.js');
    const { rpcSource } = await import('../../src/chain/rpc-source.js');
    const chain = new SimChain({ seed: 12, blocks: 80 });
    const saved = join(dir, 'saved.jsonl');
    await saveBlocks(chain, saved);
    // One 500 on the way: the prefetcher retries the same height.
    const rpc = await startRpcServer((h) => chain.responseFor(h), {
      chainId: SIM_CHAIN_ID,
      faults: { forGetBlock: (h, attempt) => (h === 30 && attempt === 1 ? 'http500' : undefined) },
    });
    try {
      const out = join(dir, 'captured.jsonl');
      const clock = new SimClock();
      expect(await captureBlocks({ source: rpcSource(rpc.url), from: 1, to: 50, out, clock })).toEqual({
        start: 1,
        written: 50,
      });
      // Asked again from 1: continues after 50, never duplicates.
      expect(await captureBlocks({ source: rpcSource(rpc.url), from: 1, to: 80, out, clock })).toEqual({
        start: 51,
        written: 30,
      });
      expect(readFileSync(out, 'utf8')).toBe(readFileSync(saved, 'utf8'));
      await expect(
        captureBlocks({ source: rpcSource(rpc.url), from: 95, to: 99, out, clock }),
      ).rejects.toBeInstanceOf(CaptureError);
    } finally {
      await rpc.close();
    }
  });
});
