// Sees every statement a handler sends and tells reads from writes, so the block view can drop what a
// write may have changed and the block loop can tell whether a rejected tx left writes behind.
import type {
  KyselyPlugin,
  OperationNode,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  TableNode,
  UnknownRow,
} from 'kysely';

/** A write whose tables cannot be named (raw SQL): every cached table may have changed. */
export const ALL_TABLES = '*';

const WRITE_KINDS = new Set(['InsertQueryNode', 'UpdateQueryNode', 'DeleteQueryNode', 'MergeQueryNode']);

export class WriteTracker implements KyselyPlugin {
  /** Statements that may have written since the last `startTx`. */
  writes = 0;

  constructor(private readonly onWrite: (tables: ReadonlySet<string>) => void) {}

  startTx(): void {
    this.writes = 0;
  }

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    const tables = writtenTables(args.node);
    if (tables !== null) {
      this.writes++;
      this.onWrite(tables);
    }
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}

/**
 * null for a plain read; otherwise every table the statement names (a superset of what it writes), or
 * ALL_TABLES for raw SQL. A SELECT with a writing CTE counts as a write.
 */
export function writtenTables(root: RootOperationNode): ReadonlySet<string> | null {
  if (root.kind === 'RawNode') return isSavepoint(root) ? null : new Set([ALL_TABLES]);
  // Only a WITH can hold a data-modifying statement inside a SELECT: without one it is a plain read.
  if (root.kind === 'SelectQueryNode' && root.with === undefined) return null;
  // The common write, without a CTE: it writes its target only (the tables it reads cannot change), so the
  // walk over its values is not needed.
  const target = plainTarget(root);
  if (target !== undefined) return new Set([target]);
  const tables = new Set<string>();
  let writes = WRITE_KINDS.has(root.kind);
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const n of node) walk(n);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    const op = node as OperationNode & Record<string, unknown>;
    if (typeof op.kind === 'string') {
      if (WRITE_KINDS.has(op.kind)) writes = true;
      if (op.kind === 'TableNode') {
        const t = (op as unknown as { table: { identifier: { name: string } } }).table.identifier.name;
        tables.add(t);
      }
    }
    for (const v of Object.values(op)) if (typeof v === 'object' && v !== null) walk(v);
  };
  walk(root);
  return writes ? tables : null;
}

function plainTarget(root: RootOperationNode): string | undefined {
  if (root.kind === 'InsertQueryNode' && root.with === undefined) return root.into?.table.identifier.name;
  if (root.kind === 'UpdateQueryNode' && root.with === undefined && root.table?.kind === 'TableNode')
    return (root.table as TableNode).table.identifier.name;
  if (root.kind === 'DeleteQueryNode' && root.with === undefined && root.from.froms.length === 1) {
    const f = root.from.froms[0]!;
    if (f.kind === 'TableNode') return (f as TableNode).table.identifier.name;
  }
  return undefined;
}

/** Opening or releasing a savepoint changes no row (rolling back to one does). */
function isSavepoint(root: RootOperationNode): boolean {
  const raw = root as unknown as { sqlFragments: readonly string[]; parameters: readonly unknown[] };
  return (
    raw.parameters.length === 0 && /^\s*(RELEASE\s+)?SAVEPOINT\s+\w+\s*$/i.test(raw.sqlFragments.join(''))
  );
}
