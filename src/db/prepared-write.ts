// Writes a handler repeats thousands of times with the same shape (table, columns, conflict clause): the
// Kysely builder runs once per shape with placeholders standing for the input values, and each later call
// fills the compiled statement's parameters. Building and compiling a 60-column insert is most of what a
// handler costs in Node (bench/FINDINGS.md); the text and parameters sent are exactly the builder's
// (prepared-write.test.ts compares them), and the handle's plugins still see every statement.
import {
  type CompiledQuery,
  createQueryId,
  type Kysely,
  type QueryResult,
  type RootOperationNode,
} from 'kysely';
import type { Database } from './schema.js';

/**
 * A value the builder may use only as a value (never branch on it, never put it in SQL text); null and
 * booleans are part of the shape (see literalInShape).
 */
type Scalar = string | number | boolean | bigint | null;
/** A row or SET object: each defined property is a value; undefined ones are left out, as Kysely does. */
type Fields = { readonly [column: string]: unknown };
export type PreparedInputs = { readonly [name: string]: Scalar | Fields };

/** What a prepared builder returns: a write query builder. */
interface WriteBuilder {
  compile(): CompiledQuery;
}

export interface PreparedWrite<I extends PreparedInputs> {
  /** Runs the write on `db` (through its plugins and connection, like the builder's `execute()`). */
  (db: Kysely<Database>, inputs: I): Promise<QueryResult<unknown>>;
  /** What the call would send, without sending it (tests compare it with the builder's own compile). */
  compile(db: Kysely<Database>, inputs: I): CompiledQuery;
}

/** Shapes kept per prepared write; past it the cache starts over (a shape is cheap to rebuild). */
const MAX_SHAPES = 64;

/**
 * `build` as a write whose compiled form is kept per shape: which inputs are given and, for object
 * inputs, which properties are defined. `build` must be a module-level function of its inputs alone
 * that uses each input only as a value (in `values`, `set`, or as a comparison operand): it is called
 * with placeholders in their place. A call whose values include a Kysely expression or function runs
 * `build` itself.
 */
export function preparedWrite<I extends PreparedInputs>(
  build: (db: Kysely<Database>, inputs: I) => WriteBuilder,
): PreparedWrite<I> {
  const shapes = new Map<string, CompiledQuery>();
  /** A shape as the handle's plugins rewrote it (literal-booleans.ts returns one node per shape), compiled. */
  const rewritten = new WeakMap<RootOperationNode, CompiledQuery>();
  const shapeOf = (db: Kysely<Database>, inputs: I): CompiledQuery | null => {
    const key = shapeKey(inputs);
    if (key === null) return null;
    let shape = shapes.get(key);
    if (shape === undefined) {
      shape = build(db.withoutPlugins(), withSlots(inputs)).compile();
      if (shapes.size >= MAX_SHAPES) shapes.clear();
      shapes.set(key, shape);
    }
    return shape;
  };
  const compile = (db: Kysely<Database>, inputs: I): CompiledQuery => {
    const shape = shapeOf(db, inputs);
    if (shape === null) return build(db.withoutPlugins(), inputs).compile();
    return { ...shape, queryId: createQueryId(), parameters: fill(shape.parameters, inputs) };
  };
  const run = async (db: Kysely<Database>, inputs: I): Promise<QueryResult<unknown>> => {
    const shape = shapeOf(db, inputs);
    const executor = db.getExecutor();
    const queryId = createQueryId();
    // Every statement passes the handle's plugins, the builder's own (shape null) too.
    const node: RootOperationNode = executor.transformQuery(
      shape?.query ?? build(db.withoutPlugins(), inputs).compile().query,
      queryId,
    );
    // A plugin that rewrote the statement: compile its version (values still placeholders, filled below),
    // once per rewritten node.
    let compiled = shape !== null && node === shape.query ? shape : rewritten.get(node);
    if (compiled === undefined) {
      compiled = executor.compileQuery(node, queryId);
      if (shape !== null) rewritten.set(node, compiled);
    }
    return executor.executeQuery({
      query: node,
      queryId,
      sql: compiled.sql,
      parameters: shape === null ? compiled.parameters : fill(compiled.parameters, inputs),
    });
  };
  return Object.assign(run, { compile });
}

/** Stands for one input value while a shape is compiled. */
class Slot {
  constructor(
    readonly input: string,
    readonly field: string | undefined,
  ) {}
  toString(): string {
    throw new Error(`prepared write: input ${this.input} was used as SQL text; pass it as a value`);
  }
}

function withSlots<I extends PreparedInputs>(inputs: I): I {
  const out: Record<string, unknown> = {};
  for (const [name, v] of Object.entries(inputs)) {
    if (!isFields(v)) {
      out[name] = literalInShape(v) ? v : new Slot(name, undefined);
      continue;
    }
    const fields: Record<string, Slot> = {};
    for (const [f, fv] of Object.entries(v)) if (fv !== undefined) fields[f] = new Slot(name, f);
    out[name] = fields;
  }
  return out as I;
}

function fill(parameters: readonly unknown[], inputs: PreparedInputs): unknown[] {
  return parameters.map((p) => {
    if (!(p instanceof Slot)) return p;
    const v = inputs[p.input];
    return p.field === undefined ? v : (v as Fields)[p.field];
  });
}

/** The inputs' shape, or null when a value is something the builder turns into SQL (an expression). */
function shapeKey(inputs: PreparedInputs): string | null {
  let key = '';
  for (const name in inputs) {
    const v = inputs[name];
    if (!isFields(v)) {
      key += literalInShape(v) ? `${name}=${String(v)};` : `${name};`;
      continue;
    }
    key += `${name}(`;
    for (const f in v) {
      const fv = v[f];
      if (fv === undefined) continue;
      if (isExpression(fv)) return null;
      key += `${f},`;
    }
    key += ');';
  }
  return key;
}

/**
 * A comparison operand Kysely may write into the text rather than pass (`is null`, `is true`): part of the
 * shape, never a placeholder. Row and SET values are always passed, so only scalar inputs need this.
 */
function literalInShape(v: unknown): boolean {
  return v === null || typeof v === 'boolean';
}

function isFields(v: unknown): v is Fields {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** What Kysely compiles into SQL rather than passing as a parameter: a function or an operation node source. */
function isExpression(v: unknown): boolean {
  return (
    typeof v === 'function' ||
    (typeof v === 'object' &&
      v !== null &&
      typeof (v as { toOperationNode?: unknown }).toOperationNode === 'function')
  );
}
