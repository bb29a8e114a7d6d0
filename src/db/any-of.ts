// `column = any($n)` with the values as one array parameter, in place of `column in ($1, …, $k)`: one
// statement text whatever the number of values, so it is prepared once (statement-batch.ts) where an IN
// list makes a text, and a plan, per length. The server types the array after the column (int, text,
// enum alike); an empty array matches nothing, where an empty IN list is a syntax error.
import { type RawBuilder, sql } from 'kysely';

export function anyOf<T>(values: readonly T[]): RawBuilder<T> {
  return sql<T>`any(${values})`;
}
