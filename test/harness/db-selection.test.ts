// The suite's database choice (test/support/db-selection.ts). No Docker engine runs on these machines, so the
// decision is what is tested, with the Docker probe as a spy; the probe itself is tested against a fake
// engine on a unix socket.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findPgBin } from '../../sim/ephemeral-postgres.js';
import { chooseTestDatabase, type DbSelectionInput } from '../support/db-selection.js';
import { dockerAnswers } from '../support/docker.js';

function probe(answer: boolean) {
  const calls: number[] = [];
  const dockerAnswers = async () => {
    calls.push(1);
    return answer;
  };
  return { dockerAnswers, calls };
}

const choose = (over: Partial<DbSelectionInput> & { answer?: boolean }) => {
  const p = probe(over.answer ?? true);
  const input: DbSelectionInput = { env: {}, pgBin: undefined, dockerAnswers: p.dockerAnswers, ...over };
  return { result: chooseTestDatabase(input), calls: p.calls };
};

describe('choosing the test database', () => {
  it('DATABASE_URL first, without asking Docker', async () => {
    const { result, calls } = choose({ env: { DATABASE_URL: 'postgres://x@h:5/db' }, pgBin: '/pg/15/bin' });
    expect(await result).toEqual({ kind: 'url', url: 'postgres://x@h:5/db' });
    expect(calls).toHaveLength(0);
  });

  it('local server binaries next, without asking Docker even when an engine would answer', async () => {
    const { result, calls } = choose({ pgBin: '/usr/lib/postgresql/15/bin', answer: true });
    expect(await result).toEqual({ kind: 'local-binaries', pgBin: '/usr/lib/postgresql/15/bin' });
    expect(calls).toHaveLength(0);
  });

  it('Testcontainers postgres:15 when there are no binaries and a Docker engine answers', async () => {
    const { result, calls } = choose({ answer: true });
    expect(await result).toEqual({ kind: 'testcontainers', image: 'postgres:15' });
    expect(calls).toHaveLength(1);
  });

  it('PGlite when nothing else is there', async () => {
    const { result } = choose({ answer: false });
    expect(await result).toMatchObject({ kind: 'pglite' });
  });

  it('TEST_DB=pglite wins over everything, and an unknown TEST_DB is an error', async () => {
    const forced = choose({ env: { TEST_DB: 'pglite', DATABASE_URL: 'postgres://x@h/db' }, pgBin: '/b' });
    expect(await forced.result).toEqual({ kind: 'pglite', why: 'TEST_DB=pglite' });
    expect(forced.calls).toHaveLength(0);
    await expect(choose({ env: { TEST_DB: 'mysql' } }).result).rejects.toThrow(/TEST_DB/);
  });

  it('on this machine (server binaries installed) the suite never asks Docker', async () => {
    const pgBin = findPgBin();
    if (pgBin === undefined) return;
    const p = probe(true);
    const r = await chooseTestDatabase({ env: {}, pgBin, dockerAnswers: p.dockerAnswers });
    expect(r.kind).toBe('local-binaries');
    expect(p.calls).toHaveLength(0);
    // And Testcontainers is loaded only on its own branch, never at module load.
    const setup = readFileSync('test/support/global-setup.ts', 'utf8');
    expect(setup).not.toMatch(/^import .*testcontainers/m);
  });
});

describe('the Docker probe', () => {
  const dir = mkdtempSync(join(tmpdir(), 'metronome-docker-probe-'));
  const servers: Server[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    rmSync(dir, { recursive: true, force: true });
  });
  const fakeEngine = async (status: number) => {
    const socketPath = join(dir, `docker-${status}.sock`);
    const s = createServer((req, res) => {
      res.statusCode = req.url === '/_ping' ? status : 404;
      res.end('OK');
    });
    servers.push(s);
    await new Promise<void>((r) => s.listen(socketPath, r));
    return `unix://${socketPath}`;
  };

  it('answers true for an engine that pings back, false for one that errs, a missing socket or a bad host', async () => {
    expect(await dockerAnswers({ DOCKER_HOST: await fakeEngine(200) })).toBe(true);
    expect(await dockerAnswers({ DOCKER_HOST: await fakeEngine(500) })).toBe(false);
    expect(await dockerAnswers({ DOCKER_HOST: `unix://${join(dir, 'none.sock')}` })).toBe(false);
    expect(await dockerAnswers({ DOCKER_HOST: 'ssh://somewhere' })).toBe(false);
  });
});
