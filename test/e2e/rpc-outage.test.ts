// Node ride-through: the built daemon, with its default 10 s request timeout, keeps going unaided while the
// node answers only 500s and 429s for 7 s, and then hangs every request (accepts it, never answers) until
// two requests for the same height have timed out back to back. It must stall rather than skip, then finish
// with the undisturbed digest. E2E_ROUNDS rounds (3 in CI), each on a fresh database and its own node, run
// concurrently (each round mostly waits on its node); every round must pass.
// The windows are as short as the coverage allows: 7 s of errors outlast the retry backoff's climb to its
// cap (200 ms doubling to 3.2 s: 6.2 s to the first capped wait, docs/spec.md "Retry spacing"); the hang
// lasts until a retried request has hung and timed out again (two 10 s timeouts plus a backoff step), so a
// retried request that hangs again is covered too. The hang ends only after the stall was checked, so a
// loaded machine cannot make the check read a height indexed after the hang.
// The chain is as short as the check allows: 60 blocks before the errors, 60 between the errors and the hang,
// and the rest after it, so "resumes to the undisturbed digest" has blocks on both sides of each fault.
// A daemon that drops a height fails at once, not at a hang guard: two timeouts in the hang must name one
// height (the same request asked again), and a progress watch fails on a hole in etl_blocks, a row in
// metronome_block_gaps, or a daemon that neither indexes nor asks the node for STALL_MS.
import { beforeAll, describe, expect, it } from 'vitest';
import { SIM_CHAIN_ID, SimChain } from '../../sim/chain.js';
import type { TableDigest } from '../../sim/golden.js';
import { type RpcFault, startRpcServer } from '../../sim/rpc-server.js';
import {
  buildOnce,
  Daemons,
  E2E_CHECK_TIMEOUT_MS,
  expectIndexedAsReference,
  metric,
  metricsPort,
  referenceDigest,
  until,
  watchProgress,
} from '../support/daemon.js';
import { createTestDb, testBackend } from '../support/db.js';
import { e2eRounds } from '../support/e2e-rounds.js';

const BLOCKS = 200;
const ERRORS_AT = 60;
const HANG_AT = 120;
const ERRORS_MS = 7_000;
const RPC_TIMEOUT_MS = 10_000;
/** How long the node holds a hung request: longer than the daemon's timeout, so the daemon gives up first. */
const HANG_MS = 22_000;
const chain = new SimChain({ seed: 12, blocks: BLOCKS, hostileShare: 0.1 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface TimedOut {
  height: number;
}

describe.runIf(testBackend() === 'postgres')(
  'node outages: 500s, 429s and a hang of two request timeouts (built daemon)',
  () => {
    let reference: TableDigest;
    beforeAll(async () => {
      buildOnce();
      reference = await referenceDigest(chain);
    });

    for (const round of e2eRounds()) {
      it.concurrent(
        `round ${round}: 7 s of 500s and 429s, then every request hung past two timeouts; stalls, skips nothing, finishes`,
        async () => {
          let outage: { kind: 'errors'; until: number } | { kind: 'hang' } | undefined;
          const faulted = { http500: 0, http429: 0, hang: 0 };
          const fault = (): RpcFault | undefined => {
            if (!outage || (outage.kind === 'errors' && Date.now() >= outage.until)) return undefined;
            const f: RpcFault =
              outage.kind === 'hang'
                ? 'hang'
                : (faulted.http500 + faulted.http429) % 2 === 0
                  ? 'http500'
                  : 'http429';
            faulted[f as keyof typeof faulted]++;
            return f;
          };
          // Every GetBlock the node hung, by height, in order: seen at the node, whatever the daemon logs.
          const hung: number[] = [];
          const blockFault = (h: number): RpcFault | undefined => {
            const f = fault();
            if (f === 'hang') hung.push(h);
            return f;
          };
          // The highest height the node has answered: a stalled daemon indexes nothing past what it got.
          let answered = 0;
          const rpc = await startRpcServer(
            (h) => {
              answered = Math.max(answered, h);
              return chain.responseFor(h);
            },
            { chainId: SIM_CHAIN_ID, faults: { forGetBlock: blockFault, forCall: fault, hangMs: HANG_MS } },
          );
          const t = await createTestDb();
          const daemons = new Daemons();
          // At most 50 blocks fetched ahead: the hang at HANG_AT must find heights still to fetch (the default
          // buffer, 100, would already hold the whole chain's rest).
          const d = daemons.spawn([
            ...[
              '--rpc',
              rpc.url,
              '--db',
              t.url,
              '--metrics-port',
              '0',
              '--to',
              String(BLOCKS),
              '--prefetch',
              '50',
            ],
          ]);
          const requests = () => [...rpc.attempts.values()].reduce((a, b) => a + b, 0);
          const watch = watchProgress(t.db, requests);
          try {
            const port = await metricsPort(d);
            const height = async () => {
              watch.check();
              return (await metric(port, 'metronome_indexed_height')) ?? 0;
            };
            await until(async () => (await height()) >= ERRORS_AT);
            outage = { kind: 'errors', until: Date.now() + ERRORS_MS };
            await sleep(ERRORS_MS);
            await until(async () => (await height()) >= HANG_AT);
            // From here on every request hangs; what the daemon may still index is what it was answered before.
            outage = { kind: 'hang' };
            const answeredBeforeHang = answered;
            const logBeforeHang = d.output().length;
            const timedOut = (): number[] =>
              d
                .output()
                .slice(logBeforeHang)
                .split('\n')
                .filter(
                  (l) => l.includes('"fetch retry"') && l.includes(`timed out after ${RPC_TIMEOUT_MS} ms`),
                )
                .map((l) => (JSON.parse(l) as TimedOut).height);
            // Two timeouts back to back, for one height: the retried request hung again. The node's second
            // hung request for a different height means the first one was dropped (the daemon fetches one
            // height at a time): that fails here, one timeout into the hang, whether or not the daemon logged it.
            await until(async () => {
              watch.check();
              return hung.length >= 2 && (hung[1] !== hung[0] || timedOut().length >= 2);
            });
            expect(
              hung[1],
              `height ${hung[0]} hung, timed out and was not asked again: the daemon dropped it`,
            ).toBe(hung[0]);
            expect(timedOut().slice(0, 2)).toEqual([hung[0], hung[0]]);
            const stalledAt = await height();
            expect(stalledAt).toBeLessThanOrEqual(answeredBeforeHang);
            expect(stalledAt).toBeLessThan(BLOCKS);
            expect(d.child.exitCode).toBe(null);
            outage = undefined;
            expect(await Promise.race([d.exit, watch.failed])).toBe(0);
          } finally {
            outage = undefined;
            await watch.stop();
            await daemons.killAll();
            await rpc.close();
          }
          try {
            expect(faulted.http500).toBeGreaterThan(0);
            expect(faulted.http429).toBeGreaterThan(0);
            expect(faulted.hang).toBeGreaterThan(0);
            expect(d.output()).toMatch(/fetch retry/);
            await expectIndexedAsReference(t.db, BLOCKS, reference);
          } finally {
            await t.close();
          }
        },
        E2E_CHECK_TIMEOUT_MS,
      );
    }
  },
);
