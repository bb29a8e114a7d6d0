// Capture: the node's answers through the prefetcher into a block file, equal to the simulator's own
// --save-blocks file byte for byte, resumable without duplicates or gaps, even after a kill mid-line.
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveBlocks } from '../../sim/block-file.js';
import { SIM_CHAIN_ID, SimChain } from '../../sim/chain.js';
import { SimClock } from '../../sim/clock.js';
import { type RpcServer, startRpcServer } from '../../sim/rpc-server.js';
import { CaptureError, captureBlocks, lastHeightInFile } from '../../src/chain/capture.js';
import { rpcSource } from '../../src/chain/rpc-source.js';

const dir = mkdtempSync(join(tmpdir(), 'metronome-capture-'));
const chain = new SimChain({ seed: 12, blocks: 80 });

describe('capture', () => {
  let rpc: RpcServer;
  const saved = join(dir, 'saved.jsonl');
  beforeAll(async () => {
    await saveBlocks(chain, saved);
    // One 500 and one truncated body on the way: the prefetcher retries the same height.
    rpc = await startRpcServer((h) => chain.responseFor(h), {
      chainId: SIM_CHAIN_ID,
      head: () => chain.length,
      faults: {
        forGetBlock: (h, attempt) =>
          attempt === 1 && h === 30 ? 'http500' : attempt === 1 && h === 31 ? 'malformed' : undefined,
      },
    });
  });
  afterAll(async () => rpc?.close());

  it('equals --save-blocks byte for byte, resuming without duplicates or gaps', async () => {
    const out = join(dir, 'captured.jsonl');
    const clock = new SimClock();
    const retried: number[] = [];
    const onRetry = (h: number) => retried.push(h);
    expect(await captureBlocks({ source: rpcSource(rpc.url), from: 1, to: 50, out, clock, onRetry })).toEqual(
      {
        start: 1,
        written: 50,
      },
    );
    expect(retried).toEqual([30, 31]);
    // Asked again from 1: continues after 50, never duplicates.
    expect(await captureBlocks({ source: rpcSource(rpc.url), from: 1, to: 80, out, clock })).toEqual({
      start: 51,
      written: 30,
    });
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(saved, 'utf8'));
    // Already complete: nothing to do.
    expect(await captureBlocks({ source: rpcSource(rpc.url), from: 1, to: 80, out, clock })).toEqual({
      start: 81,
      written: 0,
    });
    // A start past the file's end would leave a gap.
    await expect(
      captureBlocks({ source: rpcSource(rpc.url), from: 95, to: 99, out, clock }),
    ).rejects.toBeInstanceOf(CaptureError);
  });

  it('a partial last line (a capture killed mid-write) is cut off and re-fetched', async () => {
    const out = join(dir, 'killed.jsonl');
    const all = readFileSync(saved, 'utf8').split('\n');
    writeFileSync(out, `${all.slice(0, 20).join('\n')}\n`);
    appendFileSync(out, all[20]!.slice(0, 100)); // height 21, cut short, no newline
    expect(() => lastHeightInFile(out)).toThrow(/incomplete/);
    const r = await captureBlocks({
      source: rpcSource(rpc.url),
      from: 1,
      to: 80,
      out,
      clock: new SimClock(),
    });
    expect(r).toEqual({ start: 21, written: 60 });
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(saved, 'utf8'));
  });

  it('refuses to append to gzip', async () => {
    await expect(
      captureBlocks({
        source: rpcSource(rpc.url),
        from: 1,
        to: 2,
        out: join(dir, 'x.jsonl.gz'),
        clock: new SimClock(),
      }),
    ).rejects.toThrow(/gzip it afterwards/);
  });
});
