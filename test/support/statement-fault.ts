// Fault injection for tests: a Kysely plugin that runs a callback (or throws) after the Nth statement,
// so a block can be broken after any statement without the indexer knowing.
import type {
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from 'kysely';

/** Looks like a server crash to the indexer (SQLSTATE 57P01 admin_shutdown), so it fails the whole block. */
export class InjectedFault extends Error {
  override name = 'InjectedFault';
  readonly code = '57P01';
}

export class StatementFault implements KyselyPlugin {
  count = 0;
  constructor(
    private readonly failAfter: number | undefined,
    private readonly action: (n: number) => Promise<void> = async (n) => {
      throw new InjectedFault(`injected fault after statement ${n}`);
    },
  ) {}

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    this.count++;
    if (this.count === this.failAfter) await this.action(this.count);
    return args.result;
  }
}
