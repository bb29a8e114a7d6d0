// Every challenge processor, in production's registration order (docs/spec.md#challenge-processors). Skipped, with reasons in
// docs/challenges.md: tt/tut/tp and t (no trending scores indexed), b/s (no USDC purchases indexed),
// dvl/o/ft/l (no processor in the sources read).
import type { ChallengeProcessor } from './framework.js';
import { cosign } from './processors/cosign.js';
import { firstPlaylist } from './processors/first-playlist.js';
import { firstWeeklyComment } from './processors/first-weekly-comment.js';
import { listenStreak } from './processors/listen-streak.js';
import { mobileInstall } from './processors/mobile-install.js';
import { pinnedComment } from './processors/pinned-comment.js';
import { playCountMilestones } from './processors/play-count-milestones.js';
import { profileCompletion } from './processors/profile-completion.js';
import { referral, referralVerified } from './processors/referral.js';
import { referred } from './processors/referred.js';
import { remixContestWinner } from './processors/remix-contest-winner.js';
import { trackUpload } from './processors/track-upload.js';
import { verified } from './processors/verified.js';

export const PROCESSORS: readonly ChallengeProcessor[] = [
  trackUpload,
  firstPlaylist,
  profileCompletion,
  verified,
  listenStreak,
  playCountMilestones,
  firstWeeklyComment,
  pinnedComment,
  cosign,
  remixContestWinner,
  mobileInstall,
  referral,
  referralVerified,
  referred,
];
