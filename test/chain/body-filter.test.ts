// The daemon's GetBlock body filter: whatever the chunking, the block it decodes to is the block the whole
// text decodes to; what it drops (payloads of txs recorded by type alone) never reaches memory; and the
// rpc source refuses an answer above --rpc-max-body-bytes as it streams, with or without Content-Length.
import { describe, expect, it } from 'vitest';
import { SIM_CHAIN_ID, SimChain } from '../../sim/chain.js';
import { BlockBodyFilter } from '../../src/chain/body-filter.js';
import { decodeGetBlockResponse } from '../../src/chain/decode.js';
import { rpcSource } from '../../src/chain/rpc-source.js';

const chain = new SimChain({ seed: 5, blocks: 60, hostileShare: 0.2 });
const never = new AbortController().signal;

function filtered(text: string, chunk: number): string {
  const f = new BlockBodyFilter();
  const bytes = Buffer.from(text, 'utf8');
  for (let i = 0; i < bytes.length; i += chunk) f.push(bytes.subarray(i, i + chunk));
  return f.text();
}

const tx = (hash: string, transaction: unknown, extra: Record<string, unknown> = {}) => ({
  hash,
  transaction,
  ...extra,
});
const bodyWith = (txs: unknown[]) =>
  JSON.stringify({
    block: {
      height: '3',
      hash: 'ab',
      chainId: SIM_CHAIN_ID,
      proposer: 'CD',
      timestamp: '2025-01-01T00:00:00Z',
      transactions: txs,
    },
    currentHeight: '9',
  });

describe('BlockBodyFilter', () => {
  it('decodes every simulated block exactly as the whole text does, at any chunking', () => {
    for (let h = 1; h <= chain.length; h++) {
      const text = JSON.stringify(chain.responseFor(h));
      const whole = decodeGetBlockResponse(JSON.parse(text), h);
      for (const size of [1, 7, 4096])
        expect(decodeGetBlockResponse(JSON.parse(filtered(text, size)), h)).toEqual(whole);
    }
  });

  it('drops the payloads the decoder never reads, keeping their type; keeps the three it reads', () => {
    const huge = 'x'.repeat(200_000);
    const text = bodyWith([
      tx('01', { release: { ddex: huge, parts: [{ a: huge }, '}]'] }, signature: huge }),
      tx('02', { manageEntity: { userId: '1', metadata: '{"a":"}"}' } }, { transactionv2: { blob: huge } }),
      tx('03', { plays: { plays: [{ userId: '1', trackId: '2' }] }, requestId: huge }),
    ]);
    const kept = filtered(text, 1000);
    expect(kept.length).toBeLessThan(1_000);
    const block = decodeGetBlockResponse(JSON.parse(kept), 3);
    expect(block).toEqual(decodeGetBlockResponse(JSON.parse(text), 3));
    expect(JSON.parse(kept).block.transactions).toEqual([
      { hash: '01', transaction: { release: {}, signature: null } },
      {
        hash: '02',
        transaction: { manageEntity: { userId: '1', metadata: '{"a":"}"}' } },
        transactionv2: {},
      },
      { hash: '03', transaction: { plays: { plays: [{ userId: '1', trackId: '2' }] }, requestId: null } },
    ]);
  });

  it('never drops under a key written with escapes (JSON.parse reads it as the plain key)', () => {
    // "\u0068ash" is "hash": dropping it would lose the tx hash the whole text has.
    const text = bodyWith([{ '\\u0068ash': 'ab', transaction: { reward: { amount: '1' } } }]).replace(
      '"\\\\u0068ash"',
      '"\\u0068ash"',
    );
    expect(text).toContain('"\\u0068ash"');
    const block = decodeGetBlockResponse(JSON.parse(filtered(text, 3)), 3);
    expect(block).toEqual(decodeGetBlockResponse(JSON.parse(text), 3));
    expect(block.status === 'block' && block.block.txs[0]).toEqual({
      kind: 'other',
      hash: 'ab',
      txType: 'reward',
    });
  });

  it('refuses a dropped payload whose brackets do not match', () => {
    const unbalanced = bodyWith([tx('01', { release: { a: 'HERE' } })]).replace('"HERE"', '[1,2}');
    expect(() => filtered(unbalanced, 5)).toThrow(/unbalanced/);
    const truncated = bodyWith([tx('01', { release: { a: 'x'.repeat(50) } })]).slice(0, 150);
    expect(() => JSON.parse(filtered(truncated, 16))).toThrow();
  });
});

describe('rpcSource answer size', () => {
  const MAX = 1_000_000;
  /** A body streamed in 64 KiB chunks up to `total` bytes, generated as it is read; counts what was pulled. */
  function streamed(total: number, declare: boolean) {
    const state = { pulled: 0 };
    const chunk = new Uint8Array(65_536).fill(0x61);
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        if (state.pulled >= total) return c.close();
        state.pulled += chunk.length;
        c.enqueue(chunk);
      },
    });
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (declare) headers['content-length'] = String(total);
    const fetchImpl = (async () => new Response(body, { status: 200, headers })) as typeof fetch;
    return { state, fetchImpl };
  }

  it('a chunked answer (no Content-Length) is refused once it passes the maximum, without reading on', async () => {
    const { state, fetchImpl } = streamed(1e9, false);
    const s = rpcSource('http://node.invalid', { fetchImpl, maxBodyBytes: MAX, keepRaw: false });
    await expect(s.fetch(5, never)).rejects.toThrow(
      /^GetBlock height 5: the answer is larger than 1000000 bytes \(--rpc-max-body-bytes\); not read further$/,
    );
    expect(state.pulled).toBeLessThan(MAX + 4 * 65_536);
  });

  it('what is kept of an answer stops at 64 MiB however high the maximum: a raised maximum admits skipped payloads, not larger blocks', async () => {
    const { state, fetchImpl } = streamed(1e9, false);
    const s = rpcSource('http://node.invalid', {
      fetchImpl,
      maxBodyBytes: 512 * 1024 * 1024,
      keepRaw: false,
    });
    await expect(s.fetch(5, never)).rejects.toThrow(
      /^GetBlock height 5: the block's content \(the answer without skipped tx payloads\) is larger than 67108864 bytes; not read further$/,
    );
    expect(state.pulled).toBeLessThan(64 * 1024 * 1024 + 4 * 65_536);
  });

  it('a declared Content-Length above the maximum is refused before any byte is read', async () => {
    const { state, fetchImpl } = streamed(1e9, true);
    const s = rpcSource('http://node.invalid', { fetchImpl, maxBodyBytes: MAX });
    await expect(s.fetch(5, never)).rejects.toThrow(/larger than 1000000 bytes/);
    // A ReadableStream pulls once to fill its queue when it is made; nothing past that.
    expect(state.pulled).toBeLessThanOrEqual(65_536);
  });

  it('the daemon mode keeps no text and sizes the block by what it kept', async () => {
    const text = bodyWith([tx('01', { storageProof: { proof: 'p'.repeat(300_000) } })]);
    const fetchImpl = (async () =>
      new Response(text, { status: 200, headers: { 'content-type': 'application/json' } })) as typeof fetch;
    const lean = await rpcSource('http://node.invalid', { fetchImpl, keepRaw: false }).fetch(3, never);
    expect(lean).toMatchObject({ status: 'block', block: { txs: [{ txType: 'storage_proof' }] } });
    expect(lean.status === 'block' && lean.raw).toBe(undefined);
    expect(lean.status === 'block' && lean.sizeBytes).toBeLessThan(1_000);
    const full = await rpcSource('http://node.invalid', { fetchImpl }).fetch(3, never);
    expect(full.status === 'block' && full.raw).toBe(text);
    expect(full.status === 'block' && full.sizeBytes).toBe(2 * text.length);
  });
});
