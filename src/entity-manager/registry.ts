// Every ManageEntity handler, one registration per (entity_type, action). Files are grouped by entity
// under handlers/; this list is the dispatch table's only input.

import { createDispatcher, type DataTypeGate, type Dispatcher } from './dispatcher.js';
import { commentHandlers } from './handlers/comment.js';
import { developerAppHandlers } from './handlers/developer-app.js';
import { emailHandlers } from './handlers/email.js';
import { eventHandlers } from './handlers/event.js';
import { grantHandlers } from './handlers/grant.js';
import { mutedUserHandlers } from './handlers/muted-user.js';
import { notificationHandlers } from './handlers/notification.js';
import { playCountHandlers } from './handlers/play-count.js';
import { playlistHandlers } from './handlers/playlist.js';
import { socialHandlers } from './handlers/social.js';
import { tipHandlers } from './handlers/tip.js';
import { trackHandlers } from './handlers/track.js';
import { trackCollaboratorHandlers } from './handlers/track-collaborator.js';
import { userHandlers } from './handlers/user.js';
import { walletHandlers } from './handlers/wallet.js';
import type { HandlerRegistration, PostHookRegistration } from './types.js';
import { userEventsHooks } from './user-events-hook.js';

export const HANDLERS: readonly HandlerRegistration[] = [
  // handlers: add `...<entity>Handlers,` lines here (keep alphabetical)
  ...commentHandlers,
  ...developerAppHandlers,
  ...emailHandlers,
  ...eventHandlers,
  ...grantHandlers,
  ...mutedUserHandlers,
  ...notificationHandlers,
  ...playCountHandlers,
  ...playlistHandlers,
  ...socialHandlers,
  ...tipHandlers,
  ...trackCollaboratorHandlers,
  ...trackHandlers,
  ...userHandlers,
  ...walletHandlers,
];

export const POST_HOOKS: readonly PostHookRegistration[] = [
  // post-hooks: add lines here
  ...userEventsHooks,
];

export function productionDispatcher(gate: DataTypeGate = { enabled: null }): Dispatcher {
  return createDispatcher(HANDLERS, POST_HOOKS, gate);
}
