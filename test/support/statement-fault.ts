// Fault injection for tests: the simulator's statement plugin (sim/faults.ts StatementHook) set to run a
// callback (or throw) after the Nth statement, so a block can be broken after any statement without the
// indexer knowing.
import { StatementHook } from '../../sim/faults.js';

/** Looks like a server crash to the indexer (SQLSTATE 57P01 admin_shutdown), so it fails the whole block. */
export class InjectedFault extends Error {
  override name = 'InjectedFault';
  readonly code = '57P01';
}

export class StatementFault extends StatementHook {
  /** `failAfter` undefined: a probe that only counts statements. */
  constructor(
    failAfter: number | undefined,
    action: (n: number) => Promise<void> = async (n) => {
      throw new InjectedFault(`injected fault after statement ${n}`);
    },
  ) {
    super(async (n) => {
      if (n === failAfter) await action(n);
    });
  }

  get count(): number {
    return this.statements;
  }
}
