// `pnpm test`: every vitest project, with the e2e project in a second vitest process beside quick + slow.
// The e2e tests mostly wait through real outage windows (a daemon retrying a dead node or database), so on
// two cores they overlap the CPU-bound tiers instead of queueing behind them. Each process starts its own
// PostgreSQL cluster (global setup) and registry; `pnpm build` is serialised by a lock (daemon.ts buildOnce).
// The e2e output is kept in a file and printed after the other tiers, so the two reports do not interleave.
import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function vitest(projects: readonly string[], out: number | 'inherit'): Promise<number> {
  const args = [
    'exec',
    'vitest',
    'run',
    ...projects.flatMap((p) => ['--project', p]),
    ...process.argv.slice(2),
  ];
  return new Promise((done) => {
    const child = spawn('pnpm', args, { stdio: ['ignore', out, out] });
    child.on('error', () => done(1));
    child.on('exit', (code, signal) => done(signal ? 1 : (code ?? 1)));
  });
}

const dir = mkdtempSync(join(tmpdir(), 'metronome-e2e-log-'));
const e2eLog = join(dir, 'e2e.log');
const [tiers, e2e] = await Promise.all([
  vitest(['quick', 'slow'], 'inherit'),
  vitest(['e2e'], openSync(e2eLog, 'w')),
]);
process.stdout.write(`\n=== e2e project (ran beside quick + slow)\n${readFileSync(e2eLog, 'utf8')}`);
rmSync(dir, { recursive: true, force: true });
console.log(`\nquick + slow: ${tiers === 0 ? 'passed' : 'FAILED'}; e2e: ${e2e === 0 ? 'passed' : 'FAILED'}`);
process.exit(tiers === 0 && e2e === 0 ? 0 : 1);
