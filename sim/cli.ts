// pnpm sim --seed N: the deterministic simulator from the command line.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import cliProgress from 'cli-progress';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { SCENARIOS } from '../scenarios/index.js';
import type { ScenarioEnv } from '../scenarios/scenario.js';
import { connect } from '../src/db/connect.js';
import { migrate } from '../src/db/migrate.js';
import { redactSecrets, redactUrl } from '../src/ops/redact.js';
import { saveBlocks } from './block-file.js';
import { type ChainView, SIM_CHAIN_ID, SimChain } from './chain.js';
import { createDatabase, dropDatabase } from './database.js';
import { startEphemeralPostgres } from './ephemeral-postgres.js';
import { FileChain } from './file-chain.js';
import { diffDigests, readGolden, writeGolden } from './golden.js';
import { describe as describeDifference, runOracle } from './oracle.js';
import { startRpcServer } from './rpc-server.js';
import { DEFAULT_OPTIONS, runSimulation, type SimOptions, type SimReport } from './run.js';
import { shrinkAndSave } from './shrink.js';

const int =
  (name: string, max = Number.MAX_SAFE_INTEGER) =>
  (v: string) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isSafeInteger(n) || n < 0)
      throw new InvalidArgumentError(`${name} must be a non-negative integer, got "${v}"`);
    if (n > max)
      throw new InvalidArgumentError(`${name} must be at most ${max.toLocaleString('en')}, got ${v}`);
    return n;
  };
/** Generated chains are held in memory: past this a run would exhaust memory long before it ended. */
const MAX_BLOCKS = 5_000_000;
const share = (v: string) => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1)
    throw new InvalidArgumentError(`--hostile must be a number from 0 to 1, got "${v}"`);
  return n;
};

const program = new Command('sim')
  .description('Deterministic chain simulator driving the production indexer')
  .option('--seed <n>', 'seed', int('seed'), 42)
  .option('--blocks <n>', 'blocks to generate', int('blocks', MAX_BLOCKS), DEFAULT_OPTIONS.blocks)
  .option(
    '--db <url>',
    'pglite://memory (default), postgres (start an ephemeral server) or postgres://…',
    DEFAULT_OPTIONS.db,
  )
  .option('--legacy-writer', 'run the simulated legacy writer alongside the indexer', false)
  .option('--faults', 'inject crashes, RPC faults, dropped connections, outages and handler bugs', false)
  .option('--no-equivalence', 'with --faults: skip the crash-free twin run')
  .option(
    '--hostile <share>',
    'share of hostile ManageEntity txs (0..1)',
    share,
    DEFAULT_OPTIONS.hostileShare,
  )
  .option('--no-challenges', 'run no challenge ticks (the tables a plain `metronome index` writes)')
  .option('--report <file>', 'write the deterministic report (JSON)')
  .option('--timings <file>', 'write timings (JSON)')
  .option('--golden <file>', 'golden file (default golden/seed-<seed>.json)')
  .option('--update-golden', 'rewrite the golden file from this run', false)
  .option('--save-scenario <file>', 'on a violation, shrink the run and write the scenario reproducing it')
  .option('--shrink', 'on a violation, shrink the run to a minimal block list saved as a scenario', false)
  .option(
    '--save-blocks <file>',
    'also write the simulated chain as a block file (JSON Lines of GetBlock responses)',
  )
  .option('--source <file:PATH>', 'replay a block file (docs/block-files.md) instead of generating the chain')
  .option(
    '--scenario <id>',
    'run a regression scenario both ways (ours and the reproduced bug) and print its figures',
  )
  .option(
    '--oracle <which>',
    "production: index the chain twice, ours vs production's own triggers, and compare",
  )
  .option(
    '--serve <port>',
    'serve the simulated chain over the Core RPC protocol on 127.0.0.1 instead of indexing it',
    int('port', 65535),
  )
  .action(main);

interface Flags {
  seed: number;
  blocks: number;
  db: string;
  legacyWriter: boolean;
  faults: boolean;
  equivalence: boolean;
  challenges: boolean;
  hostile: number;
  report?: string;
  timings?: string;
  golden?: string;
  updateGolden: boolean;
  saveScenario?: string;
  shrink: boolean;
  serve?: number;
  scenario?: string;
  saveBlocks?: string;
  source?: string;
  oracle?: string;
}

function reproduce(f: Flags): string {
  return [
    'pnpm sim',
    `--seed ${f.seed}`,
    `--blocks ${f.blocks}`,
    f.db !== DEFAULT_OPTIONS.db ? `--db ${redactUrl(f.db)}` : '',
    f.legacyWriter ? '--legacy-writer' : '',
    f.faults ? '--faults' : '',
    f.hostile !== DEFAULT_OPTIONS.hostileShare ? `--hostile ${f.hostile}` : '',
    f.source !== undefined ? `--source ${f.source}` : '',
    f.challenges ? '' : '--no-challenges',
  ]
    .filter(Boolean)
    .join(' ');
}

async function serve(f: Flags, port: number): Promise<void> {
  // With --source file:PATH the file's blocks are served (a captured incident behind a fake node).
  const chain: ChainView = f.source?.startsWith('file:')
    ? await FileChain.load(f.source.slice('file:'.length))
    : new SimChain({ seed: f.seed, blocks: f.blocks, hostileShare: f.hostile, emptyRun: f.blocks >= 1000 });
  const chainId = f.source ? String(chain.responseFor(1).block?.chainId ?? SIM_CHAIN_ID) : SIM_CHAIN_ID;
  const rpc = await startRpcServer((h) => chain.responseFor(h), { chainId, port, head: () => chain.length });
  const what = f.source ?? `seed ${f.seed}`;
  console.log(`sim: serving ${what} (${chain.length} blocks) as chain ${chainId} on ${rpc.url}`);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await rpc.close();
}

async function runScenario(f: Flags, id: string): Promise<void> {
  const s = SCENARIOS.find((x) => x.id === id || x.id.startsWith(`${id}-`) || x.id === id.split('-')[0]);
  if (!s) throw new UsageError(`no scenario ${id}; have ${SCENARIOS.map((x) => x.id).join(', ')}`);
  const server = s.needsPostgres || f.db === 'postgres' ? await startEphemeralPostgres() : undefined;
  const base = server?.url ?? f.db;
  let n = 0;
  const env: ScenarioEnv = {
    db: base,
    freshDb: async () => {
      if (!base.startsWith('postgres')) {
        const h = await connect('pglite://memory');
        await migrate(h.db);
        return { db: h.db, url: h.url, close: () => h.close() };
      }
      const name = `scenario_${process.pid}_${++n}`;
      const url = await createDatabase(base, name);
      const h = await connect(url);
      await migrate(h.db);
      return {
        db: h.db,
        url,
        close: async () => {
          await h.close();
          await dropDatabase(base, name);
        },
      };
    },
  };
  try {
    console.log(`scenario ${s.id}: ${s.title}`);
    const ours = await s.ours(env);
    console.log(
      `\nours: ${ours.violations.length === 0 ? 'holds' : `${ours.violations.length} violation(s)`}`,
    );
    if (ours.figures) console.table(ours.figures);
    for (const bug of s.bugs) {
      const r = await bug.run(env);
      const caught = [...new Set(r.violations.map((v) => v.invariant))];
      console.log(
        `\nbug "${bug.name}": caught by ${caught.join(', ') || 'NOTHING'} (expected ${bug.catches})`,
      );
      if (r.figures) console.table(r.figures);
      if (!caught.includes(bug.catches)) process.exitCode = 1;
    }
    if (ours.violations.length > 0) {
      for (const v of ours.violations.slice(0, 20)) console.error(`  [${v.invariant}] ${v.message}`);
      process.exitCode = 1;
    }
  } finally {
    await server?.stop();
  }
}

async function main(f: Flags): Promise<void> {
  if (f.saveBlocks !== undefined) {
    const n = await saveBlocks(
      new SimChain({ seed: f.seed, blocks: f.blocks, hostileShare: f.hostile, emptyRun: f.blocks >= 1000 }),
      f.saveBlocks,
    );
    console.log(`sim: wrote ${n} blocks to ${f.saveBlocks}`);
  }
  if (f.scenario !== undefined) return runScenario(f, f.scenario);
  if (f.serve !== undefined) return serve(f, f.serve);
  if (f.oracle !== undefined) return oracle(f);
  const options: SimOptions = {
    seed: f.seed,
    blocks: f.blocks,
    db: f.db,
    legacyWriter: f.legacyWriter,
    faults: f.faults,
    hostileShare: f.hostile,
    equivalence: f.equivalence,
    ...(f.challenges ? {} : { challenges: false }),
    ...(f.source !== undefined ? { source: f.source } : {}),
  };
  console.log(`sim: ${reproduce(f)}`);
  const bar = process.stdout.isTTY
    ? new cliProgress.SingleBar(
        { format: 'indexing [{bar}] {value}/{total} blocks', hideCursor: true },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  bar?.start(f.blocks, 0);
  const { report, timings } = await runSimulation(options, { onProgress: (n) => bar?.update(n) });
  bar?.stop();

  const goldenPath = resolve(f.golden ?? `golden/seed-${f.seed}.json`);
  const violations = [...report.violations];
  const golden = readGolden(goldenPath);
  const sameShape =
    golden &&
    f.source === undefined &&
    JSON.stringify(golden.options) === JSON.stringify(goldenOptions(report));
  if (f.updateGolden) {
    writeGolden(goldenPath, { seed: f.seed, options: goldenOptions(report), digest: report.digest });
    console.log(`golden: wrote ${goldenPath}`);
  } else if (golden && sameShape) {
    for (const m of diffDigests(golden.digest, report.digest))
      violations.push({ invariant: 'golden', message: m });
  } else if (golden) {
    console.log(`golden: ${goldenPath} was recorded with other options; not compared`);
  }

  printSummary(report, timings.totalMs, violations.length);
  if (f.report) writeFileSync(f.report, `${JSON.stringify(report, null, 2)}\n`);
  if (f.timings) writeFileSync(f.timings, `${JSON.stringify(timings, null, 2)}\n`);
  if (violations.length > 0) {
    console.error(`\n${violations.length} violation(s):`);
    for (const v of violations.slice(0, 50)) console.error(`  [${v.invariant}] ${v.message}`);
    console.error(`\nreproduce with: ${reproduce(f)}`);
    if (report.violations.length > 0 && (f.shrink || f.saveScenario)) {
      await shrinkAndSave(options, f.saveScenario, reproduce(f), (l) => console.error(l));
    } else if (f.saveScenario) {
      // Only the golden differs: no invariant to shrink on, so the scenario is the run's options.
      writeFileSync(f.saveScenario, scenarioFile(options));
      console.error(`scenario written to ${f.saveScenario}`);
    }
    process.exitCode = 1;
  } else if (f.shrink) {
    console.log('shrink: the run violates no invariant, nothing to shrink');
  }
}

/** --oracle production: both runs on one ephemeral PostgreSQL 15 (production's functions need a server). */
async function oracle(f: Flags): Promise<void> {
  if (f.oracle !== 'production') throw new InvalidArgumentError('--oracle takes: production');
  const server = f.db.startsWith('postgres://') ? undefined : await startEphemeralPostgres();
  try {
    const r = await runOracle({
      ...DEFAULT_OPTIONS,
      seed: f.seed,
      blocks: f.blocks,
      db: server?.url ?? f.db,
      hostileShare: f.hostile,
    });
    console.log(`oracle seed ${r.seed}, ${r.blocks} blocks: notifications by type (ours / production)`);
    for (const t of [...new Set([...Object.keys(r.counts.ours), ...Object.keys(r.counts.production)])].sort())
      console.log(`  ${t.padEnd(36)} ${r.counts.ours[t] ?? 0} / ${r.counts.production[t] ?? 0}`);
    console.log(`accepted deliberate differences: ${JSON.stringify(r.accepted)}`);
    console.log(`unexplained differences: ${r.unexplained.length}`);
    for (const d of r.unexplained.slice(0, 50)) console.log(`  ${describeDifference(d)}`);
    if (r.unexplained.length > 0 || r.violations > 0) process.exitCode = 1;
  } finally {
    await server?.stop();
  }
}

/** Golden files are keyed by what determines the digest (engine excluded: both must agree). */
function goldenOptions(r: SimReport) {
  const { engine: _engine, ...rest } = r.options;
  return rest;
}

function printSummary(r: SimReport, totalMs: number, violations: number) {
  const secs = totalMs / 1000;
  const line = (k: string, v: unknown) =>
    console.log(`  ${k.padEnd(22)} ${typeof v === 'string' ? v : JSON.stringify(v)}`);
  console.log(`\nsimulation seed ${r.seed} on ${r.options.engine}`);
  line(
    'blocks',
    `${r.blocks} (${(r.blocks / secs).toFixed(0)} blocks/s, ${(r.txs / secs).toFixed(0)} txs/s, ${secs.toFixed(1)} s)`,
  );
  line('block kinds', r.blockKinds);
  line('txs', `${r.txs} (${r.emTxs} ManageEntity, ${r.plays} plays)`);
  line('outcomes', r.outcomes);
  line('rejection reasons', r.reasons);
  line('handlers applied', Object.keys(r.handlersReached).length);
  line('hostile txs', r.hostile);
  line('play collisions', r.playCollisions);
  line('plays skipped', r.playsSkipped);
  line('faults injected', r.faults);
  line('restarts', r.restarts);
  line('challenge ticks', r.challengeTicks);
  if (r.legacy) line('legacy writer', r.legacy);
  line('invariants checked', r.invariantsChecked.join(', '));
  line('violations', violations);
}

function scenarioFile(o: SimOptions): string {
  return `// Saved by \`pnpm sim --save-scenario\`: a run that violated an invariant. Replays with the same options.
import type { SimOptions } from '../sim/run.js';

export const options: SimOptions = ${JSON.stringify(o, null, 2)};
`;
}

/** A bad request from the command line (exit 2), as opposed to a run that failed (exit 1). */
class UsageError extends Error {}

// Bad flags exit 2 with commander's one line; failures exit 1 with one line, never a stack trace, and
// never a password (commander echoes option values; driver errors may quote the URL).
program.exitOverride().configureOutput({ outputError: (text, write) => write(redactSecrets(text)) });
try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    process.exitCode = e.exitCode === 0 ? 0 : 2;
  } else {
    console.error(`error: ${redactSecrets(e instanceof Error ? e.message || String(e) : String(e))}`);
    process.exitCode = e instanceof UsageError ? 2 : 1;
  }
}
