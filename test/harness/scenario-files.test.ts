// The scenarios run one test file each (scenarios/suite.ts): a scenario module without its test file, or
// one `pnpm sim --scenario` does not list, would silently stop being checked.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SCENARIOS } from '../../scenarios/index.js';

const DIR = join(import.meta.dirname, '../../scenarios');
const SUPPORT = new Set(['index.ts', 'scenario.ts', 'suite.ts', 'filled-db.ts']);

describe('scenario files', () => {
  const files = readdirSync(DIR);
  const modules = files.filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !SUPPORT.has(f));

  it('every scenario module has a test file that runs it through scenarioSuite', () => {
    const missing = modules.filter((m) => {
      const test = m.replace(/\.ts$/, '.test.ts');
      if (!files.includes(test)) return true;
      const text = readFileSync(join(DIR, test), 'utf8');
      return !text.includes(`./${m.replace(/\.ts$/, '.js')}`) || !text.includes('scenarioSuite(');
    });
    expect(missing).toEqual([]);
  });

  it('every scenario module is registered for `pnpm sim --scenario`, once', async () => {
    const ids: string[] = [];
    for (const m of modules) {
      const mod: { scenario?: { id: string } } = await import(join(DIR, m));
      if (mod.scenario) ids.push(mod.scenario.id);
    }
    expect(ids.length).toBe(modules.length);
    expect([...SCENARIOS.map((s) => s.id)].sort()).toEqual([...ids].sort());
  });
});
