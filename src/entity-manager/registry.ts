// Every ManageEntity handler, one registration per (entity_type, action). Files are grouped by entity
// under handlers/; this list is the dispatch table's only input.
import { createDispatcher, type DataTypeGate, type Dispatcher } from './dispatcher.js';
import type { HandlerRegistration, PostHookRegistration } from './types.js';
import { userEventsHooks } from '../challenges/user-events-hook.js';

export const HANDLERS: readonly HandlerRegistration[] = [
  // handlers: add `...<entity>Handlers,` lines here (keep alphabetical)
];

export const POST_HOOKS: readonly PostHookRegistration[] = [
  // post-hooks: add lines here
  ...userEventsHooks,
];

export function productionDispatcher(gate: DataTypeGate = { enabled: null }): Dispatcher {
  return createDispatcher(HANDLERS, POST_HOOKS, gate);
}
