// Node ride-through: the built daemon, with its default 10 s request timeout, keeps going unaided while the
// node answers only 500s and 429s for 7 s, and then hangs every request (accepts it, never answers) for
// 22 s. It must stall rather than skip, then finish with the undisturbed digest. E2E_ROUNDS rounds (3 in
// CI), each on a fresh database; every round must pass.
// The windows are as short as the coverage allows: 7 s of errors outlast the retry backoff's climb to its
// cap (200 ms doubling to 3.2 s: 6.2 s to the first capped wait, docs/spec.md "Retry spacing"); 22 s of
// hang hold two request timeouts back to back (10 s each plus a backoff step), so a retried request that
// hangs again is covered too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIM_CHAIN_ID, SimChain } from '../../sim/chain.js';
import { freePort } from '../../sim/ephemeral-postgres.js';
import type { TableDigest } from '../../sim/golden.js';
import { type RpcFault, startRpcServer } from '../../sim/rpc-server.js';
import {
  buildOnce,
  expectIndexedAsReference,
  metric,
  referenceDigest,
  spawnDaemon,
  until,
} from '../support/daemon.js';
import { createTestDb, testBackend } from '../support/db.js';
import { e2eRounds } from '../support/e2e-rounds.js';

const BLOCKS = 900;
const ERRORS_MS = 7_000;
const HANG_MS = 22_000;
const chain = new SimChain({ seed: 12, blocks: BLOCKS, hostileShare: 0.1 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.runIf(testBackend() === 'postgres')(
  'node outages: 500s, 429s and a 22 s hang (built daemon)',
  () => {
    let reference: TableDigest;
    let rpc: Awaited<ReturnType<typeof startRpcServer>>;
    let outage: { kind: 'errors' | 'hang'; until: number } | undefined;
    let faulted = { http500: 0, http429: 0, hang: 0 };
    const fault = (): RpcFault | undefined => {
      if (!outage || Date.now() >= outage.until) return undefined;
      const f: RpcFault =
        outage.kind === 'hang'
          ? 'hang'
          : (faulted.http500 + faulted.http429) % 2 === 0
            ? 'http500'
            : 'http429';
      faulted[f as keyof typeof faulted]++;
      return f;
    };
    beforeAll(async () => {
      buildOnce();
      rpc = await startRpcServer((h) => chain.responseFor(h), {
        chainId: SIM_CHAIN_ID,
        faults: { forGetBlock: fault, forCall: fault, hangMs: HANG_MS },
      });
      reference = await referenceDigest(chain);
    });
    afterAll(async () => {
      await rpc?.close();
    });

    for (const round of e2eRounds()) {
      it(`round ${round}: 7 s of 500s and 429s, then every request hung for 22 s; stalls, skips nothing, finishes`, async () => {
        faulted = { http500: 0, http429: 0, hang: 0 };
        const t = await createTestDb();
        const port = await freePort();
        const d = spawnDaemon([
          '--rpc',
          rpc.url,
          '--db',
          t.url,
          '--metrics-port',
          String(port),
          '--to',
          String(BLOCKS),
        ]);
        const height = async () => (await metric(port, 'metronome_indexed_height')) ?? 0;
        try {
          await until(async () => (await height()) >= 150);
          outage = { kind: 'errors', until: Date.now() + ERRORS_MS };
          await sleep(ERRORS_MS);
          await until(async () => (await height()) >= 400);
          outage = { kind: 'hang', until: Date.now() + HANG_MS };
          // Once the prefetched blocks are indexed the daemon waits on the node: no height moves past the hang.
          await sleep(12_000);
          const stalledAt = await height();
          await sleep(HANG_MS - 13_000);
          expect(await height()).toBe(stalledAt);
          expect(stalledAt).toBeLessThan(BLOCKS);
          expect(await d.exit).toBe(0);
        } finally {
          outage = undefined;
          d.child.kill('SIGKILL');
        }
        try {
          expect(faulted.http500).toBeGreaterThan(0);
          expect(faulted.http429).toBeGreaterThan(0);
          expect(faulted.hang).toBeGreaterThan(0);
          expect(d.output()).toMatch(/fetch retry/);
          expect(d.output()).toMatch(/timed out after 10000 ms/);
          await expectIndexedAsReference(t.db, BLOCKS, reference);
        } finally {
          await t.close();
        }
      });
    }
  },
);
