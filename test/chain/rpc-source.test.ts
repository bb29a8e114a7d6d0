// The Core RPC client over the simulator's Connect JSON server: the request it sends, how each kind of
// failure is classified, and — through the real run loop and its log observer — that a malformed answer,
// a 500 and a hung connection each produce a logged retry and no skipped height.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIM_CHAIN_ID, SimChain } from '../../sim/chain.js';
import { SimClock } from '../../sim/clock.js';
import { freePort } from '../../sim/ephemeral-postgres.js';
import { type RpcFault, type RpcServer, startRpcServer } from '../../sim/rpc-server.js';
import { DecodeError } from '../../src/chain/decode.js';
import { RpcError, rpcSource, waitForNode } from '../../src/chain/rpc-source.js';
import { productionDispatcher } from '../../src/entity-manager/registry.js';
import { runIndexer } from '../../src/indexer/run.js';
import { logObserver } from '../../src/ops/log-observer.js';
import { isRetryable } from '../../src/shared/errors.js';
import { indexReference } from '../support/daemon.js';
import { createTestDb, indexedHeights } from '../support/db.js';
import { digestTables } from '../support/digest.js';

const chain = new SimChain({ seed: 8, blocks: 120, hostileShare: 0.1 });
const never = new AbortController().signal;

describe('rpcSource', () => {
  let rpc: RpcServer;
  beforeAll(async () => {
    rpc = await startRpcServer((h) => (h <= chain.length ? chain.responseFor(h) : undefined), {
      chainId: SIM_CHAIN_ID,
      head: () => chain.length,
      faults: {
        forGetBlock: (h) =>
          (
            ({
              7: 'http500',
              8: 'http429',
              9: 'http503',
              10: 'proxy502',
              11: 'malformed',
              12: 'hang',
              13: 'reset',
            }) as Record<number, RpcFault>
          )[h],
        hangMs: 5_000,
      },
    });
  });
  afterAll(async () => rpc?.close());

  it('POSTs Connect JSON to /core.v1.CoreService/GetBlock with the height as a string', async () => {
    const seen: { url: string; init: RequestInit }[] = [];
    const spy: typeof fetch = async (url, init) => {
      seen.push({ url: String(url), init: init! });
      return fetch(url, init);
    };
    const r = await rpcSource(`${rpc.url}/`, { fetchImpl: spy }).fetch(5, never);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.url).toBe(`${rpc.url}/core.v1.CoreService/GetBlock`);
    expect(seen[0]!.init.method).toBe('POST');
    expect(seen[0]!.init.body).toBe('{"height":"5"}');
    expect(seen[0]!.init.headers).toMatchObject({
      'content-type': 'application/json',
      'connect-protocol-version': '1',
    });
    // The block, the tip, and the body text exactly as it was sent (what capture writes).
    expect(r).toMatchObject({ status: 'block', block: { height: 5 }, chainHead: chain.length });
    expect(r.status === 'block' && r.raw).toBe(JSON.stringify(chain.responseFor(5)));
  });

  it('a height not produced yet is "not-yet" (the node answers a height -1 placeholder)', async () => {
    expect(await rpcSource(rpc.url).fetch(chain.length + 1, never)).toEqual({
      status: 'not-yet',
      chainHead: undefined,
    });
  });

  it('reads the chain id from GetNodeInfo and readiness from GetStatus', async () => {
    const s = rpcSource(rpc.url);
    expect(await s.chainId()).toBe(SIM_CHAIN_ID);
    expect(await s.status()).toEqual({
      ready: true,
      synced: true,
      chainId: SIM_CHAIN_ID,
      head: chain.length,
      earliestHeight: undefined,
    });
  });

  it.each([
    [7, 500, 'unknown'],
    [8, 429, 'resource_exhausted'],
    [9, 503, 'unavailable'],
    // A proxy's HTML page: the Connect code is derived from the status.
    [10, 502, 'unavailable'],
  ])('height %i: HTTP %i is a retryable RpcError with code %s', async (height, status, code) => {
    const err = await rpcSource(rpc.url)
      .fetch(height, never)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RpcError);
    expect(err).toMatchObject({ status, connectCode: code, retryable: true });
    expect((err as Error).message).toMatch(new RegExp(`^GetBlock height ${height}: HTTP ${status} ${code}`));
    expect(isRetryable(err)).toBe(true);
  });

  it('a truncated body is a DecodeError naming the height', async () => {
    const err = await rpcSource(rpc.url)
      .fetch(11, never)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DecodeError);
    expect((err as Error).message).toMatch(/^GetBlock height 11: the answer is not JSON/);
  });

  it('a hung request times out after the per-request timeout, retryable', async () => {
    const err = await rpcSource(rpc.url, { timeoutMs: 300 })
      .fetch(12, never)
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'RpcError', connectCode: 'deadline_exceeded', retryable: true });
    expect((err as Error).message).toMatch(/GetBlock height 12: timed out after 300 ms/);
  });

  it('a reset connection and a refused one are retryable', async () => {
    const reset = await rpcSource(rpc.url)
      .fetch(13, never)
      .catch((e: unknown) => e);
    expect(reset).toMatchObject({ name: 'RpcError', status: undefined, retryable: true });
    const refused = await rpcSource(`http://127.0.0.1:${await freePort()}`)
      .fetch(1, never)
      .catch((e: unknown) => e);
    expect(refused).toMatchObject({ name: 'RpcError', retryable: true });
    expect((refused as Error).message).toMatch(/ECONNREFUSED/);
  });

  it('a wrong path (404 unimplemented) is not retryable', async () => {
    const err = await rpcSource(`${rpc.url}/nope`)
      .fetch(1, never)
      .catch((e: unknown) => e);
    expect(err).toMatchObject({
      name: 'RpcError',
      status: 404,
      connectCode: 'unimplemented',
      retryable: false,
    });
    expect(isRetryable(err)).toBe(false);
  });

  it("the caller's abort wins over the timeout and is not an RpcError", async () => {
    const c = new AbortController();
    const p = rpcSource(rpc.url, { timeoutMs: 10_000 }).fetch(12, c.signal);
    setTimeout(() => c.abort(new Error('shutting down')), 50);
    await expect(p).rejects.toThrow('shutting down');
  });

  it('rejects a URL that is not http(s)', () => {
    expect(() => rpcSource('ftp://node')).toThrow(/http\(s\)/);
  });
});

describe('waitForNode', () => {
  it('retries GetNodeInfo while the node is unavailable, then reads its status', async () => {
    const rpc = await startRpcServer((h) => chain.responseFor(h), {
      chainId: SIM_CHAIN_ID,
      head: () => chain.length,
      faults: { forCall: (m, attempt) => (m === 'GetNodeInfo' && attempt <= 2 ? 'http503' : undefined) },
    });
    try {
      const waits: string[] = [];
      const r = await waitForNode(rpcSource(rpc.url), {
        clock: new SimClock(),
        onWait: (what) => waits.push(what),
      });
      expect(waits).toEqual(['node-info', 'node-info']);
      expect(r).toMatchObject({ chainId: SIM_CHAIN_ID, ready: true, status: { head: chain.length } });
    } finally {
      await rpc.close();
    }
  });

  it('gives up at once on a wrong URL', async () => {
    const rpc = await startRpcServer((h) => chain.responseFor(h), { chainId: SIM_CHAIN_ID });
    try {
      await expect(
        waitForNode(rpcSource(`${rpc.url}/wrong`), { clock: new SimClock() }),
      ).rejects.toMatchObject({
        status: 404,
        retryable: false,
      });
    } finally {
      await rpc.close();
    }
  });
});

describe('faults through the run loop', () => {
  let reference: Awaited<ReturnType<typeof digestTables>>;
  beforeAll(async () => {
    const ref = await createTestDb();
    try {
      await indexReference(ref.db, chain);
      reference = await digestTables(ref.db);
    } finally {
      await ref.close();
    }
  });

  // Side by side: each case has its own node and database, and the hang case mostly waits out two timeouts.
  it.concurrent.each([
    ['a malformed response', 'malformed'],
    ['a 500', 'http500'],
    ['a hung connection', 'hang'],
  ] as const)('%s: a logged retry on the same height and no skipped height', async (_name, fault) => {
    const rpc = await startRpcServer((h) => chain.responseFor(h), {
      chainId: SIM_CHAIN_ID,
      head: () => chain.length,
      // Twice on height 40, then it answers.
      faults: { forGetBlock: (h, attempt) => (h === 40 && attempt <= 2 ? fault : undefined), hangMs: 20_000 },
    });
    const t = await createTestDb();
    try {
      let logs = '';
      const sink = new Writable({
        write(chunk: Buffer, _enc, cb) {
          logs += chunk.toString();
          cb();
        },
      });
      const logger = pino({ level: 'info' }, sink);
      const clock = new SimClock();
      const summary = await runIndexer({
        db: t.db,
        // Honest answers get ample time even on a loaded machine; only the 20 s hang times out.
        source: rpcSource(rpc.url, { timeoutMs: 4_000 }),
        deps: { chainId: SIM_CHAIN_ID, dispatcher: productionDispatcher(), logger },
        clock,
        endHeight: chain.length,
        observer: logObserver(logger, clock),
      });
      expect(summary).toMatchObject({
        lastHeight: chain.length,
        blocksIndexed: chain.length,
        stoppedBy: 'end',
      });
      expect(rpc.attempts.get(40)).toBe(3);
      const retries = logs
        .split('\n')
        .filter((l) => l.includes('"msg":"fetch retry"'))
        .map((l) => JSON.parse(l) as { height: number; err: string; level: number });
      const at40 = retries.filter((r) => r.height === 40);
      expect(at40.length).toBe(2);
      expect(at40[0]!.level).toBe(40); // warn
      expect(at40[0]!.err).toMatch(
        fault === 'malformed'
          ? /height 40: the answer is not JSON/
          : fault === 'http500'
            ? /HTTP 500/
            : /timed out/,
      );
      const heights = await indexedHeights(t.db);
      expect(heights).toEqual(Array.from({ length: chain.length }, (_, i) => i + 1));
      expect(await digestTables(t.db)).toEqual(reference);
    } finally {
      await Promise.all([t.close(), rpc.close()]);
    }
  });
});

describe('rpcSource against a hostile or misconfigured node (scripted answers)', () => {
  const SECRET = 'Zq9secret';
  const answering =
    (...bodies: unknown[]): typeof fetch =>
    async () =>
      new Response(JSON.stringify(bodies.length > 1 ? bodies.shift() : bodies[0]), {
        headers: { 'content-type': 'application/json' },
      });
  const blockOf = (h: number, chainId = SIM_CHAIN_ID) => ({
    ...chain.responseFor(h),
    block: { ...chain.responseFor(h).block, chainId },
  });

  it("a block from another chain is an error naming the height (the chain is GetNodeInfo's)", async () => {
    const s = rpcSource('http://node.test', {
      fetchImpl: answering({ chainid: SIM_CHAIN_ID }, blockOf(5), blockOf(6, 'other-chain')),
    });
    expect(await s.chainId()).toBe(SIM_CHAIN_ID);
    expect(await s.fetch(5, never)).toMatchObject({ status: 'block' });
    const err = await s.fetch(6, never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DecodeError);
    expect((err as Error).message).toBe(
      'height 6: the block is from chain "other-chain", not "metronome-sim"',
    );
  });

  it('"not produced yet" for a height below the head the node reported is an error, at the tip it is not', async () => {
    const placeholder = { block: { height: '-1' }, currentHeight: '0' };
    const s = rpcSource('http://node.test', { fetchImpl: answering(blockOf(5), placeholder, placeholder) });
    await s.fetch(5, never); // currentHeight: the chain's length, 120
    const err = await s.fetch(6, never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DecodeError);
    expect((err as Error).message).toMatch(
      /^height 6: the node answered "not produced yet" .* its head is 120$/,
    );
    // Past the head it is the tip: wait.
    expect(await s.fetch(121, never)).toEqual({ status: 'not-yet', chainHead: undefined });
  });

  it('credentials in the URL: sent as a Basic header, never in the request URL or an error', async () => {
    const seen: { url: string; auth: string | null }[] = [];
    const spy: typeof fetch = async (url, init) => {
      seen.push({ url: String(url), auth: new Headers(init?.headers).get('authorization') });
      throw new TypeError('fetch failed', {
        cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      });
    };
    const err = await rpcSource(`http://indexer:${SECRET}%2F@node.test:8080/`, { fetchImpl: spy })
      .fetch(3, never)
      .catch((e: unknown) => e);
    expect(seen).toEqual([
      {
        url: 'http://node.test:8080/core.v1.CoreService/GetBlock',
        auth: `Basic ${Buffer.from(`indexer:${SECRET}/`).toString('base64')}`,
      },
    ]);
    expect((err as RpcError).retryable).toBe(true);
    expect(String((err as Error).message)).not.toContain(SECRET);
  });

  it('a configuration error fails at start instead of being retried forever', async () => {
    // A password that is not valid percent-encoding: refused when the source is made.
    let err: unknown;
    try {
      rpcSource(`http://indexer:${SECRET}%zz@node.test/`);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RpcError);
    expect((err as RpcError).retryable).toBe(false);
    expect((err as Error).message).not.toContain(SECRET);
    // fetch() refusing to build the request (not a network failure) is not retried: waitForNode gives up.
    const refusing: typeof fetch = async () => {
      throw new TypeError(
        `Request cannot be constructed from a URL that includes credentials: http://u:${SECRET}@n/`,
      );
    };
    const waits: unknown[] = [];
    const started = await waitForNode(rpcSource('http://node.test', { fetchImpl: refusing }), {
      clock: new SimClock(),
      onWait: (what) => waits.push(what),
    }).catch((e: unknown) => e);
    expect(started).toBeInstanceOf(RpcError);
    expect((started as RpcError).retryable).toBe(false);
    expect((started as Error).message).not.toContain(SECRET);
    expect(waits).toEqual([]);
  });
});
