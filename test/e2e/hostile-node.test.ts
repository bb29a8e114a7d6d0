// The built daemon against a hostile node: a fake Core node on 127.0.0.1 serves a simulated chain honestly
// except at one height, where it answers with one hostile shape (an endless oversized body, deeply nested
// JSON, a negative height below its own head, a garbage height, an earlier block, a later block, a block
// of another chain, an HTML page, a body that trickles forever). Each time the daemon must log the
// height and the reason on every retry, keep its memory bounded, give up at --retry-deadline-ms with one
// fatal JSON line naming the height, and write nothing for that height (1..H-1 committed, nothing else).
// Rounds: E2E_ROUNDS (default 1; CI runs 3), each shape on a fresh database and a fresh node; the shapes run
// concurrently (each daemon mostly sleeps in its backoff), so a round costs about one shape's time.
import type { ServerResponse } from 'node:http';
import { beforeAll, describe, expect, it } from 'vitest';
import { SIM_CHAIN_ID, SimChain } from '../../sim/chain.js';
import { freePort } from '../../sim/ephemeral-postgres.js';
import { floodBody, startFakeNode, trickleBody } from '../cli/fake-node.js';
import {
  buildOnce,
  type DaemonProcess,
  E2E_CHECK_TIMEOUT_MS,
  logLines,
  peakRssKb,
  spawnDaemon,
} from '../support/daemon.js';
import { createTestDb, indexedHeights, testBackend } from '../support/db.js';
import { e2eRounds } from '../support/e2e-rounds.js';

const BLOCKS = 30;
const AT = 20;
const DEADLINE_MS = 3_000;
/**
 * Generous, so that an honest answer is never late on a loaded machine (only the hostile height may fail:
 * the deadline counts from a height's first failure).
 */
const RPC_TIMEOUT_MS = 5_000;
const MAX_BODY = 1_000_000;
const chain = new SimChain({ seed: 21, blocks: BLOCKS, hostileShare: 0.1 });

const block = (h: number) => chain.responseFor(h);
const send = (res: ServerResponse, body: unknown, type = 'application/json') => {
  res.setHeader('content-type', type);
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
};
/** The honest answer for AT with its block replaced field by field. */
const tampered = (fields: Record<string, unknown>) => ({
  ...block(AT),
  block: { ...block(AT).block, ...fields },
});

interface Shape {
  readonly name: string;
  readonly answer: (res: ServerResponse) => void;
  /** What the retries and the fatal line must say about it. */
  readonly reason: RegExp;
}

const SHAPES: Shape[] = [
  {
    name: 'an endless oversized body',
    answer: (res) => floodBody(res, '{"block":{"height":"20","hash":"', 'ab'.repeat(32_768), 4e9),
    reason: /larger than 1000000 bytes/,
  },
  {
    name: 'deeply nested JSON',
    answer: (res) =>
      send(
        res,
        `{"block":{"height":"20","hash":"ab","chainId":"${SIM_CHAIN_ID}","timestamp":"2025-01-01T00:00:00Z","transactions":${'['.repeat(200_000)}${']'.repeat(200_000)}},"currentHeight":"30"}`,
      ),
    reason: /height 20 tx 0: transaction is not an object/,
  },
  {
    name: 'a negative height below its own head',
    answer: (res) => send(res, { block: { height: '-1', chainId: SIM_CHAIN_ID }, currentHeight: '30' }),
    reason: /not produced yet.*its head is 30/,
  },
  {
    name: 'a garbage height',
    answer: (res) => send(res, tampered({ height: 'twenty' })),
    reason: /height 20: block\.height is missing or not an int64/,
  },
  {
    name: 'an earlier block (height going backwards)',
    answer: (res) => send(res, block(7)),
    reason: /height 20: node returned block 7/,
  },
  {
    name: 'a block for another height',
    answer: (res) => send(res, block(25)),
    reason: /height 20: node returned block 25/,
  },
  {
    name: 'a block of another chain',
    answer: (res) => send(res, tampered({ chainId: 'some-other-chain' })),
    reason: /height 20: the block is from chain "some-other-chain", not "metronome-sim"/,
  },
  {
    name: 'the wrong content type (an HTML page with status 200)',
    answer: (res) => send(res, '<html><body>Please log in</body></html>', 'text/html'),
    reason: /content-type is "text\/html", not application\/json/,
  },
  {
    name: 'an endless slow body',
    answer: (res) => trickleBody(res, 100),
    reason: /GetBlock height 20: timed out after 5000 ms/,
  },
];

const lines = (d: DaemonProcess) => logLines(d.output());

describe.runIf(testBackend() === 'postgres')('hostile node (built daemon)', () => {
  beforeAll(() => buildOnce(), E2E_CHECK_TIMEOUT_MS);

  for (const round of e2eRounds())
    for (const shape of SHAPES)
      it.concurrent(
        `round ${round}: ${shape.name} at height ${AT}: retried with the height and reason, fatal at the deadline, nothing written for it`,
        async () => {
          const t = await createTestDb();
          const node = await startFakeNode(chain, SIM_CHAIN_ID, (h, res) => {
            if (h !== AT) return false;
            shape.answer(res);
            return true;
          });
          try {
            const port = await freePort();
            const d = spawnDaemon([
              '--rpc',
              node.url,
              '--db',
              t.url,
              '--to',
              String(BLOCKS),
              '--retry-deadline-ms',
              String(DEADLINE_MS),
              '--rpc-timeout-ms',
              String(RPC_TIMEOUT_MS),
              '--rpc-max-body-bytes',
              String(MAX_BODY),
              '--metrics-port',
              String(port),
            ]);
            // Memory stays bounded while the node misbehaves: the daemon's peak, read until it exits.
            let maxRss = 0;
            let exited = false;
            void d.exit.then(() => {
              exited = true;
            });
            while (!exited) {
              maxRss = Math.max(maxRss, (peakRssKb(d.child.pid!) ?? 0) * 1024);
              await new Promise((r) => setTimeout(r, 100));
            }
            expect(await d.exit).toBe(1);

            const log = lines(d);
            const retries = log.filter((l) => l.msg === 'fetch retry' && l.height === AT);
            expect(retries.length).toBeGreaterThanOrEqual(1);
            for (const r of retries) expect(String(r.err)).toMatch(shape.reason);
            const fatal = log.filter((l) => l.level === 60);
            expect(fatal).toHaveLength(1);
            expect(fatal[0]).toMatchObject({
              height: AT,
              indexedHeight: AT - 1,
              errorClass: 'RetryDeadlineError',
            });
            expect(String(fatal[0]!.reason)).toMatch(
              new RegExp(
                `^height ${AT}: the block source kept failing for \\d+ ms \\(retry deadline ${DEADLINE_MS} ms\\)`,
              ),
            );
            expect(String(fatal[0]!.reason)).toMatch(shape.reason);
            // The deadline was honoured (it gave up within a few attempts past it), and no height past it was asked.
            expect(node.attempts.get(AT)).toBeLessThan(20);
            expect(node.attempts.has(AT + 1)).toBe(false);

            const heights = await indexedHeights(t.db);
            expect(heights).toEqual(Array.from({ length: AT - 1 }, (_, i) => i + 1));
            expect(await t.db.selectFrom('metronome_block_gaps').selectAll().execute()).toEqual([]);
            if (process.platform === 'linux') expect(maxRss).toBeGreaterThan(0);
            expect(maxRss).toBeLessThan(400 * 1024 * 1024);
          } finally {
            await node.close();
            await t.close();
          }
        },
        E2E_CHECK_TIMEOUT_MS,
      );

  it('credentials in --rpc travel as a Basic header and never reach the log', async () => {
    const t = await createTestDb();
    const node = await startFakeNode(chain, SIM_CHAIN_ID);
    try {
      const secret = 'pa:ss@w/rd%';
      const rpc = node.url.replace('http://', `http://indexer:${encodeURIComponent(secret)}@`);
      const d = spawnDaemon(['--rpc', rpc, '--db', t.url, '--to', '5']);
      expect(await d.exit).toBe(0);
      expect(node.authorizations.length).toBeGreaterThan(0);
      const basic = `Basic ${Buffer.from(`indexer:${secret}`).toString('base64')}`;
      expect(node.authorizations.every((a) => a === basic)).toBe(true);
      expect(d.output()).not.toContain(encodeURIComponent(secret));
      expect(d.output()).not.toContain('pa:ss');
      expect(d.output()).toContain('indexer:***@127.0.0.1');
    } finally {
      await node.close();
      await t.close();
    }
  });
});
