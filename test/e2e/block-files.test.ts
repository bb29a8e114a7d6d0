// Block files end to end, through the commands operators run: `pnpm sim --save-blocks` → `metronome index
// --source file:` (built dist/) gives the simulated run's digest; `metronome capture` from `pnpm sim --serve`
// equals `--save-blocks` byte for byte, and a second capture resumes after the first one's last line.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../sim/ephemeral-postgres.js';
import type { TableDigest } from '../../sim/golden.js';
import { buildOnce } from '../support/daemon.js';
import { createTestDb } from '../support/db.js';
import { digestTables } from '../support/digest.js';

const SEED = 6;
const BLOCKS = 120;
/** The first capture stops here; the second one resumes after it. */
const PARTIAL = 60;
const dir = mkdtempSync(join(tmpdir(), 'metronome-e2e-blocks-'));
const saved = join(dir, 'saved.jsonl');
const report = join(dir, 'report.json');

function run(
  cmd: string,
  args: string[],
  opts: { onLine?: (line: string) => void } = {},
): { child: ChildProcess; exit: Promise<{ code: number | null; output: string }> } {
  const child = spawn(cmd, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LOG_LEVEL: 'info' },
  });
  let output = '';
  const onData = (d: Buffer) => {
    output += d.toString();
    if (opts.onLine) for (const l of d.toString().split('\n')) if (l) opts.onLine(l);
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exit = new Promise<{ code: number | null; output: string }>((resolve) =>
    child.on('exit', (code) => resolve({ code, output })),
  );
  return { child, exit };
}

const tsx = 'node_modules/.bin/tsx';

describe('block files through the CLIs', () => {
  let simulated: TableDigest;
  beforeAll(async () => {
    buildOnce();
    const sim = await run(tsx, [
      'sim/cli.ts',
      '--seed',
      String(SEED),
      '--blocks',
      String(BLOCKS),
      // Challenge ticks are the simulator's; a plain `metronome index` runs none.
      '--no-challenges',
      '--save-blocks',
      saved,
      '--report',
      report,
    ]).exit;
    expect(sim.code, sim.output).toBe(0);
    simulated = (JSON.parse(readFileSync(report, 'utf8')) as { digest: TableDigest }).digest;
  });

  it('simulate → --save-blocks → index --source file: → the simulated run’s digest', async () => {
    const t = await createTestDb();
    try {
      const r = await run('node', ['dist/cli.js', 'index', '--source', `file:${saved}`, '--db', t.url]).exit;
      expect(r.code, r.output).toBe(0);
      expect(r.output).toMatch(new RegExp(`"lastHeight":${BLOCKS}.*the block source has no more blocks`));
      const ours = await digestTables(t.db);
      // The comparison covers every table, not just a few.
      expect(Object.keys(ours).length).toBeGreaterThan(50);
      expect(ours).toEqual(simulated);
      // Run again: everything is indexed; the file is read to its end and nothing changes.
      const again = await run('node', ['dist/cli.js', 'index', '--source', `file:${saved}`, '--db', t.url])
        .exit;
      expect(again.code, again.output).toBe(0);
      expect(await digestTables(t.db)).toEqual(ours);
    } finally {
      await t.close();
    }
  });

  it('capture from `pnpm sim --serve` equals --save-blocks byte for byte, resuming after a partial capture', async () => {
    const port = await freePort();
    let serving: () => void = () => {};
    const up = new Promise<void>((resolve) => {
      serving = resolve;
    });
    const server = run(
      tsx,
      ['sim/cli.ts', '--seed', String(SEED), '--blocks', String(BLOCKS), '--serve', String(port)],
      {
        onLine: (l) => {
          if (l.includes('sim: serving')) serving();
        },
      },
    );
    try {
      await up;
      const url = `http://127.0.0.1:${port}`;
      const out = join(dir, 'captured.jsonl');
      const capture = (to: number) =>
        run('node', [
          'dist/cli.js',
          'capture',
          '--rpc',
          url,
          '--from',
          '1',
          '--to',
          String(to),
          '--out',
          out,
        ]);
      const first = await capture(PARTIAL).exit;
      expect(first.code, first.output).toBe(0);
      const second = await capture(BLOCKS).exit;
      expect(second.code, second.output).toBe(0);
      expect(second.output).toMatch(/resuming after the last line of the file/);
      expect(second.output).toContain(`"from":${PARTIAL + 1},"blocks":${BLOCKS - PARTIAL}`);
      expect(readFileSync(out).equals(readFileSync(saved))).toBe(true);
    } finally {
      server.child.kill('SIGTERM');
      await server.exit;
    }
  });
});
