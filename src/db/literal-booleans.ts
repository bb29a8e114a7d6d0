// Booleans written into a statement's text instead of sent as parameters, except in an INSERT's VALUES.
// Every partial index a handler's statement can use is on a boolean (`WHERE is_current`, `… AND NOT
// is_delete`): a plan prepared once for `is_current = $3` knows no value and cannot use it, while one for
// `is_current = true` can. With its booleans literal, a statement plans alike whatever its parameters, so
// a batch may keep its plan on the connection (statement-batch.ts `plansAlike`). In VALUES a boolean picks
// no index, and a literal there would only make one text per combination of flags.
import {
  type KyselyPlugin,
  OperationNodeTransformer,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
  type ValueNode,
  type ValuesNode,
} from 'kysely';

class Transformer extends OperationNodeTransformer {
  /** Depth inside a VALUES list, where booleans stay parameters. */
  private inValues = 0;

  protected override transformValues(node: ValuesNode): ValuesNode {
    this.inValues++;
    try {
      return super.transformValues(node);
    } finally {
      this.inValues--;
    }
  }

  protected override transformValue(node: ValueNode): ValueNode {
    if (this.inValues > 0 || node.immediate === true || typeof node.value !== 'boolean') return node;
    return { ...node, immediate: true };
  }
}

export class LiteralBooleans implements KyselyPlugin {
  private readonly transformer = new Transformer();
  /**
   * The rewrite of a node seen before: a prepared write (prepared-write.ts) passes the same node for every
   * call of a shape, and keeps its compiled text only while the node it gets back is the same object.
   */
  private readonly done = new WeakMap<RootOperationNode, RootOperationNode>();

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    const node = args.node;
    // Most statements are plain INSERTs (booleans only in VALUES): not copied node by node for nothing.
    if (node.kind === 'InsertQueryNode' && node.with === undefined) return node;
    let out = this.done.get(node);
    if (out === undefined) {
      out = this.transformer.transformNode(node);
      this.done.set(node, out);
    }
    return out;
  }

  transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return Promise.resolve(args.result);
  }
}
