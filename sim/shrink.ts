// Shrinking a failing simulation: delta debugging (Zeller's ddmin) over the chain's blocks, then over each
// remaining block's txs, then over the blocks again (emptied blocks often go too). A candidate is written as
// a block file (renumbered 1..k, as the file reader requires) and replayed through the same simulation; it
// is kept when the run still violates the same invariant. Every run is deterministic, so the result is too.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import type { WireGetBlockResponse } from '../src/chain/wire.js';
import { chainFor, runSimulation, type SimHooks, type SimOptions } from './run.js';

export interface ShrinkOptions {
  /** The invariant to keep violating (default: the first one the full run violates). */
  readonly invariant?: string;
  /** Progress lines (each run tried, each reduction kept). */
  readonly log?: (line: string) => void;
  /**
   * Candidate runs at a time (default 1). A run mostly waits on the database, so two side by side take
   * little more than one; the result is the same, as the first failing candidate in order is kept.
   */
  readonly concurrency?: number;
}

export interface ShrinkResult {
  readonly invariant: string;
  /** The minimal chain, heights renumbered from 1: one GetBlock response per block. */
  readonly blocks: readonly WireGetBlockResponse[];
  readonly originalBlocks: number;
  readonly txs: number;
  /** Simulation runs the search took (the full run included). */
  readonly runs: number;
  /** The violations of the minimal chain's run. */
  readonly violations: readonly { readonly invariant: string; readonly message: string }[];
}

export class NothingToShrink extends Error {
  override name = 'NothingToShrink';
}

/** One block: its response, and the original height it came from (for the log). */
interface Item {
  readonly from: number;
  readonly response: WireGetBlockResponse;
}

export async function shrink(
  options: SimOptions,
  hooks: SimHooks = {},
  o: ShrinkOptions = {},
): Promise<ShrinkResult> {
  const log = o.log ?? (() => {});
  const chain = await chainFor(options);
  const full: Item[] = Array.from({ length: chain.length }, (_, i) => ({
    from: i + 1,
    response: chain.responseFor(i + 1),
  }));
  const dir = mkdtempSync(join(tmpdir(), 'metronome-shrink-'));
  let runs = 0;

  // ddmin tries some candidates twice (a complement equal to an earlier chunk, the last block pass after
  // the tx pass); runs are deterministic, so a chain already run is answered from here.
  const tried = new Map<string, ShrinkResult['violations']>();
  const violationsOf = async (items: readonly Item[]) => {
    const content = toBlockFile(items.map((i) => i.response));
    const key = createHash('sha256').update(content).digest('hex');
    const known = tried.get(key);
    if (known) return known;
    runs++;
    const file = join(dir, `candidate-${runs}.jsonl`);
    writeFileSync(file, content);
    let violations: ShrinkResult['violations'] = [];
    try {
      const { report } = await runSimulation(
        { ...options, blocks: items.length, source: `file:${file}` },
        withoutProgress(hooks),
      );
      violations = report.violations;
    } catch (e) {
      // A candidate the harness cannot run (not the failure we are keeping) is simply not a reproducer.
      log(`  run ${runs}: harness error, not kept: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      rmSync(file, { force: true });
    }
    tried.set(key, violations);
    return violations;
  };

  try {
    const original = await violationsOf(full);
    const invariant = o.invariant ?? original[0]?.invariant;
    if (invariant === undefined || !original.some((v) => v.invariant === invariant))
      throw new NothingToShrink(
        invariant === undefined
          ? 'the run violates no invariant: nothing to shrink'
          : `the run does not violate ${invariant}: nothing to shrink`,
      );
    const fails = async (items: readonly Item[]) => {
      if (items.length === 0) return false;
      const v = await violationsOf(items);
      const kept = v.some((x) => x.invariant === invariant);
      log(
        `  run ${runs}: ${items.length} blocks, ${items.reduce((n, i) => n + txsOf(i.response).length, 0)} txs: ${kept ? 'still violates' : 'holds'}`,
      );
      return kept;
    };
    log(`shrinking ${full.length} blocks that violate ${invariant}`);

    const par = o.concurrency ?? 1;
    let blocks = await ddmin(full, fails, (n) => log(`  blocks: ${n} left (${runs} runs)`), par);
    for (let b = 0; b < blocks.length; b++) {
      const item = blocks[b]!;
      const txs = txsOf(item.response);
      if (txs.length === 0) continue;
      const withTxs = (kept: readonly unknown[]): Item[] =>
        blocks.map((x, i) =>
          i === b ? { from: x.from, response: replaceTxs(x.response, kept as typeof txs) } : x,
        );
      // An empty block is a candidate too: the failure may need the block, not its txs.
      const keptTxs = (await fails(withTxs([])))
        ? []
        : await ddmin(
            txs,
            (sub) => fails(withTxs(sub)),
            (n) => log(`  block from height ${item.from}: ${n} of ${txs.length} txs left (${runs} runs)`),
            par,
          );
      blocks = withTxs(keptTxs);
    }
    blocks = await ddmin(blocks, fails, (n) => log(`  blocks: ${n} left (${runs} runs)`), par);

    // The kept chain was run already (the table answers): its violations, whatever order runs ended in.
    const kept = await violationsOf(blocks);
    const minimal = renumber(blocks.map((i) => i.response));
    return {
      invariant,
      blocks: minimal,
      originalBlocks: full.length,
      txs: minimal.reduce((n, r) => n + txsOf(r).length, 0),
      runs,
      violations: kept.filter((v) => v.invariant === invariant),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * ddmin: split into n chunks; keep a chunk alone, or everything but a chunk, when it still fails; otherwise
 * split finer, until chunks are single items and none can go. The result is 1-minimal: removing any one
 * item loses the failure.
 */
export async function ddmin<T>(
  items: readonly T[],
  fails: (subset: readonly T[]) => Promise<boolean>,
  onReduce: (left: number) => void = () => {},
  concurrency = 1,
): Promise<readonly T[]> {
  let current = items;
  let n = 2;
  while (current.length >= 2) {
    const chunks = split(current, n);
    let next: readonly T[] | undefined = await firstFailing(chunks, fails, concurrency);
    if (next !== undefined) n = 2;
    if (next === undefined && chunks.length > 2) {
      const complements = chunks.map((_, i) => chunks.filter((_, j) => j !== i).flat());
      next = await firstFailing(complements, fails, concurrency);
      if (next !== undefined) n = Math.max(n - 1, 2);
    }
    if (next !== undefined) {
      current = next;
      onReduce(current.length);
      continue;
    }
    if (n >= current.length) break;
    n = Math.min(n * 2, current.length);
  }
  return current;
}

/** The first candidate, in order, that fails; up to `concurrency` tried side by side. */
async function firstFailing<T>(
  candidates: readonly (readonly T[])[],
  fails: (subset: readonly T[]) => Promise<boolean>,
  concurrency: number,
): Promise<readonly T[] | undefined> {
  for (let i = 0; i < candidates.length; i += concurrency) {
    const batch = candidates.slice(i, i + concurrency);
    const verdicts = await Promise.all(batch.map((c) => fails(c)));
    const hit = verdicts.indexOf(true);
    if (hit !== -1) return batch[hit];
  }
  return undefined;
}

function split<T>(items: readonly T[], n: number): T[][] {
  const out: T[][] = [];
  const size = Math.ceil(items.length / n);
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function replaceTxs(r: WireGetBlockResponse, txs: readonly unknown[]): WireGetBlockResponse {
  return { ...r, block: { ...r.block, transactions: txs } };
}

/** The wire types leave transactions unknown (the decoder checks them); a generated or read chain has arrays. */
function txsOf(r: WireGetBlockResponse): readonly unknown[] {
  const txs = r.block?.transactions;
  return Array.isArray(txs) ? txs : [];
}

/** Heights 1..k, as a block file must have them; each tx carries its block's height too. */
function renumber(responses: readonly WireGetBlockResponse[]): WireGetBlockResponse[] {
  const head = String(responses.length);
  return responses.map((r, i) => {
    const height = String(i + 1);
    const txs = txsOf(r).map((t) => (typeof t === 'object' && t !== null ? { ...t, height } : t));
    return { ...r, currentHeight: head, block: { ...r.block, height, transactions: txs } };
  });
}

export function toBlockFile(responses: readonly WireGetBlockResponse[]): string {
  return renumber(responses)
    .map((r) => `${JSON.stringify(r)}\n`)
    .join('');
}

/**
 * Writes the minimal chain as a block file beside the scenario (`x.ts` → `x.blocks.jsonl`) and a scenario
 * module that replays it with the run's options (scenarios/scenario.ts). The scenario's `ours` fails until
 * the bug is fixed, which makes it the regression test to add: register it in scenarios/index.ts and give it
 * a `<name>.test.ts` calling `scenarioSuite` (test/harness/scenario-files.test.ts checks both).
 */
export function writeShrunkScenario(
  path: string,
  options: SimOptions,
  result: ShrinkResult,
  reproduce: string,
): { scenario: string; blockFile: string } {
  const scenario = resolve(path);
  const blockFile = `${scenario.replace(/\.ts$/, '')}.blocks.jsonl`;
  writeFileSync(blockFile, toBlockFile(result.blocks));
  const importFrom = (p: string) => {
    const rel = relative(dirname(scenario), resolve(p)).replace(/\.ts$/, '.js');
    return rel.startsWith('.') ? rel : `./${rel}`;
  };
  const { source: _source, db: _db, ...kept } = options;
  const id = basename(scenario).replace(/\.ts$/, '');
  writeFileSync(
    scenario,
    `// Saved by \`pnpm sim --shrink\`: ${result.originalBlocks} blocks shrunk to ${result.blocks.length} (${result.txs} txs),
// still violating ${result.invariant}. The original run: ${reproduce}
// Replay: pnpm sim --source file:${relative(process.cwd(), blockFile)}${options.legacyWriter ? ' --legacy-writer' : ''}${options.faults ? ' --faults' : ''}
import { fileURLToPath } from 'node:url';
import { runSimulation, type SimOptions } from '${importFrom('sim/run.ts')}';
import type { Scenario } from '${importFrom('scenarios/scenario.ts')}';

export const BLOCK_FILE = fileURLToPath(new URL('./${basename(blockFile)}', import.meta.url));
export const VIOLATES = ${JSON.stringify(result.invariant)};

export const options = (db: string): SimOptions => ({
  ...${JSON.stringify({ ...kept, blocks: result.blocks.length }, null, 2).replace(/\n/g, '\n  ')},
  db,
  source: \`file:\${BLOCK_FILE}\`,
});

export const scenario: Scenario = {
  id: ${JSON.stringify(id)},
  title: ${JSON.stringify(`shrunk reproducer of a ${result.invariant} violation (${result.blocks.length} blocks)`)},
  needsPostgres: false,
  ours: async (env) => (await runSimulation(options(env.db))).report,
  bugs: [],
};
`,
  );
  return { scenario, blockFile };
}

/**
 * `pnpm sim --shrink` / `--save-scenario`: shrinks a failing run and writes the scenario (by default
 * scenarios/shrunk-seed-N-<invariant>.ts). Returns the scenario's path.
 */
export async function shrinkAndSave(
  options: SimOptions,
  path: string | undefined,
  reproduce: string,
  log: (line: string) => void,
): Promise<string> {
  const result = await shrink(options, {}, { log });
  const target = path ?? `scenarios/shrunk-seed-${options.seed}-${result.invariant}.ts`;
  const { scenario, blockFile } = writeShrunkScenario(target, options, result, reproduce);
  log(
    `shrunk ${result.originalBlocks} blocks to ${result.blocks.length} (${result.txs} txs) in ${result.runs} runs, still violating ${result.invariant}`,
  );
  for (const v of result.violations.slice(0, 5)) log(`  [${v.invariant}] ${v.message}`);
  log(
    `scenario written to ${relative(process.cwd(), scenario)} (blocks in ${relative(process.cwd(), blockFile)})`,
  );
  return scenario;
}

/** The candidate runs are silent: the caller's progress bar belongs to the original run. */
function withoutProgress(hooks: SimHooks): SimHooks {
  const { onProgress: _silent, ...rest } = hooks;
  return rest;
}
