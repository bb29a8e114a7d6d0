// `metronome handlers --json` lists every registration of the dispatch table, once, with its gate and
// the tables it writes; `--reasons` lists the closed set of reason codes.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { HandlerRow } from '../../src/cli/handlers.js';
import { TX_REASONS } from '../../src/entity-manager/reasons.js';
import { HANDLERS } from '../../src/entity-manager/registry.js';

const cli = (...args: string[]) =>
  execFileSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { encoding: 'utf8' });

describe('metronome handlers', () => {
  it('--json lists every registration exactly once, with the tables it writes', () => {
    const rows = JSON.parse(cli('handlers', '--json')) as HandlerRow[];
    const keys = rows.map((r) => `${r.entityType}:${r.action}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.sort()).toEqual(HANDLERS.map((h) => `${h.entityType}:${h.action}`).sort());
    const missingWrites = rows.filter((r) => r.writes.length === 0).map((r) => `${r.entityType}:${r.action}`);
    expect(missingWrites, 'every handler declares the tables it writes').toEqual([]);
  });

  it('--reasons --json is the closed set of reason codes with their meanings', () => {
    expect(JSON.parse(cli('handlers', '--reasons', '--json'))).toEqual(TX_REASONS);
  });
});
