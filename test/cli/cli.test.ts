// The commands as operators run them (built dist/cli.js and `pnpm sim`'s sim/cli.ts): --version, no
// secret in any error commander prints, the metrics server's bound address in the log, one JSON fatal line
// per fatal exit, and an explicit --from above the resume point refused unless --allow-gap records the gap.
// The daemon runs use the test PostgreSQL (PGlite in a child process takes a minute to start on a busy VM).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { saveBlocks } from '../../sim/block-file.js';
import { SimChain } from '../../sim/chain.js';
import { buildOnce, type LogLine, logLines } from '../support/daemon.js';
import { createTestDb, indexedHeights, testBackend } from '../support/db.js';

const dir = mkdtempSync(join(tmpdir(), 'metronome-cli-'));
const SECRET = 'Zq9secret';

interface Ran {
  code: number | null;
  out: string;
  err: string;
}

function start(cmd: string, args: readonly string[], env: Record<string, string> = {}) {
  const child: ChildProcess = spawn(cmd, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
  });
  const r: Ran = { code: null, out: '', err: '' };
  child.stdout!.on('data', (d: Buffer) => (r.out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (r.err += d.toString()));
  const done = new Promise<Ran>((resolve) =>
    child.on('close', (code) => {
      r.code = code;
      resolve(r);
    }),
  );
  return { child, r, done };
}
const metronome = (args: readonly string[], env: Record<string, string> = {}) =>
  start('node', ['dist/cli.js', ...args], env).done;
const sim = (args: readonly string[]) => start('node', ['--import', 'tsx', 'sim/cli.ts', ...args]).done;

describe('metronome command line (built)', () => {
  beforeAll(() => buildOnce(), 300_000);

  it('--version prints the version from package.json', async () => {
    const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    const r = await metronome(['--version']);
    expect(r.code).toBe(0);
    expect(r.out.trim()).toBe(version);
  });

  it('commander never echoes a raw secret: invalid --db and --rpc values, from flags and the environment', async () => {
    const bad: { args: string[]; env?: Record<string, string> }[] = [
      // `/` in the password: not a URL the parser accepts.
      { args: ['index', '--rpc', 'http://n', '--db', `postgres://metro:${SECRET}/x@db/metronome`] },
      // a `%` that is no escape: the driver would fail every connect.
      { args: ['index', '--rpc', 'http://n', '--db', `postgres://metro:${SECRET}%zz@db/metronome`] },
      // `@` and `:` in the user and password, with another scheme.
      { args: ['index', '--rpc', 'http://n', '--db', `mysql://me@corp:${SECRET}:x@db/metronome`] },
      { args: ['index', '--rpc', 'http://n'], env: { METRONOME_DB_URL: `mysql://metro:${SECRET}@db/m` } },
      { args: ['index', '--db', 'pglite://memory', '--rpc', `ftp://indexer:${SECRET}@node`] },
      {
        args: ['capture', '--rpc', `ftp://indexer:${SECRET}@node`, '--from', '1', '--to', '2', '--out', 'x'],
      },
    ];
    // Independent processes: run side by side (each mostly waits on its own start-up).
    const runs = await Promise.all(bad.map((b) => metronome(b.args, b.env)));
    for (const r of runs) {
      expect(r.code).not.toBe(0);
      expect(r.err).toMatch(/^error: /);
      expect(r.err).toContain('***');
      expect(r.out + r.err).not.toContain(SECRET);
    }
  });

  it('a node URL whose password is not valid percent-encoding fails at start with one fatal line', async () => {
    const r = await metronome([
      'index',
      '--rpc',
      `http://indexer:${SECRET}%zz@127.0.0.1:9`,
      '--db',
      'pglite://memory',
    ]);
    expect(r.code).toBe(1);
    const fatal = logLines(r.out).filter((l) => l.level === 60);
    expect(fatal).toHaveLength(1);
    expect(fatal[0]).toMatchObject({ errorClass: 'RpcError' });
    expect(String(fatal[0]!.reason)).toMatch(/not valid percent-encoding/);
    expect(r.out).not.toMatch(/node not answering/);
    expect(r.out + r.err).not.toContain(SECRET);
  });

  it('--metrics-port 0 logs the bound port on 127.0.0.1, which answers', async () => {
    // The node is unreachable: the daemon waits for it, serving health meanwhile; SIGTERM ends it cleanly.
    const d = start('node', [
      'dist/cli.js',
      'index',
      '--rpc',
      'http://127.0.0.1:9',
      '--db',
      'pglite://memory',
      '--metrics-port',
      '0',
    ]);
    let serving: LogLine | undefined;
    for (let i = 0; i < 1_200 && !serving && d.r.code === null; i++) {
      serving = logLines(d.r.out).find((l) => l.msg === 'serving /metrics, /healthz, /readyz');
      await new Promise((r) => setTimeout(r, 50));
    }
    try {
      expect(serving).toMatchObject({ host: '127.0.0.1' });
      const port = serving!.port as number;
      expect(port).toBeGreaterThan(0);
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    } finally {
      d.child.kill('SIGTERM');
    }
    expect((await d.done).code).toBe(0);
  });

  describe.runIf(testBackend() === 'postgres')('against a block file', () => {
    const file = join(dir, 'chain.jsonl');
    const saved = saveBlocks(new SimChain({ seed: 3, blocks: 30, hostileShare: 0.1 }), file);

    it('a bad line in the block file: exit 1 and one fatal JSON line with the height, reason and class', async () => {
      await saved;
      const broken = join(dir, 'broken.jsonl');
      const lines = readFileSync(file, 'utf8').split('\n');
      lines[5] = lines[5]!.slice(0, 40); // line 6, height 6: truncated
      writeFileSync(broken, lines.join('\n'));
      // The test PostgreSQL, not PGlite: the point is the file error, and PGlite's first migration in a
      // child process is most of two minutes on a loaded machine.
      const t = await createTestDb();
      const r = await metronome(['index', '--source', `file:${broken}`, '--db', t.url]).finally(() =>
        t.close(),
      );
      expect(r.code).toBe(1);
      const fatal = logLines(r.out).filter((l) => l.level === 60);
      expect(fatal).toHaveLength(1);
      expect(fatal[0]).toMatchObject({ height: 6, indexedHeight: 5, errorClass: 'BlockFileError' });
      expect(String(fatal[0]!.reason)).toMatch(/broken\.jsonl:6: not JSON/);
    });

    it('a halt: exit 1 and one fatal JSON line with the halted height, reason and class', async () => {
      await saved;
      const t = await createTestDb();
      try {
        // A logic error the database raises every time for block 7 (SQLSTATE P0001: not retryable).
        await sql`
          CREATE FUNCTION reject_block_7() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN RAISE EXCEPTION 'block 7 is poisoned'; END $$`.execute(t.db);
        await sql`
          CREATE TRIGGER poison BEFORE INSERT ON etl_blocks FOR EACH ROW
          WHEN (NEW.block_height = 7) EXECUTE FUNCTION reject_block_7()`.execute(t.db);
        const r = await metronome(['index', '--source', `file:${file}`, '--db', t.url]);
        expect(r.code).toBe(1);
        const fatal = logLines(r.out).filter((l) => l.level === 60);
        expect(fatal).toHaveLength(1);
        expect(fatal[0]).toMatchObject({
          msg: 'halted on a block failure',
          height: 7,
          errorClass: 'HaltError',
        });
        expect(String(fatal[0]!.reason)).toContain('block 7 is poisoned');
        expect(r.err).toMatch(/^error: halted at /);
        const top = await t.db
          .selectFrom('etl_blocks')
          .select((eb) => eb.fn.max('block_height').as('top'))
          .executeTakeFirst();
        expect(Number(top?.top)).toBe(6);
      } finally {
        await t.close();
      }
    });

    it('--from above the resume point is refused naming the missing range; --allow-gap records it', async () => {
      await saved;
      const t = await createTestDb();
      const db = t.url;
      expect((await metronome(['index', '--source', `file:${file}`, '--db', db, '--to', '10'])).code).toBe(0);

      const refused = await metronome(['index', '--source', `file:${file}`, '--db', db, '--from', '16']);
      expect(refused.code).toBe(1);
      const fatal = logLines(refused.out).filter((l) => l.level === 60);
      expect(fatal).toHaveLength(1);
      expect(fatal[0]).toMatchObject({ errorClass: 'GapRefusedError' });
      expect(String(fatal[0]!.reason)).toContain('heights 11..15 (5 blocks) never indexed');

      const allowed = await metronome([
        'index',
        '--source',
        `file:${file}`,
        '--db',
        db,
        '--from',
        '16',
        '--to',
        '20',
        '--allow-gap',
      ]);
      expect(allowed.code).toBe(0);
      expect(logLines(allowed.out).find((l) => l.from === 11 && l.to === 15 && l.level === 40)?.msg).toMatch(
        /--allow-gap.*metronome_block_gaps/,
      );

      try {
        const heights = await indexedHeights(t.db);
        expect(heights).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 16, 17, 18, 19, 20]);
        const gaps = await t.db
          .selectFrom('metronome_block_gaps')
          .select('block_height')
          .orderBy('block_height')
          .execute();
        expect(gaps.map((g) => g.block_height)).toEqual([11, 12, 13, 14, 15]);
      } finally {
        await t.close();
      }
    });
  });
});

describe('pnpm sim command line', () => {
  it('rejects a bad --hostile, an oversized --blocks and an unknown scenario with one line, exit 2', async () => {
    const rejected: Promise<{ r: Ran; message: RegExp }>[] = [];
    for (const [args, message] of [
      [['--hostile', 'abc'], /--hostile must be a number from 0 to 1, got "abc"/],
      [['--hostile', '5'], /--hostile must be a number from 0 to 1, got "5"/],
      [['--blocks', '99999999999'], /blocks must be at most 5,000,000/],
      [['--scenario', 'no-such-scenario'], /^error: no scenario no-such-scenario; have /],
    ] as const) {
      rejected.push(sim(args).then((r) => ({ r, message })));
    }
    for (const { r, message } of await Promise.all(rejected)) {
      expect(r.code).toBe(2);
      expect(r.err).toMatch(message);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).not.toMatch(/\n\s+at /);
    }
  });

  it('an unreachable --db: one line, exit 1, and its password printed nowhere', async () => {
    const r = await sim(['--db', `postgres://metro:${SECRET}@127.0.0.1:9/sim`, '--blocks', '5']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^error: .*ECONNREFUSED/);
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(r.out + r.err).not.toContain(SECRET);
    expect(r.out).toContain('--db postgres://metro:***@127.0.0.1:9/sim');
  });
});
