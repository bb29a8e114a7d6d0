/** A jsonb value: we write JSON text (JSON.stringify) and `pg` reads it back parsed. */
import type { ColumnType } from 'kysely';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type Json = ColumnType<JsonValue, string, string>;
