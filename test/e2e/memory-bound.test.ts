// The built daemon's memory against huge node answers: blocks whose answers are 200 MB each (a release tx
// carrying a 200 MB payload, under a raised --rpc-max-body-bytes) are accepted and indexed, and 1 GB chunked
// answers (no Content-Length) at one height are refused as they stream until the retry deadline: one kind
// (a 1 GB payload) at --rpc-max-body-bytes, the other (1 GB inside the block hash, which is kept) at the
// 64 MiB bound on what is kept, each with a message naming its limit. Through it all the daemon's peak RSS
// (VmHWM, /proc/<pid>/status) stays ≤ 300 MB, and nothing is written for the refused height. The fake
// node generates the bodies as it sends them.
import type { ServerResponse } from 'node:http';
import { beforeAll, describe, expect, it } from 'vitest';
import { SIM_CHAIN_ID, SimChain } from '../../sim/chain.js';
import { generatedBody, startFakeNode } from '../cli/fake-node.js';
import { buildOnce, E2E_CHECK_TIMEOUT_MS, peakRssKb, spawnDaemon } from '../support/daemon.js';
import { createTestDb, indexedHeights, testBackend } from '../support/db.js';

const MB = 1_000_000;
const HUGE = [3, 4, 5, 6];
const HUGE_BYTES = 200 * MB;
const REFUSED = 9;
const MAX_BODY = 256 * 1024 * 1024;
const chain = new SimChain({ seed: 33, blocks: 12 });
const FILL = 'A'.repeat(65_536);
const releaseHash = (h: number) => `${'e'.repeat(62)}${String(h).padStart(2, '0')}`;

/** The honest block at `h` with one more tx, a release whose payload is `fillBytes` of generated text. */
function withRelease(res: ServerResponse, h: number, fillBytes: number): void {
  const honest = chain.responseFor(h);
  const txs = Array.isArray(honest.block?.transactions) ? honest.block.transactions : [];
  const body = JSON.stringify({
    ...honest,
    block: {
      ...honest.block,
      transactions: [...txs, { hash: releaseHash(h), transaction: { release: { payload: 'FILL' } } }],
    },
  });
  const [head, tail] = body.split('FILL') as [string, string];
  generatedBody(res, head, FILL, fillBytes, tail);
}

describe.runIf(testBackend() === 'postgres' && process.platform === 'linux')(
  'memory bound (built daemon)',
  () => {
    beforeAll(() => buildOnce(), E2E_CHECK_TIMEOUT_MS);

    it('200 MB answers are indexed and a 1 GB answer is refused, with the daemon under 300 MB RSS', async () => {
      const t = await createTestDb();
      const node = await startFakeNode(chain, SIM_CHAIN_ID, (h, res) => {
        if (HUGE.includes(h)) {
          withRelease(res, h, HUGE_BYTES);
          return true;
        }
        if (h !== REFUSED) return false;
        if ((node.attempts.get(h) ?? 0) % 2 === 1) withRelease(res, h, 1_000 * MB);
        else generatedBody(res, `{"block":{"height":"${h}","hash":"`, FILL, 1_000 * MB, '"}}');
        return true;
      });
      try {
        const d = spawnDaemon([
          '--rpc',
          node.url,
          '--db',
          t.url,
          '--to',
          String(chain.length),
          '--rpc-max-body-bytes',
          String(MAX_BODY),
          '--retry-deadline-ms',
          '3000',
          '--rpc-timeout-ms',
          '60000',
        ]);
        const pid = d.child.pid!;
        let peakKb = 0;
        let exited = false;
        void d.exit.then(() => {
          exited = true;
        });
        while (!exited) {
          peakKb = Math.max(peakKb, peakRssKb(pid) ?? 0);
          await new Promise((r) => setTimeout(r, 25));
        }
        expect(await d.exit).toBe(1);
        const out = d.output();
        expect(out).toContain(
          `GetBlock height ${REFUSED}: the answer is larger than ${MAX_BODY} bytes (--rpc-max-body-bytes); not read further`,
        );
        expect(out).toMatch(/"errorClass":"RetryDeadlineError"/);
        // Every huge answer was sent in full (the daemon read it to the end), once.
        for (const h of HUGE) expect(node.attempts.get(h)).toBe(1);
        expect(peakKb).toBeGreaterThan(0);
        expect(peakKb * 1024).toBeLessThanOrEqual(300 * 1024 * 1024);

        const heights = await indexedHeights(t.db);
        expect(heights).toEqual(Array.from({ length: REFUSED - 1 }, (_, i) => i + 1));
        const releases = await t.db
          .selectFrom('etl_transactions')
          .select(['block_height', 'tx_hash', 'tx_type'])
          .where('tx_type', '=', 'release')
          .orderBy('block_height')
          .execute();
        expect(releases.map((r) => [Number(r.block_height), r.tx_hash, r.tx_type])).toEqual(
          HUGE.map((h) => [h, releaseHash(h), 'release']),
        );
        expect(
          await t.db
            .selectFrom('etl_transactions')
            .select('tx_hash')
            .where('block_height', '=', REFUSED)
            .execute(),
        ).toEqual([]);
        expect(await t.db.selectFrom('metronome_block_gaps').selectAll().execute()).toEqual([]);
        process.stderr.write(`[memory-bound] daemon peak RSS ${Math.round(peakKb / 1024)} MiB\n`);
      } finally {
        await node.close();
        await t.close();
      }
    }, 600_000);
  },
);
