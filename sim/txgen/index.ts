// ManageEntity tx generators, one per (entity_type, action) the spec lists, plus hostile mutations; one file
// per handler file in src/entity-manager/handlers/. Generators draw from the `txs` stream and update the
// World optimistically for txs meant to apply.
import { COMMENT, COMMENT_TRIGGERS } from './comment.js';
import { DEVELOPER_APP } from './developer-app.js';
import { EMAIL } from './email.js';
import { EVENT } from './event.js';
import { GRANT } from './grant.js';
import { MUTED_USER } from './muted-user.js';
import { NOTIFICATION } from './notification.js';
import { PLAY_COUNT } from './play-count.js';
import { PLAYLIST } from './playlist.js';
import { SOCIAL, SOCIAL_TRIGGERS } from './social.js';
import { TIP } from './tip.js';
import { TRACK, TRACK_TRIGGERS } from './track.js';
import { TRACK_COLLABORATOR } from './track-collaborator.js';
import type { Generator } from './types.js';
import { USER } from './user.js';
import { WALLET } from './wallet.js';

export { COVERAGE, coverageDraft } from './coverage.js';
export { HOSTILE, HOSTILE_KINDS } from './hostile.js';
export type { Draft, GenContext, Generator } from './types.js';

/**
 * Every weighted generator. The order is part of the chain: SimChain picks by weight over this list, so
 * moving an entry (or a draw inside one) changes every seed's chain and its golden. Append new ones last.
 */
export const GENERATORS: readonly Generator[] = [
  ...USER,
  ...MUTED_USER,
  ...TRACK,
  ...PLAYLIST,
  ...SOCIAL,
  ...DEVELOPER_APP,
  ...GRANT,
  ...NOTIFICATION,
  ...COMMENT,
  ...EVENT,
  ...EMAIL,
  ...WALLET,
  ...TIP,
  ...TRACK_COLLABORATOR,
  ...PLAY_COUNT,
  // The actions production's notification triggers react to (issue 16), added after the rest: remixes
  // (remix, contest submissions), the parent's owner acting on a remix (cosign), a repost or save of what a
  // followee reposted (repost_of_repost, save_of_repost), and an artist posting in their own fan club.
  ...TRACK_TRIGGERS,
  ...SOCIAL_TRIGGERS,
  ...COMMENT_TRIGGERS,
];
