// The dispatch table: exact `Type:Action` first, then the `*:Action` wildcard (docs/spec.md#dispatcher).
import { ANY_ENTITY, type Handler, type HandlerRegistration, type PostHookRegistration } from './types.js';

export interface DataTypeGate {
  /** null = every entity type enabled (OPENAUDIO_ETL_ENTITY_MANAGER_DATA_TYPES unset). */
  readonly enabled: readonly string[] | null;
}

export interface Route {
  readonly key: string;
  readonly handle: Handler;
  readonly postHooks: readonly Handler[];
}

export interface Dispatcher {
  resolve(entityType: string, action: string): Route | undefined;
  readonly handlerCount: number;
  readonly keys: readonly string[];
}

const key = (entityType: string, action: string) => `${entityType}:${action}`;

export function isDataTypeEnabled(gate: DataTypeGate, dataType: string): boolean {
  if (gate.enabled === null) return true;
  const lc = dataType.toLowerCase();
  return gate.enabled.some((t) => t.toLowerCase() === lc);
}

/** Parses OPENAUDIO_ETL_ENTITY_MANAGER_DATA_TYPES: unset → all; '' → none; else a trimmed list. */
export function parseDataTypes(value: string | undefined): DataTypeGate {
  if (value === undefined) return { enabled: null };
  return {
    enabled: value
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
  };
}

export function createDispatcher(
  registrations: readonly HandlerRegistration[],
  postHooks: readonly PostHookRegistration[] = [],
  gate: DataTypeGate = { enabled: null },
): Dispatcher {
  const handlers = new Map<string, Handler>();
  for (const r of registrations) {
    if (r.gate !== null && !isDataTypeEnabled(gate, r.gate)) continue;
    const k = key(r.entityType, r.action);
    if (handlers.has(k)) throw new Error(`two handlers registered for ${k}`);
    handlers.set(k, r.handle);
  }
  const hooks = new Map<string, Handler[]>();
  for (const h of postHooks) {
    const k = key(h.entityType, h.action);
    hooks.set(k, [...(hooks.get(k) ?? []), h.hook]);
  }
  return {
    handlerCount: handlers.size,
    keys: [...handlers.keys()].sort(),
    resolve(entityType, action) {
      const exact = key(entityType, action);
      const exactHandler = handlers.get(exact);
      if (exactHandler) return { key: exact, handle: exactHandler, postHooks: hooks.get(exact) ?? [] };
      const wild = key(ANY_ENTITY, action);
      const wildHandler = handlers.get(wild);
      if (!wildHandler) return undefined;
      // Exact-key hooks run first, then the wildcard's, in registration order.
      return {
        key: wild,
        handle: wildHandler,
        postHooks: [...(hooks.get(exact) ?? []), ...(hooks.get(wild) ?? [])],
      };
    },
  };
}
