// Every ManageEntity handler, one registration per (entity_type, action). Files are grouped by entity
// under handlers/; this list is the dispatch table's only input.
import { createDispatcher, type DataTypeGate, type Dispatcher } from './dispatcher.js';
import { playlistHandlers } from './handlers/playlist.js';
import { socialHandlers } from './handlers/social.js';
import { trackHandlers } from './handlers/track.js';
import { userHandlers } from './handlers/user.js';
import type { HandlerRegistration, PostHookRegistration } from './types.js';
import { userEventsHooks } from '../challenges/user-events-hook.js';

export const HANDLERS: readonly HandlerRegistration[] = [
  // handlers: add `...<entity>Handlers,` lines here (keep alphabetical)
  ...playlistHandlers,
  ...socialHandlers,
  ...trackHandlers,
  ...userHandlers,
];

export const POST_HOOKS: readonly PostHookRegistration[] = [
  // post-hooks: add lines here
  ...userEventsHooks,
];

export function productionDispatcher(gate: DataTypeGate = { enabled: null }): Dispatcher {
  return createDispatcher(HANDLERS, POST_HOOKS, gate);
}
