// Fixture for test/harness/cluster-teardown.test.ts: a process that starts an ephemeral cluster under a
// registry (as a vitest worker does) and then waits to be killed, the way a timed-out worker dies.
import { join } from 'node:path';
import { REGISTRY_ENV } from '../../sim/cluster-registry.js';
import { startEphemeralPostgres } from '../../sim/ephemeral-postgres.js';

// With REGISTRY_ROOT the process plays a whole test run: its registry is named by its own pid.
const root = process.env.REGISTRY_ROOT;
if (root) process.env[REGISTRY_ENV] = join(root, String(process.pid));
const pg = await startEphemeralPostgres();
process.stdout.write(`${pg.dataDir}\n`);
setInterval(() => {}, 60_000);
